"""H3 through the running landscape: the portal's ``PHC_SanatoriumCard`` REQUESTs sent through ШЭП as
the EGOV_PORTAL system (the portal itself is not needed), answered by РПН on its own.

РПН believes the confirmation (the recipient's EDS, or the portal's signature attesting a one-time
password), registers the request (UPDATE with its number and term), asks ГБД ФЛ through ШЭП and
answers (RESPONSE) with the card 069/у signed by the organisation's authorised person, or with a
motivated refusal on each ground of seed 004 item 9. What РПН sent is read in the gateway's journal;
the documents in РПН's register of H3 requests (the workstation's JSON API), since a running portal
would consume the replies on its own queue.

Run with a ``TEST_PORT_OFFSET`` of your own; the landscape needs nuc-mock, gateway-shep, gbd-fl-mock
and phc-registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from egov_cli.landscape import Landscape
from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h3
from egov_kit.regulations import load_regulation
from egov_kit.shep.client import ShepClient
from egov_kit.shep.host import SystemIdentity, boot_identity, shep_client
from egov_kit.xml import parse_xml

from tests.integration.conftest import Nuc, cli_settings, nuc  # noqa: F401 (fixtures)
from tests.phc_registry.handler_support import KIM, PETROV, SHU_BIN, SHU_HEAD, h3_request
from tests.support.otlp import OtlpReceiver

pytestmark = pytest.mark.integration

SERVICE = h3.SHEP_SERVICE_ID
ORGANISATION = "ZHM-SHU-01"  # Петров Виктор is attached to it (seed)
SHU_REGISTRAR = "931019450121"
PDF = b"%PDF-1.4\n" + b"clinical results " * 40


@pytest.fixture(scope="module")
async def portal(
    landscape: Landscape, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[ShepClient, SystemIdentity]]:
    """A ШЭП client as EGOV_PORTAL (its own certificate from nuc-mock, in a state folder of its own)."""
    settings = cli_settings(
        landscape,
        var_dir=Path(tmp_path_factory.mktemp("h3-portal")),
        system_id="EGOV_PORTAL",
        system_bin=h3.PORTAL_BIN,
        organisation="АО «НИТ» (портал электронного правительства)",
        sender_password="egov_portal-dev-secret",
    )
    identity = await boot_identity(settings)
    client = shep_client(settings, identity)
    yield client, identity
    await client.aclose()
    await identity.validator.aclose()


def request(person: tuple[str, ...], **fields: Any) -> Any:
    return h3_request(person, org=ORGANISATION, pdf=PDF, examined_days_ago=4, **fields)


async def journal_types(gateway: str, message_id: str) -> set[tuple[str, str]]:
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
        entries = (await http.get("/journal", params={"correlation_id": message_id})).json()
    return {(e["message_type"], e["sender_id"]) for e in entries if e["sender_id"] == "PHC_REGISTRY"}


async def decided(phc: str, application_ids: set[str], timeout: float = 90.0) -> dict[str, dict[str, Any]]:
    """РПН's register of H3 requests (as the organisation's registrar) once every one is decided."""
    async with httpx.AsyncClient(base_url=phc, timeout=10) as http:
        login = await http.post(
            "/api/workstation/h3/login", json={"iin": SHU_REGISTRAR, "password": "phc-dev-password"}
        )
        assert login.status_code == 200, login.text
        found: dict[str, dict[str, Any]] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            rows = (await http.get("/api/workstation/h3/applications")).json()
            found = {row["application_id"]: row for row in rows if row["application_id"] in application_ids}
            if len(found) == len(application_ids) and all(
                row["status"] != "REGISTERED" for row in found.values()
            ):
                break
            await asyncio.sleep(0.5)
    return found


async def test_cards_and_each_refusal_ground_through_the_gateway(
    landscape: Landscape,
    portal: tuple[ShepClient, SystemIdentity],
    nuc: Nuc,  # noqa: F811
    otlp_receiver: OtlpReceiver,
) -> None:
    client, identity = portal
    citizen, _serial = await asyncio.to_thread(
        nuc.issue, kind="individual", iin=PETROV[0], surname=PETROV[1], given_name=PETROV[2], key_type="ec"
    )
    stale = now().astimezone(KZ_TZ).date() - timedelta(days=45)
    cases = {
        "card": h3.sign_with(request(PETROV), citizen),  # EDS of the recipient
        "card_otp": h3.sign_with(request(PETROV, otp=True), identity.keypair),  # the portal attests the OTP
        "NO_CONSENT": h3.sign_with(request(PETROV, consent=False), citizen),
        "UNRELIABLE_DATA": h3.sign_with(request(KIM, otp=True), identity.keypair),
        "REQUIREMENTS_NOT_MET": h3.sign_with(request(PETROV, examined_on=stale), citizen),
    }
    ids = {name: h3.parse_application(element).application_id for name, element in cases.items()}
    sent = {name: (await client.send_async(SERVICE, element)).message_id for name, element in cases.items()}

    rows = await decided(landscape.url("phc-registry"), set(ids.values()))
    assert set(rows) == set(ids.values()), rows
    for name, application_id in ids.items():
        row = rows[application_id]
        assert row["channel"] == "portal" and row["registration_number"].startswith("RPN-")
        assert row["registered_for"] <= row["due_at"]
        if name.startswith("card"):
            assert row["status"] == "ISSUED", (name, row)
            document = parse_xml(row["card"].encode("utf-8"))
            card = h3.parse_card(document)
            assert card.application_id == application_id and card.recipient.iin == PETROV[0]
            assert (
                card.organisation.code == ORGANISATION
                and card.registration_number == row["registration_number"]
            )
            signer = await h3.verify_issued(document, identity.validator)
            assert (signer.kind, signer.iin, signer.bin) == ("employee", SHU_HEAD, SHU_BIN)
        else:
            assert row["status"] == "REFUSED" and row["ground"] == name, (name, row)
            document = parse_xml(row["refusal"].encode("utf-8"))
            refusal = h3.parse_refusal(document)
            assert refusal.ground.code == name and refusal.registration_number == row["registration_number"]
            assert (await h3.verify_issued(document, identity.validator)).bin == SHU_BIN

    gateway = landscape.url("gateway-shep")
    for name, message_id in sent.items():
        types: set[tuple[str, str]] = set()
        for _ in range(50):
            types = await journal_types(gateway, message_id)
            if {("UPDATE", "PHC_REGISTRY"), ("RESPONSE", "PHC_REGISTRY")} <= types:
                break
            await asyncio.sleep(0.2)
        assert {("UPDATE", "PHC_REGISTRY"), ("RESPONSE", "PHC_REGISTRY")} <= types, (name, types)

    regulation = load_regulation("H3")
    expected = sorted(
        regulation.step("portal", s).span_name for s in ("process 6", "condition 3", "process 8")
    )
    names: list[str] = []
    for _ in range(100):
        names = sorted(
            span.name
            for span in otlp_receiver.spans
            if span.service == "phc-registry"
            and span.attributes.get("egov.step.id")
            and span.attributes.get("egov.application") == ids["card"]
        )
        if len(names) >= 3:
            break
        await asyncio.sleep(0.1)
    assert names == expected


async def test_an_otp_request_not_attested_by_the_portal_is_refused_without_a_number(
    landscape: Landscape,
    portal: tuple[ShepClient, SystemIdentity],
    nuc: Nuc,  # noqa: F811
) -> None:
    client, _identity = portal
    citizen, _serial = await asyncio.to_thread(
        nuc.issue, kind="individual", iin=PETROV[0], surname=PETROV[1], given_name=PETROV[2], key_type="ec"
    )
    element = h3.sign_with(request(PETROV, otp=True), citizen)  # "OTP" but no attestation of the portal
    message_id = (await client.send_async(SERVICE, element)).message_id
    types: set[tuple[str, str]] = set()
    for _ in range(150):
        types = await journal_types(landscape.url("gateway-shep"), message_id)
        if ("RESPONSE", "PHC_REGISTRY") in types:
            break
        await asyncio.sleep(0.2)
    assert ("RESPONSE", "PHC_REGISTRY") in types and ("UPDATE", "PHC_REGISTRY") not in types
    async with httpx.AsyncClient(base_url=landscape.url("phc-registry"), timeout=10) as http:
        login = await http.post(
            "/api/workstation/h3/login", json={"iin": SHU_REGISTRAR, "password": "phc-dev-password"}
        )
        assert login.status_code == 200, login.text
        registered = {
            row["application_id"] for row in (await http.get("/api/workstation/h3/applications")).json()
        }
    assert h3.parse_application(element).application_id not in registered
