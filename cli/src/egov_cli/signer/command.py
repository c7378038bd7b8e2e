"""`egov signer`: the citizen's local signer, speaking NCALayer's WebSocket protocol on port 13579."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Annotated

import httpx
import typer
from egov_kit.errors import KitError
from egov_kit.settings import CommonSettings
from rich.console import Console
from rich.table import Table

from egov_cli.signer.keys import KeyStore
from egov_cli.signer.server import DEFAULT_HOST, DEFAULT_PORT, serve

console = Console()


def default_keys_dir() -> Path:
    """``$EGOV_VAR_DIR/signer/keys`` (``var/signer/keys`` in the checkout)."""
    return CommonSettings().var_dir / "signer" / "keys"


def _keys_table(store: KeyStore) -> Table:
    table = Table(title=f"Keys in {store.directory}")
    table.add_column("name", style="bold")
    table.add_column("ИИН")
    table.add_column("holder")
    table.add_column("kind")
    table.add_column("valid until")
    for key in store.keys:
        table.add_row(
            key.name,
            key.iin or "—",
            key.common_name,
            key.kind or "—",
            key.certificate.not_valid_after_utc.date().isoformat(),
        )
    return table


async def _issue(keys_dir: Path, nuc_url: str, wait_seconds: float) -> None:
    from egov_cli.signer.persons import issue_test_persons  # ГБД ФЛ test persons, phc-registry seed

    async with httpx.AsyncClient(base_url=nuc_url, timeout=60.0) as client:
        keys = await issue_test_persons(keys_dir, client, wait_seconds=wait_seconds)
    for label, kind in (("test persons", "individual"), ("phc-registry staff", "employee")):
        group = [key for key in keys if key.kind == kind]
        issued = [key for key in group if key.status == "issued"]
        console.print(
            f"[green]{label}[/green]: {len(issued)} key(s) issued by nuc-mock, "
            f"{len(group) - len(issued)} already present"
        )


def signer_command(
    keys: Annotated[
        Path | None,
        typer.Option(
            "--keys",
            help="Key folder: one sub-folder per identity (key.pem, cert.pem, chain.pem), as written by "
            "`egov pki issue --out DIR/<name>`. Default: var/signer/keys.",
        ),
    ] = None,
    default: Annotated[
        str | None,
        typer.Option(
            "--default",
            help="Key (sub-folder name) that signs documents naming no ИИН of the folder; default: the "
            "first by name.",
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", envvar="SIGNER_PORT", help="Port (NCALayer's is 13579).")
    ] = DEFAULT_PORT,
    host: Annotated[
        str, typer.Option("--host", help="Interface to listen on; keep the loopback.")
    ] = DEFAULT_HOST,
    issue_test_persons: Annotated[
        bool,
        typer.Option(
            "--issue-test-persons",
            help="First give every ГБД ФЛ test person and every phc-registry employee (staff-<iin>, an "
            "employee certificate) missing from the folder a key certified by nuc-mock.",
        ),
    ] = False,
    nuc_url: Annotated[
        str | None,
        typer.Option("--nuc-url", help="nuc-mock's URL (default: NUC_URL or http://127.0.0.1:8103)."),
    ] = None,
    nuc_wait: Annotated[
        float, typer.Option("--nuc-wait", help="Seconds to wait for nuc-mock to come up.")
    ] = 60.0,
) -> None:
    """Sign XML for web pages as NCALayer does (ws://127.0.0.1:13579/), with the folder's test keys.

    The key is the one whose ИИН the document names: the sandbox's stand-in for NCALayer's key dialog.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("websockets.server").setLevel(logging.WARNING)  # not every /healthz poll
    logging.getLogger("httpx").setLevel(logging.WARNING)
    keys_dir = (keys or default_keys_dir()).resolve()
    if issue_test_persons:
        try:
            asyncio.run(_issue(keys_dir, (nuc_url or CommonSettings().nuc_url).rstrip("/"), nuc_wait))
        except KitError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc

    store = KeyStore(keys_dir, default=default)
    for problem in store.problems:
        console.print(f"[yellow]unreadable key[/yellow] {problem}")
    if len(store):
        console.print(_keys_table(store))
        if default is not None and store.get(default) is None:
            console.print(f"[red]--default {default!r}: no such key in {keys_dir}[/red]")
            raise typer.Exit(1)
    else:
        console.print(
            f"[yellow]no keys in {keys_dir}[/yellow]: /healthz answers 503 until one appears "
            "(egov signer --issue-test-persons, or egov pki issue --out DIR/<name>)"
        )

    console.print(f"[green]signer[/green] listening on ws://{host}:{port}/ (GET /healthz); Ctrl-C stops")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(keys_dir, host, port, default=default))
    except OSError as exc:
        console.print(f"[red]cannot listen on {host}:{port}: {exc}[/red]")
        raise typer.Exit(1) from exc
