"""`--issue-test-persons`: keys of ГБД ФЛ's test persons and phc-registry's staff, certified by nuc-mock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from egov_cli.signer.persons import IssueFailed, issue_staff, issue_test_persons
from egov_cli.signer.server import Signer
from egov_kit.documents import h1
from egov_kit.dsig import verify_document
from egov_kit.pki import KeyPair, identity_from_certificate
from egov_kit.xml import parse_xml
from gbd_fl_mock.domain.test_persons import ABSENT_IIN, MINOR_IIN, TEST_PERSONS
from nuc_mock.entrypoints.app import create_app
from nuc_mock.settings import Settings
from phc_registry.domain.seed import ORGANISATIONS, organisation

from tests.signer.conftest import TestCa


@pytest.fixture
async def nuc(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(var_dir=tmp_path / "nuc", nuc_url="http://nuc.test"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://nuc.test"
    ) as client:
        yield client


STAFF = [(org, member) for org in ORGANISATIONS for member in org.staff]
TRZ01_REGISTRAR = "900721450020"  # Бекова Динара, ZHM-TRZ-01
TRZ01_HEAD = "720314450019"  # Садыкова Гульмира, the head of ZHM-TRZ-01 (signs)
ADULT_IIN = "880412390017"


async def test_every_registered_test_person_gets_a_key(tmp_path: Path, nuc: httpx.AsyncClient) -> None:
    keys = tmp_path / "keys"
    issued = await issue_test_persons(keys, nuc)
    registered = [p for p in TEST_PERSONS if p.person is not None]
    citizens = [k for k in issued if k.kind == "individual"]
    assert [(k.name, k.iin, k.status) for k in citizens] == [
        (p.archetype, p.iin, "issued") for p in registered
    ]
    assert issued[: len(citizens)] == citizens, "the citizens first, then the staff"
    assert ABSENT_IIN not in {k.iin for k in issued}
    root_pem = (await nuc.get("/ca/root.pem")).content
    for test_person in registered:
        assert test_person.person is not None
        pair = KeyPair.load(keys / test_person.archetype)
        identity = pair.identity()
        assert (identity.kind, identity.iin) == ("individual", test_person.iin)
        assert (identity.surname, identity.given_name) == (
            test_person.person.surname,
            test_person.person.name,
        )
        assert pair.chain[-1] == x509.load_pem_x509_certificate(root_pem)
    # A second run only completes the folder: nothing is missing, nothing is issued.
    again = await issue_test_persons(keys, nuc)
    assert {k.status for k in again} == {"present"}
    assert len(again) == len(registered) + len(STAFF)
    # The signer picks each person's own key.
    signed = Signer(keys).sign_xml(f"<application><recipientIin>{MINOR_IIN}</recipientIin></application>")
    assert identity_from_certificate(verify_document(parse_xml(signed)).certificate).iin == MINOR_IIN


async def test_a_person_with_a_key_elsewhere_is_skipped(
    tmp_path: Path, nuc: httpx.AsyncClient, ca: TestCa
) -> None:
    keys = tmp_path / "keys"
    ca.issue(keys / "my-own", MINOR_IIN, "Ахметов", "Әлихан")
    ca.issue(keys / "adult", "800101300016", "Иванов", "Иван")  # someone else under the archetype's name
    issued = {k.iin: k for k in await issue_test_persons(keys, nuc)}
    assert (issued[MINOR_IIN].status, issued[MINOR_IIN].name) == ("present", "my-own")
    adult = next(p for p in TEST_PERSONS if p.archetype == "adult")
    assert (issued[adult.iin].status, issued[adult.iin].name) == ("issued", f"adult-{adult.iin}")
    assert KeyPair.load(keys / "adult").identity().iin == "800101300016"  # left alone


async def test_refusal_by_nuc_mock_is_a_named_error(tmp_path: Path) -> None:
    def refuse(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"error": "INVALID_SUBJECT", "message": "no"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse), base_url="http://nuc.test") as client:
        with pytest.raises(IssueFailed, match="INVALID_SUBJECT"):
            await issue_test_persons(tmp_path / "keys", client)


async def test_unreachable_nuc_mock_is_waited_for_then_a_named_error(tmp_path: Path) -> None:
    calls = 0

    def down(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down), base_url="http://nuc.test") as client:
        # 2 s leave room for retries (0.25 s, then 0.5 s, …) even on a busy machine
        with pytest.raises(IssueFailed, match="unreachable"):
            await issue_test_persons(tmp_path / "keys", client, wait_seconds=2.0)
    assert calls >= 2


async def test_nuc_mock_coming_up_late_is_waited_for(tmp_path: Path, nuc: httpx.AsyncClient) -> None:
    failures = 2

    async def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal failures
        if failures:
            failures -= 1
            raise httpx.ConnectError("connection refused", request=request)
        response = await nuc.request(
            request.method, request.url.path, content=request.content, headers=request.headers
        )
        return httpx.Response(response.status_code, content=response.content, headers=response.headers)

    async with httpx.AsyncClient(transport=httpx.MockTransport(flaky), base_url="http://nuc.test") as client:
        issued = await issue_test_persons(tmp_path / "keys", client, wait_seconds=30)
    assert len(issued) == sum(1 for p in TEST_PERSONS if p.person is not None) + len(STAFF)


# --- phc-registry's staff ------------------------------------------------------------------------


async def test_every_employee_of_phc_registrys_seed_gets_an_employee_certificate(
    tmp_path: Path, nuc: httpx.AsyncClient
) -> None:
    keys = tmp_path / "keys"
    issued = [k for k in await issue_test_persons(keys, nuc) if k.kind == "employee"]
    assert [(k.name, k.iin, k.bin, k.status) for k in issued] == [
        (f"staff-{member.iin}", member.iin, org.bin, "issued") for org, member in STAFF
    ]
    root_pem = (await nuc.get("/ca/root.pem")).content
    for org, member in STAFF:
        pair = KeyPair.load(keys / f"staff-{member.iin}")
        identity = pair.identity()
        assert (identity.kind, identity.iin, identity.bin) == ("employee", member.iin, org.bin)
        assert (identity.surname, identity.given_name) == (member.surname, member.given_name)
        assert ("right_of_signature" in identity.roles) == member.authorised, (member.iin, identity.roles)
        assert member.authorised or "employee" in identity.roles
        assert pair.chain[-1] == x509.load_pem_x509_certificate(root_pem)
    # A second run skips them all.
    again = await issue_staff(keys, nuc)
    assert {k.status for k in again} == {"present"} and len(again) == len(STAFF)


async def test_the_employee_key_signs_a_workstation_draft_and_the_citizen_key_a_portal_one(
    tmp_path: Path, nuc: httpx.AsyncClient
) -> None:
    """The draft of the workstation names the logged-in employee (signerIin): their key signs it."""
    keys = tmp_path / "keys"
    await issue_test_persons(keys, nuc)
    recipient = h1.Recipient(ADULT_IIN, "Ахметов", "Ерлан", "Серікович")
    signer = Signer(keys)

    workstation_draft = h1.build_application(
        recipient=recipient,
        organisation_code="ZHM-TRZ-01",
        reason="Смена места жительства",
        channel="provider",
        section_number="1",
        signer_iin=TRZ01_REGISTRAR,
    )
    signed = parse_xml(signer.sign_xml(h1.to_text(workstation_draft)))
    identity = identity_from_certificate(verify_document(signed).certificate)
    trz01 = organisation("ZHM-TRZ-01")
    assert trz01 is not None
    assert (identity.kind, identity.iin, identity.bin) == ("employee", TRZ01_REGISTRAR, trz01.bin)
    assert h1.parse_application(signed).signer_iin == TRZ01_REGISTRAR

    head_draft = h1.build_application(
        recipient=recipient,
        organisation_code="ZHM-TRZ-01",
        reason="Смена места жительства",
        channel="provider",
        signer_iin=TRZ01_HEAD,
    )
    head = identity_from_certificate(
        verify_document(parse_xml(signer.sign_xml(h1.to_text(head_draft)))).certificate
    )
    assert (head.iin, head.kind) == (TRZ01_HEAD, "employee") and "right_of_signature" in head.roles

    portal_draft = h1.build_application(
        recipient=recipient, organisation_code="ZHM-TRZ-01", reason="Смена места жительства"
    )
    citizen = identity_from_certificate(
        verify_document(parse_xml(signer.sign_xml(h1.to_text(portal_draft)))).certificate
    )
    assert (citizen.kind, citizen.iin) == ("individual", ADULT_IIN)


async def test_an_employee_with_an_employee_key_elsewhere_is_skipped(
    tmp_path: Path, nuc: httpx.AsyncClient
) -> None:
    keys = tmp_path / "keys"
    trz01 = organisation("ZHM-TRZ-01")
    assert trz01 is not None
    own = await nuc.post(
        "/api/certificates",
        json={
            "kind": "employee",
            "iin": TRZ01_REGISTRAR,
            "bin": trz01.bin,
            "surname": "Бекова",
            "given_name": "Динара",
            "organisation": trz01.name_ru,
            "roles": ["employee"],
            "key_type": "ec",
        },
    )
    assert own.status_code == 200, own.text
    body = own.json()
    KeyPair.from_pem(body["key_pem"].encode(), body["cert_pem"].encode(), body["chain_pem"].encode()).save(
        keys / "registrar-trz01"
    )
    issued = {k.iin: k for k in await issue_staff(keys, nuc)}
    assert (issued[TRZ01_REGISTRAR].status, issued[TRZ01_REGISTRAR].name) == ("present", "registrar-trz01")
    assert not (keys / f"staff-{TRZ01_REGISTRAR}").exists()
    assert issued[TRZ01_HEAD].status == "issued"
