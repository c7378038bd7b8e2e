"""`egov shep …`: call services through the gateway, read and verify its journal."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from pathlib import Path
from typing import Any

import httpx
import typer
from egov_kit.documents import gbdfl
from egov_kit.dsig import SignatureError, verify_envelope
from egov_kit.errors import KitError
from egov_kit.shep.client import ShepFault
from egov_kit.xml import XmlError, parse_xml
from gateway_shep.domain.journal import verify_entries
from lxml import etree
from rich.console import Console
from rich.table import Table

from egov_cli.identity import CliSettings, open_client

shep_app = typer.Typer(no_args_is_help=True)
console = Console()

JOURNAL_COLUMNS = (
    "id",
    "direction",
    "status",
    "service_id",
    "sender_id",
    "recipient_id",
    "message_id",
    "error_code",
)


def _request_body(
    service_id: str,
    iin: str | None,
    data: Path | None,
    poa: str | None,
    principal: str | None,
    representative: str | None,
) -> etree._Element:
    if data is not None:
        return parse_xml(data.read_bytes())
    if service_id == gbdfl.SERVICE_ID and iin:
        return gbdfl.build_request(iin)
    if service_id == "ENIS_PowerOfAttorneySync" and poa:
        from enis_mock.adapters.xml_body import build_request as build_poa_request

        return build_poa_request(poa, principal or "", representative or "")
    raise typer.BadParameter(
        "give --data FILE, or --iin for GBDFL_UniversalServiceSync, "
        "or --poa/--principal/--representative for ENIS_PowerOfAttorneySync"
    )


@shep_app.command("call")
def call(
    service_id: str = typer.Argument(..., help="ШЭП serviceId, e.g. GBDFL_UniversalServiceSync"),
    iin: str | None = typer.Option(None, "--iin", help="ИИН to look up (GBDFL_UniversalServiceSync)"),
    poa: str | None = typer.Option(None, "--poa", help="power of attorney number (ENIS_PowerOfAttorneySync)"),
    principal: str | None = typer.Option(None, "--principal", help="principal's ИИН (ENIS)"),
    representative: str | None = typer.Option(None, "--representative", help="representative's ИИН (ENIS)"),
    data: Path | None = typer.Option(None, "--data", help="a file with the business XML to send"),
    show_xml: bool = typer.Option(False, "--xml", help="print the whole business answer as XML"),
) -> None:
    """Call a synchronous service as the test integrator and print the answer or the ErrorInfo."""
    body = _request_body(service_id, iin, data, poa, principal, representative)

    async def run() -> Any:
        client = await open_client(CliSettings())
        try:
            return await client.send_sync(service_id, body)
        finally:
            await client.aclose()
            await client.validator.aclose()

    try:
        reply = asyncio.run(run())
    except ShepFault as fault:
        _print_fault(fault)
        raise typer.Exit(2) from fault
    except KitError as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.message}")
        raise typer.Exit(2) from exc
    console.print(
        f"[green]{reply.response.response_info.status.code}[/green] "
        f"messageId={reply.response.response_info.message_id} "
        f"correlationId={reply.response.response_info.correlation_id} "
        f"signed by {reply.signer.common_name} (verified)"
    )
    answer = reply.data
    if answer is None:
        console.print("(no data)")
        return
    if show_xml or not _print_summary(answer):
        console.print(etree.tostring(answer, pretty_print=True, encoding="unicode"))


def _print_fault(fault: ShepFault) -> None:
    table = Table(title="ШЭП ErrorInfo", show_header=False)
    table.add_row("errorCode", f"[red]{fault.error_info.error_code}[/red]")
    table.add_row("errorMessage", fault.error_info.error_message)
    if fault.error_info.error_data:
        table.add_row("errorData", fault.error_info.error_data[:500])
    table.add_row("errorDate", fault.error_info.error_date.isoformat())
    console.print(table)


def _print_summary(answer: etree._Element) -> bool:
    """A readable table for a ГБД ФЛ or ЕНИС answer; False when the answer is of another kind."""
    if answer.tag == gbdfl.CONTRACT.tag("response"):
        return _print_person(answer)
    result = next(
        (
            child
            for child in answer
            if isinstance(child.tag, str) and etree.QName(child).localname == "result"
        ),
        None,
    )
    if result is None:
        return False
    table = Table(title=etree.QName(answer).namespace or "answer", show_header=False)
    for child in result:
        if isinstance(child.tag, str):
            table.add_row(etree.QName(child).localname, (child.text or "").strip())
    console.print(table)
    return True


def _print_person(answer: etree._Element) -> bool:
    """ГБД ФЛ's answer as the kit reads it; False (print the XML) when it breaks the contract."""
    try:
        lookup = gbdfl.parse_response(answer)
    except KitError as exc:
        console.print(f"[red]{exc.code}[/red]: {exc.message}")
        return False
    table = Table(title=gbdfl.NS, show_header=False)
    table.add_row("result", f"{lookup.result} ({lookup.code})")
    table.add_row("messageRu", lookup.message_ru)
    table.add_row("messageKz", lookup.message_kk)
    person = lookup.person
    if person is not None:
        for label, value in (
            ("iin", person.iin),
            ("surname", person.surname),
            ("name", person.name),
            ("patronymic", person.patronymic or "—"),
            ("birthDate", person.birth_date.isoformat()),
        ):
            table.add_row(label, value)
        table.add_row("gender", person.gender.name_ru)
        death = f" ({person.death_date.isoformat()})" if person.death_date else ""
        table.add_row("lifeStatus", person.life_status.name_ru + death)
        if person.address is not None:
            table.add_row("regAddress", person.address.full_ru)
        for document in person.documents:
            until = document.valid_until.isoformat() if document.valid_until else "—"
            table.add_row(
                "document", f"{document.type.name_ru} {document.number} до {until}: {document.status.name_ru}"
            )
    console.print(table)
    return True


