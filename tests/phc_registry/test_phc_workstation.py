"""The staff workstation (provider channel, seed 002 table 2) through FastAPI's TestClient.

The app runs without the bus (``serve_shep=False``); ГБД ФЛ is the in-memory ШЭП client of the
conftest, certificates are checked against nuc-mock in-process (OCSP included).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from egov_kit.documents import h1
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.regulations import load_regulation
from egov_kit.xml import parse_xml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from phc_registry.domain.seed import DEV_PASSWORD
from phc_registry.service_layer.runtime import PhcRuntime

from tests.phc_registry.conftest import TRZ01_REGISTRAR, TRZ05_REGISTRAR, _employee_key
from tests.pki.support import Nuc

TRZ01_DOCTOR = "851102350030"  # Нурланов Арман, ZHM-TRZ-01 section 1: an employee, not the registrar
MINOR = "150601590223"  # Тараз, ул. Толе би; not attached anywhere yet
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def runtime_of(app: FastAPI) -> PhcRuntime:
    runtime: PhcRuntime = app.state.runtime
    return runtime


def login(client: TestClient, iin: str = TRZ01_REGISTRAR, password: str = DEV_PASSWORD) -> str:
    response = client.post("/api/workstation/login", json={"iin": iin, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def api(client: TestClient, csrf: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/workstation{path}", json=body, headers={"X-CSRF-Token": csrf})


def sign(xml: bytes | str, key: KeyPair) -> str:
    element = parse_xml(xml if isinstance(xml, bytes) else xml.encode())
    return h1.to_text(h1.sign_with(element, key))


def draft(client: TestClient, iin: str, **params: Any) -> bytes:
    response = client.get(
        "/api/workstation/h1/draft", params={"iin": iin, "reason": "Смена места жительства", **params}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return response.content


def scans_stored(app: FastAPI) -> tuple[int, int]:
    runtime = runtime_of(app)
    with runtime.uow_factory() as uow:
        rows = uow.scans.count()
    return rows, len(runtime.scans.files()) if runtime.scans.root.exists() else 0


# --- step 1: log in --------------------------------------------------------------------------------


def test_login_sets_an_httponly_samesite_session_cookie(client: TestClient) -> None:
    response = client.post("/api/workstation/login", json={"iin": TRZ01_REGISTRAR, "password": DEV_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert (
        body["organisation"]["code"] == "ZHM-TRZ-01"
        and body["employee"]["full_name"] == "Бекова Динара Ерлановна"
    )
    cookie = response.headers["set-cookie"]
    assert (
        "phc_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    )
    me = client.get("/api/workstation/me")
    assert me.status_code == 200 and me.json()["csrf_token"] == body["csrf_token"]


def test_wrong_password_then_lockout_after_five_failures(client: TestClient) -> None:
    iin = "931019450121"  # the registrar of Шу
    for attempt in range(4):
        response = client.post("/api/workstation/login", json={"iin": iin, "password": "wrong"})
        assert response.status_code == 401 and response.json()["error"] == "INVALID_CREDENTIALS"
        assert str(4 - attempt) in response.json()["message"]
    fifth = client.post("/api/workstation/login", json={"iin": iin, "password": "wrong"})
    assert fifth.status_code == 423 and fifth.json()["error"] == "ACCOUNT_LOCKED"
    locked = client.post("/api/workstation/login", json={"iin": iin, "password": DEV_PASSWORD})
    assert locked.status_code == 423, "even the right password is refused while locked"
    assert "заблокирована" in locked.json()["message"] and "бұғатталды" in locked.json()["message"]


def test_unknown_employee_cannot_log_in(client: TestClient) -> None:
    response = client.post("/api/workstation/login", json={"iin": "880412390017", "password": DEV_PASSWORD})
    assert response.status_code == 401 and response.json()["error"] == "INVALID_CREDENTIALS"


def test_without_a_session_the_api_says_401_and_pages_redirect(client: TestClient) -> None:
    assert client.post("/api/workstation/h1/lookup", json={"iin": "880412390017"}).status_code == 401
    page = client.get("/workstation/h1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/workstation/login"


# --- CSRF ------------------------------------------------------------------------------------------


def test_csrf_is_required_on_every_form_and_api_post(client: TestClient) -> None:
    csrf = login(client)
    missing = client.post("/api/workstation/h1/lookup", json={"iin": "880412390017"})
    assert missing.status_code == 403 and missing.json()["error"] == "CSRF_REJECTED"
    wrong = client.post(
        "/api/workstation/h1/lookup", json={"iin": "880412390017"}, headers={"X-CSRF-Token": "x"}
    )
    assert wrong.status_code == 403
    form = client.post("/workstation/h1/lookup", data={"iin": "880412390017"})
    assert form.status_code == 403 and "CSRF" in form.text
    forged = client.post("/workstation/h1/lookup", data={"iin": "880412390017", "csrf_token": csrf[::-1]})
    assert forged.status_code == 403
    fine = client.post("/workstation/h1/lookup", data={"iin": "880412390017", "csrf_token": csrf})
    assert fine.status_code == 200


def test_login_form_needs_its_csrf_cookie(phc_app: FastAPI) -> None:
    browser = TestClient(phc_app)
    response = browser.post("/workstation/login", data={"iin": TRZ01_REGISTRAR, "password": DEV_PASSWORD})
    assert response.status_code == 403
    page = browser.get("/workstation/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    done = browser.post(
        "/workstation/login",
        data={"iin": TRZ01_REGISTRAR, "password": DEV_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "phc_session" in done.cookies


# --- language --------------------------------------------------------------------------------------


def test_pages_in_russian_and_kazakh_and_the_choice_is_remembered(phc_app: FastAPI) -> None:
    browser = TestClient(phc_app)
    assert "Вход в АРМ" in browser.get("/workstation/login").text
    kazakh = browser.get("/workstation/login?lang=kk")
    assert "АЖО-ға кіру" in kazakh.text and kazakh.cookies.get("lang") == "kk"
    assert "АЖО-ға кіру" in browser.get("/workstation/login").text, "remembered in the cookie"
    assert "Вход в АРМ" in browser.get("/workstation/login?lang=ru").text


# --- steps 2-8 through the JSON API ----------------------------------------------------------------


async def test_attachment_through_the_api(
    phc_app: FastAPI,
    employee_keys: dict[str, KeyPair],
    phc_validator: CertificateValidator,
    spans: InMemorySpanExporter,
) -> None:
    client = TestClient(phc_app)
    csrf = login(client)
    found = api(client, csrf, "/h1/lookup", {"iin": "541130390295"})  # the pensioner of Шу
    # ZHM-TRZ-01 does not serve Шу: the workstation says so, the application will be refused
    assert found.status_code == 200 and found.json()["serves_address"] is False

    looked = api(client, csrf, "/h1/lookup", {"iin": "880412390017"}).json()
    assert looked["status"] == "found" and looked["person"]["full_name"] == "Ахметов Ерлан Серікович"
    assert looked["attachment"]["organisation"] == "ZHM-TRZ-05", "the existing attachment is shown"
    assert looked["serves_address"] and looked["suggested_section"] == "1"
    assert [s["number"] for s in looked["sections"]] == ["1", "2", "3"]

    unsigned = draft(client, "880412390017")
    application = h1.parse_application(parse_xml(unsigned))
    assert application.channel == "provider" and application.organisation_code == "ZHM-TRZ-01"
    assert application.section_number == "1" and not application.signed

    registered = api(
        client, csrf, "/h1/register", {"signed_xml": sign(unsigned, employee_keys[TRZ01_REGISTRAR])}
    )
    assert registered.status_code == 200, registered.text
    body = registered.json()
    assert body["status"] == "ATTACHED" and re.fullmatch(r"RPN-\d{4}-\d{6}", body["registration_number"])
    talon = parse_xml(body["talon"].encode())
    assert (await h1.verify_issued(talon, phc_validator)).iin == "720314450019"
    assert body["document"]["talon_number"] == h1.parse_talon(talon).talon_number

    again = api(client, csrf, "/h1/register", {"signed_xml": sign(unsigned, employee_keys[TRZ01_REGISTRAR])})
    assert again.json()["registration_number"] == body["registration_number"], "idempotent by applicationId"

    steps = [
        s.attributes["egov.step.id"] for s in spans.get_finished_spans() if s.attributes.get("egov.step.id")
    ]
    assert steps == ["step 1", "step 2", "step 3", "step 3", "step 5", "step 6", "step 8", "step 5", "step 6"]
    regulation = load_regulation("H1")
    names = {s.name for s in spans.get_finished_spans()}
    assert regulation.step("provider", "step 8").span_name in names

    printed = client.get(f"/workstation/h1/applications/{body['registration_number']}/print?lang=kk")
    assert printed.status_code == 200 and "Бекіту туралы талон" in printed.text
    assert h1.parse_talon(talon).talon_number in printed.text
    xml = client.get(f"/workstation/h1/applications/{body['registration_number']}/document.xml")
    assert xml.status_code == 200 and h1.parse_talon(parse_xml(xml.content)).signed


def test_absent_person_gets_a_printable_refusal_at_step_4(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    csrf = login(client)
    refused = api(client, csrf, "/h1/lookup", {"iin": "900101390508"}).json()
    assert refused["status"] == "absent" and refused["refusal"]["ground"] == "NOT_IN_GBDFL"
    refusal = h1.parse_refusal(parse_xml(refused["refusal"]["signed_xml"].encode()))
    assert refusal.signed and refusal.registration_number is None
    assert refusal.organisation.code == "ZHM-TRZ-01"
    steps = [
        s.attributes["egov.step.id"] for s in spans.get_finished_spans() if s.attributes.get("egov.step.id")
    ]
    assert steps[-2:] == ["step 3", "step 4"]

    page = client.post(
        "/workstation/h1/lookup", data={"iin": "900101390508", "csrf_token": csrf}, params={"lang": "kk"}
    )
    assert page.status_code == 200
    assert "Дәлелді бас тарту" in page.text and "window.print()" in page.text
    assert load_regulation("H1").refusal_ground("NOT_IN_GBDFL").kk in page.text
    assert (
        client.get("/api/workstation/h1/draft", params={"iin": "900101390508", "reason": "x"}).status_code
        == 409
    )


async def test_deceased_person_is_refused_at_step_7(
    client: TestClient, employee_keys: dict[str, KeyPair]
) -> None:
    csrf = login(client)
    looked = api(client, csrf, "/h1/lookup", {"iin": "500720390430"}).json()
    assert looked["status"] == "deceased" and looked["person"]["deceased"]
    unsigned = draft(client, "500720390430", section="3")
    body = api(
        client, csrf, "/h1/register", {"signed_xml": sign(unsigned, employee_keys[TRZ01_REGISTRAR])}
    ).json()
    assert body["status"] == "REFUSED" and body["ground"] == "DECEASED" and body["talon"] is None
    refusal = h1.parse_refusal(parse_xml(body["refusal"].encode()))
    assert refusal.registration_number == body["registration_number"]


def test_draft_needs_the_lookup_first(client: TestClient) -> None:
    login(client)
    response = client.get("/api/workstation/h1/draft", params={"iin": "920205490157", "reason": "x"})
    assert response.status_code == 409 and response.json()["error"] == "LOOKUP_REQUIRED"


# --- the signed application is checked -------------------------------------------------------------


def test_tampered_signed_application_is_rejected(
    phc_app: FastAPI, client: TestClient, employee_keys: dict[str, KeyPair]
) -> None:
    csrf = login(client)
    api(client, csrf, "/h1/lookup", {"iin": "880412390017"})
    signed = sign(draft(client, "880412390017"), employee_keys[TRZ01_REGISTRAR])
    tampered = signed.replace("Смена места жительства", "Смена места работы")
    response = api(client, csrf, "/h1/register", {"signed_xml": tampered})
    assert response.status_code == 400 and response.json()["error"] == "SIGNATURE_INVALID"
    unsigned = api(client, csrf, "/h1/register", {"signed_xml": draft(client, "880412390017").decode()})
    assert unsigned.status_code == 400 and unsigned.json()["error"] == "SIGNATURE_MISSING"
    with runtime_of(phc_app).uow_factory() as uow:
        assert all(row.reason != "Смена места работы" for row in uow.applications.recent("ZHM-TRZ-01", 100))


def test_the_signer_must_be_an_employee_of_this_organisation(
    client: TestClient, employee_keys: dict[str, KeyPair], person_keys: dict[str, KeyPair]
) -> None:
    csrf = login(client)
    api(client, csrf, "/h1/lookup", {"iin": "880412390017"})
    unsigned = draft(client, "880412390017")
    for key in (employee_keys[TRZ05_REGISTRAR], person_keys["880412390017"]):
        response = api(client, csrf, "/h1/register", {"signed_xml": sign(unsigned, key)})
        assert response.status_code == 403 and response.json()["error"] == "SIGNER_NOT_AUTHORISED"


def test_the_draft_names_the_logged_in_employee_as_its_signer(client: TestClient) -> None:
    csrf = login(client)
    api(client, csrf, "/h1/lookup", {"iin": "880412390017"})
    application = h1.parse_application(parse_xml(draft(client, "880412390017")))
    assert application.signer_iin == TRZ01_REGISTRAR
    assert application.recipient.iin == "880412390017"


def test_a_workstation_application_signed_by_the_citizen_is_refused(
    phc_app: FastAPI, client: TestClient, person_keys: dict[str, KeyPair]
) -> None:
    csrf = login(client)
    api(client, csrf, "/h1/lookup", {"iin": "880412390017"})
    unsigned = draft(client, "880412390017")
    application_id = h1.parse_application(parse_xml(unsigned)).application_id
    response = api(client, csrf, "/h1/register", {"signed_xml": sign(unsigned, person_keys["880412390017"])})
    assert response.status_code == 403 and response.json()["error"] == "SIGNER_NOT_AUTHORISED"
    with runtime_of(phc_app).uow_factory() as uow:
        assert all(row.application_id != application_id for row in uow.applications.recent("ZHM-TRZ-01", 100))


async def test_the_signers_iin_must_be_the_one_the_application_names(
    phc_app: FastAPI, client: TestClient, phc_nuc: Nuc
) -> None:
    """Another employee of the same organisation signs a draft naming the registrar: IIN_MISMATCH."""
    doctor = await _employee_key(phc_nuc, TRZ01_DOCTOR)
    csrf = login(client)
    api(client, csrf, "/h1/lookup", {"iin": "880412390017"})
    unsigned = draft(client, "880412390017")
    application_id = h1.parse_application(parse_xml(unsigned)).application_id
    response = api(client, csrf, "/h1/register", {"signed_xml": sign(unsigned, doctor)})
    assert response.status_code == 400 and response.json()["error"] == "IIN_MISMATCH", response.text
    assert TRZ01_DOCTOR in response.json()["message"] and TRZ01_REGISTRAR in response.json()["message"]
    with runtime_of(phc_app).uow_factory() as uow:
        assert all(row.application_id != application_id for row in uow.applications.recent("ZHM-TRZ-01", 100))


def test_an_application_of_another_organisation_is_rejected(
    phc_app: FastAPI, employee_keys: dict[str, KeyPair]
) -> None:
    other = TestClient(phc_app)
    csrf_other = login(other, TRZ05_REGISTRAR)
    api(other, csrf_other, "/h1/lookup", {"iin": "880412390017"})
    theirs = sign(draft(other, "880412390017", section="1"), employee_keys[TRZ05_REGISTRAR])
    mine = TestClient(phc_app)
    csrf = login(mine)
    api(mine, csrf, "/h1/lookup", {"iin": "880412390017"})
    response = api(mine, csrf, "/h1/register", {"signed_xml": theirs})
    assert response.status_code == 409 and response.json()["error"] == "APPLICATION_MISMATCH"


# --- scans -----------------------------------------------------------------------------------------


def upload(client: TestClient, csrf: str, *files: tuple[str, bytes, str]) -> Any:
    return client.post(
        "/api/workstation/h1/scans",
        files=[("files", (name, content, media)) for name, content, media in files],
        headers={"X-CSRF-Token": csrf},
    )


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ([("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf")], 413, "SCAN_TOO_LARGE"),
        ([("virus.exe", b"MZ\x90\x00" * 10, "application/octet-stream")], 415, "SCAN_TYPE_NOT_ALLOWED"),
        ([("fake.pdf", b"just text", "application/pdf")], 415, "SCAN_TYPE_NOT_ALLOWED"),
        ([("photo.png", PDF, "image/png")], 415, "SCAN_TYPE_NOT_ALLOWED"),
        (
            [("ok.pdf", PDF, "application/pdf"), ("bad.txt", b"hello", "text/plain")],
            415,
            "SCAN_TYPE_NOT_ALLOWED",
        ),
    ],
)
def test_oversized_or_wrong_type_scans_are_rejected_and_nothing_is_stored(
    phc_app: FastAPI, client: TestClient, files: list[tuple[str, bytes, str]], status: int, code: str
) -> None:
    csrf = login(client)
    before = scans_stored(phc_app)
    response = upload(client, csrf, *files)
    assert response.status_code == status and response.json()["error"] == code
    message = response.json()["message"]
    assert "PDF" in message or "МБ" in message
    assert " / " in message, "Russian and Kazakh"
    assert scans_stored(phc_app) == before


async def test_scans_are_stored_by_sha256_and_referenced_in_the_application(
    phc_app: FastAPI, client: TestClient, employee_keys: dict[str, KeyPair]
) -> None:
    csrf = login(client)
    response = upload(
        client, csrf, ("удостоверение.pdf", PDF, "application/pdf"), ("фото.png", PNG, "image/png")
    )
    assert response.status_code == 200, response.text
    refs = response.json()
    assert [r["media_type"] for r in refs] == ["application/pdf", "image/png"]
    store = runtime_of(phc_app).scans
    assert store.path(refs[0]["sha256"]).read_bytes() == PDF
    api(client, csrf, "/h1/lookup", {"iin": "920205490157"})
    unsigned = draft(client, "920205490157", scan=[r["sha256"] for r in refs], section="3")
    parsed = h1.parse_application(parse_xml(unsigned))
    assert [a.file_name for a in parsed.attachments] == ["удостоверение.pdf", "фото.png"]
    body = api(
        client, csrf, "/h1/register", {"signed_xml": sign(unsigned, employee_keys[TRZ01_REGISTRAR])}
    ).json()
    assert body["ground"] == "OUT_OF_SERVICE_AREA", "Уральск is not served by a Тараз polyclinic"
    unknown = client.get(
        "/api/workstation/h1/draft", params={"iin": "920205490157", "reason": "x", "scan": "0" * 64}
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "SCAN_UNKNOWN"


# --- the pages -------------------------------------------------------------------------------------


def test_the_workstation_pages_end_to_end(phc_app: FastAPI, employee_keys: dict[str, KeyPair]) -> None:
    browser = TestClient(phc_app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/workstation/login").text)
    assert token is not None
    browser.post(
        "/workstation/login",
        data={"iin": TRZ01_REGISTRAR, "password": DEV_PASSWORD, "csrf_token": token.group(1)},
    )
    services = browser.get("/workstation/")
    assert services.status_code == 200 and load_regulation("H1").names.ru in services.text
    start = browser.get("/workstation/h1")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', start.text)
    assert csrf is not None
    person = browser.post("/workstation/h1/lookup", data={"iin": MINOR, "csrf_token": csrf.group(1)})
    assert person.status_code == 200 and "Ахметов Әлихан Ерланұлы" in person.text
    assert "Прикрепления в РПН нет." in person.text

    too_big = browser.post(
        "/workstation/h1/draft",
        data={"iin": MINOR, "section": "1", "reason": "Переезд", "csrf_token": csrf.group(1)},
        files=[("scans", ("big.png", PNG + b"0" * (5 * 1024 * 1024), "image/png"))],
    )
    assert too_big.status_code == 413 and "5 МБ" in too_big.text

    sign_page = browser.post(
        "/workstation/h1/draft",
        data={"iin": MINOR, "section": "1", "reason": "Переезд", "csrf_token": csrf.group(1)},
        files=[("scans", ("скан.pdf", PDF, "application/pdf"))],
    )
    assert sign_page.status_code == 200
    assert '<script src="/static/ncalayer.js"></script>' in sign_page.text
    assert 'NCALayer.signForm(this, "xml", "signed_xml")' in sign_page.text
    xml = re.search(r'<input type="hidden" name="xml" value="([^"]+)">', sign_page.text)
    assert xml is not None
    unsigned = html.unescape(xml.group(1))
    assert h1.parse_application(parse_xml(unsigned.encode())).attachments[0].file_name == "скан.pdf"
    done = browser.post(
        "/workstation/h1/register",
        data={"signed_xml": sign(unsigned, employee_keys[TRZ01_REGISTRAR]), "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    result = browser.get(done.headers["location"])
    assert result.status_code == 200 and "Талон о прикреплении" in result.text
    assert "Нурланов Арман Бауыржанович" in result.text and "подпись верна" in result.text
    printed = browser.get(done.headers["location"] + "/print?lang=kk")
    assert (
        printed.status_code == 200
        and "window.print()" in printed.text
        and "Бекіту туралы талон" in printed.text
    )
    assert browser.get("/static/ncalayer.js").status_code == 200


def test_healthz_and_openapi(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200, health.text
    assert health.json()["checks"] == {"database": True, "seed data": True, "signers": True}
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/workstation/login",
        "/api/workstation/h1/lookup",
        "/api/workstation/h1/draft",
        "/api/workstation/h1/register",
        "/api/workstation/h1/scans",
    ):
        assert path in paths