@shep_app.command("journal")
def journal(
    message_id: str | None = typer.Option(None, "--message-id"),
    service_id: str | None = typer.Option(None, "--service-id"),
    sender_id: str | None = typer.Option(None, "--sender-id"),
    limit: int = typer.Option(20, "--limit"),
) -> None:
    """List the gateway journal's newest entries."""
    params = {
        k: v
        for k, v in {"message_id": message_id, "service_id": service_id, "sender_id": sender_id}.items()
        if v
    }
    entries = httpx.get(
        f"{CliSettings().shep_url}/journal", params={**params, "limit": limit}, timeout=10
    ).json()
    table = Table(title="ШЭП journal")
    for column in JOURNAL_COLUMNS:
        table.add_column(column)
    for entry in entries:
        table.add_row(*(str(entry.get(column) or "") for column in JOURNAL_COLUMNS))
    console.print(table)


def fetch_journal(base_url: str, page: int = 1000) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    after = 0
    with httpx.Client(timeout=30) as client:
        while True:
            batch = client.get(f"{base_url}/journal/all", params={"after_id": after, "limit": page}).json()
            entries.extend(batch)
            if len(batch) < page:
                return entries
            after = batch[-1]["id"]


def check_signatures(entries: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Every stored envelope the gateway accepted, forwarded or returned must carry a valid signature.

    Rejected messages are kept as received — their signature may be exactly why they were refused.
    """
    problems: list[tuple[int, str]] = []
    for entry in entries:
        if entry["direction"] == "rejected" or entry["status"] in ("rejected", "failed"):
            continue
        try:
            verify_envelope(parse_xml(base64.b64decode(entry["raw"])))
        except (SignatureError, XmlError) as exc:
            problems.append((entry["id"], f"{exc.code}: {exc.message}"))
    return problems


@shep_app.command("verify-journal")
def verify_journal() -> None:
    """Check the journal's hash chain and every stored signature; exit 1 on any break."""
    entries = fetch_journal(CliSettings().shep_url)
    report = verify_entries(entries)
    problems = check_signatures(entries)
    if report.ok:
        console.print(f"[green]chain ok[/green]: {report.entries_checked} entries, head {report.head_hash}")
    else:
        console.print(f"[red]chain broken[/red] at entry {report.first_bad_id}: {report.reason}")
    for entry_id, problem in problems:
        console.print(f"[red]entry {entry_id}[/red]: {problem}")
    if not problems:
        console.print(
            "[green]signatures ok[/green]: every accepted, forwarded and returned envelope verifies"
        )
    if not report.ok or problems:
        raise typer.Exit(1)


@shep_app.command("serve-echo")
def serve_echo() -> None:
    """Serve the sandbox test services (TEST_EchoSync, TEST_SlowSync, TEST_EchoAsync) until Ctrl-C."""
    from egov_cli.echo import echo_host

    async def run() -> None:
        host = echo_host()
        await host.start()
        console.print("serving TEST_EchoSync, TEST_SlowSync, TEST_EchoAsync as TEST_INTEGRATOR; Ctrl-C stops")
        try:
            await asyncio.Event().wait()
        finally:
            await host.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
