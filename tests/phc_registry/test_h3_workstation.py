"""H3 at the workstation (provider channel, steps 1–8 of services/h3_sanatorium_card.yaml) through
FastAPI's TestClient: the JSON API, the pages and the printable card 069/у.

The app runs without the bus; ГБД ФЛ is the in-memory ШЭП client of the conftest, certificates are
checked against nuc-mock in-process.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h3
from egov_kit.pki import KeyPair
from egov_kit.regulations import load_regulation
from egov_kit.xml import parse_xml
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from phc_registry.domain.seed import DEV_PASSWORD

from tests.phc_registry.conftest import _employee_key
from tests.pki.support import Nuc

SHU_DOCTOR = "790812450139"  # Ахметжанова Салтанат, ZHM-SHU-01, section 1
SHU_OTHER_DOCTOR = "840327350148"  # Кузнецов Дмитрий, ZHM-SHU-01, section 2
PETROV = "541130390295"  # attached to ZHM-SHU-01 (seed)
KIM = "850808490576"  # expired identity document
ABSENT = "900101390508"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
async def doctor_key(phc_nuc: Nuc) -> KeyPair:
    return await _employee_key(phc_nuc, SHU_DOCTOR)


@pytest.fixture(scope="module")
async def other_doctor_key(phc_nuc: Nuc) -> KeyPair:
    return await _employee_key(phc_nuc, SHU_OTHER_DOCTOR)


def login(client: TestClient, iin: str = SHU_DOCTOR) -> str:
    response = client.post("/api/workstation/h3/login", json={"iin": iin, "password": DEV_PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["organisation"]["code"] == "ZHM-SHU-01"
    return str(body["csrf_token"])


def post(client: TestClient, csrf: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/workstation/h3{path}", json=body or {}, headers={"X-CSRF-Token": csrf})


def sign(xml: str, key: KeyPair) -> str:
    return h3.to_text(h3.sign_with(parse_xml(xml.encode()), key))


def examined(days_ago: int = 3) -> str:
    return (now().astimezone(KZ_TZ).date() - timedelta(days=days_ago)).isoformat()


def upload(client: TestClient, csrf: str, *files: tuple[str, bytes, str]) -> Any:
    return client.post(
        "/api/workstation/h3/files",
        files=[("files", item) for item in files],
        headers={"X-CSRF-Token": csrf},
    )


def registered(
    client: TestClient,
    csrf: str,
    key: KeyPair,
    iin: str = PETROV,
    *,
    consent: bool = True,
    files: bool = True,
) -> dict[str, Any]:
    """Steps 3, 5 and 6: look-up, files, the draft signed by the employee, registration."""
    found = post(client, csrf, "/lookup", {"iin": iin})
    assert found.status_code == 200, found.text
    digests: list[str] = []
    if files:
        stored = upload(
            client, csrf, ("analyses.pdf", PDF, "application/pdf"), ("xray.png", PNG, "image/png")
        )
        assert stored.status_code == 200, stored.text
        digests = [item["sha256"] for item in stored.json()]
    draft = post(
        client,
        csrf,
        "/draft",
        {
            "iin": iin,
            "diagnosis_code": "m17.1",
            "diagnosis_text": "Первичный  гонартроз",
            "examined_on": examined(),
            "consent": consent,
            "files": digests,
        },
    )
    assert draft.status_code == 200, draft.text
    application = h3.parse_application(parse_xml(draft.json()["xml"].encode()))
    assert application.channel == "provider" and application.signer_iin == SHU_DOCTOR
    assert application.diagnosis_code == "M17.1" and application.diagnosis_text == "Первичный гонартроз"
    assert len(application.files) == (2 if files else 0)
    response = post(client, csrf, "/register", {"signed_xml": sign(draft.json()["xml"], key)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def step_names(spans: InMemorySpanExporter) -> list[str]:
    return [
        s.name
        for s in sorted(spans.get_finished_spans(), key=lambda s: s.start_time or 0)
        if s.attributes and s.attributes.get("egov.service") == "H3" and s.attributes.get("egov.step.id")
    ]


def expected(*steps: str) -> list[str]:
    regulation = load_regulation("H3")
    return [regulation.step("provider", step).span_name for step in steps]


def test_the_card_069_is_issued_and_signed_by_the_employee(
    client: TestClient, doctor_key: KeyPair, spans: InMemorySpanExporter
) -> None:
    csrf = login(client)
    assert post(client, csrf, "/service").json()["code"] == "H3"
    body = registered(client, csrf, doctor_key)
    number = body["registration_number"]
    assert body["status"] == "REGISTERED" and body["channel"] == "provider" and body["found_ground"] is None
    assert body["can_issue_card"] and not body["overdue"]
    assert body["registered_for"] <= body["due_at"] and len(body["files"]) == 2

    form = post(client, csrf, f"/applications/{number}/card", {"season_ru": "лето", "season_kk": "жаз"})
    assert form.status_code == 200, form.text
    card = h3.parse_card(parse_xml(form.json()["xml"].encode()))
    assert card.signer_iin == SHU_DOCTOR and card.doctor.full_name == "Ахметжанова Салтанат Болатовна"
    assert card.treatment.season.kk == "жаз" and "костно-мышечной" in card.treatment.profile.ru
    again = post(client, csrf, f"/applications/{number}/card", {})
    assert again.json()["card_number"] == form.json()["card_number"], "a second form keeps the card's number"

    decided = post(
        client,
        csrf,
        f"/applications/{number}/decision",
        {"signed_xml": sign(again.json()["xml"], doctor_key)},
    )
    assert decided.status_code == 200, decided.text
    result = decided.json()
    assert result["status"] == "ISSUED" and result["card_number"] == card.card_number
    fields = result["document"]
    assert fields["signature_valid"] and fields["signer"]["iin"] == SHU_DOCTOR
    assert fields["recipient_full_name"] == "Петров Виктор Иванович" and fields["recipient_sex_ru"]
    assert step_names(spans) == expected("step 1", "step 2", "step 3", "step 5", "step 6", "step 8")

    register = client.get("/api/workstation/h3/applications").json()
    mine = next(item for item in register if item["registration_number"] == number)
    assert mine["status"] == "ISSUED" and mine["overdue"] is False and mine["due_at"]
    assert (
        client.get(f"/api/workstation/h3/cards/{card.card_number}").json()["card_number"] == card.card_number
    )
    repeat = post(client, csrf, f"/applications/{number}/refusal", {"ground": "NO_CONSENT"})
    assert repeat.status_code == 409 and repeat.json()["error"] == "ALREADY_DECIDED"

    for lang, form_code, title in (
        ("ru", "069/у", "Санаторно-курортная карта"),
        ("kk", "069/е", "Санаторийлік-курорттық карта"),
    ):
        page = client.get(f"/workstation/h3/cards/{card.card_number}/print?lang={lang}")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert form_code in text and title in text and card.card_number in text and "ҚР ДСМ-175/2020" in text
        assert "Петров Виктор Иванович" in text and PETROV in text and "M17.1" in text
        assert "window.print()" in text
    assert "Карта жарамды" in html.unescape(
        client.get(f"/workstation/h3/cards/{card.card_number}/print?lang=kk").text
    )


def test_a_ground_found_at_step_6_allows_only_the_refusal(
    client: TestClient, doctor_key: KeyPair, spans: InMemorySpanExporter
) -> None:
    csrf = login(client)
    body = registered(client, csrf, doctor_key, consent=False)
    number = body["registration_number"]
    assert body["found_ground"]["code"] == "NO_CONSENT" and not body["can_issue_card"]
    assert body["found_ground"]["ru"].startswith("Отсутствие согласия")
    card = post(client, csrf, f"/applications/{number}/card", {})
    assert card.status_code == 409 and card.json()["error"] == "CARD_NOT_ALLOWED"
    assert "/" in card.json()["message"], "the message is in Russian and Kazakh"

    early = post(client, csrf, f"/applications/{number}/decision", {"signed_xml": "<x/>"})
    assert early.status_code == 409 and early.json()["error"] == "DRAFT_REQUIRED"
    form = post(client, csrf, f"/applications/{number}/refusal", {})
    refusal = h3.parse_refusal(parse_xml(form.json()["xml"].encode()))
    assert refusal.ground.code == "NO_CONSENT" and "согласия" in refusal.details.ru
    decided = post(
        client, csrf, f"/applications/{number}/decision", {"signed_xml": sign(form.json()["xml"], doctor_key)}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "REFUSED" and decided.json()["ground"] == "NO_CONSENT"
    assert decided.json()["document"]["ground_code"] == "NO_CONSENT"
    assert expected("step 7")[0] in step_names(spans)
    page = client.get(f"/workstation/h3/applications/{number}/print?lang=kk")
    assert page.status_code == 200 and "Дәлелді бас тарту" in page.text


def test_the_employee_may_refuse_with_a_ground_of_item_9(client: TestClient, doctor_key: KeyPair) -> None:
    csrf = login(client)
    number = registered(client, csrf, doctor_key)["registration_number"]
    unknown = post(client, csrf, f"/applications/{number}/refusal", {"ground": "DECEASED"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "UNKNOWN_GROUND"
    form = post(
        client,
        csrf,
        f"/applications/{number}/refusal",
        {"ground": "REQUIREMENTS_NOT_MET", "details_ru": "Нет заключения специалиста"},
    )
    refusal = h3.parse_refusal(parse_xml(form.json()["xml"].encode()))
    assert (
        refusal.ground.code == "REQUIREMENTS_NOT_MET" and refusal.details.ru == "Нет заключения специалиста"
    )
    decided = post(
        client, csrf, f"/applications/{number}/decision", {"signed_xml": sign(form.json()["xml"], doctor_key)}
    )
    assert decided.json()["status"] == "REFUSED" and decided.json()["ground"] == "REQUIREMENTS_NOT_MET"


def test_the_decision_must_be_the_form_signed_by_the_logged_in_employee(
    client: TestClient, doctor_key: KeyPair, other_doctor_key: KeyPair, person_keys: dict[str, KeyPair]
) -> None:
    csrf = login(client)
    number = registered(client, csrf, doctor_key)["registration_number"]
    xml = post(client, csrf, f"/applications/{number}/card", {}).json()["xml"]

    citizen = post(
        client, csrf, f"/applications/{number}/decision", {"signed_xml": sign(xml, person_keys[PETROV])}
    )
    assert citizen.status_code == 403 and citizen.json()["error"] == "SIGNER_NOT_AUTHORISED"
    colleague = post(
        client, csrf, f"/applications/{number}/decision", {"signed_xml": sign(xml, other_doctor_key)}
    )
    assert colleague.status_code == 400 and colleague.json()["error"] == "IIN_MISMATCH"
    element = parse_xml(xml.encode())
    node = element.find(h3.tag("validUntil"))
    assert node is not None
    node.text = "2099-01-01"
    changed = post(
        client,
        csrf,
        f"/applications/{number}/decision",
        {"signed_xml": sign(h3.to_text(element), doctor_key)},
    )
    assert changed.status_code == 409 and changed.json()["error"] == "APPLICATION_MISMATCH"
    assert client.get(f"/api/workstation/h3/applications/{number}").json()["status"] == "REGISTERED"


def test_unreliable_data_is_found_at_step_6_and_absence_refused_at_step_4(
    client: TestClient, doctor_key: KeyPair, spans: InMemorySpanExporter
) -> None:
    csrf = login(client)
    expired = registered(client, csrf, doctor_key, KIM)
    assert (
        expired["found_ground"]["code"] == "UNRELIABLE_DATA"
        and "документа" in expired["found_ground"]["details_ru"]
    )

    absent = post(client, csrf, "/lookup", {"iin": ABSENT})
    assert absent.status_code == 200 and absent.json()["status"] == "absent"
    refusal = absent.json()["refusal"]
    assert refusal["ground"] == "UNRELIABLE_DATA" and ABSENT in refusal["details_ru"]
    assert expected("step 4")[0] in step_names(spans)
    draft = post(
        client,
        csrf,
        "/draft",
        {
            "iin": ABSENT,
            "diagnosis_code": "J45.0",
            "diagnosis_text": "Астма",
            "examined_on": examined(),
            "consent": True,
        },
    )
    assert draft.status_code == 409 and draft.json()["error"] == "LOOKUP_REQUIRED"


def test_files_are_checked_with_h3_limits_and_nothing_is_kept_when_one_fails(client: TestClient) -> None:
    csrf = login(client)
    four = upload(client, csrf, *[(f"r{i}.pdf", PDF + bytes([i]), "application/pdf") for i in range(4)])
    assert four.status_code == 422 and four.json()["error"] == "ATTACHMENT_TOO_MANY"
    assert "не более 3" in four.json()["message"] and "3-ден" in four.json()["message"]
    big = upload(client, csrf, ("big.pdf", PDF + b"x" * h3.MAX_FILE_BYTES, "application/pdf"))
    assert big.status_code == 413 and big.json()["error"] == "ATTACHMENT_TOO_LARGE"
    fake = upload(client, csrf, ("scan.pdf", PNG, "application/pdf"))
    assert fake.status_code == 415 and fake.json()["error"] == "ATTACHMENT_TYPE_NOT_ALLOWED"
    unknown = post(
        client,
        csrf,
        "/draft",
        {
            "iin": PETROV,
            "diagnosis_code": "M17.1",
            "diagnosis_text": "x",
            "examined_on": examined(),
            "consent": True,
            "files": ["0" * 64],
        },
    )
    assert unknown.status_code in (400, 409)


def test_the_pages_lead_through_the_steps(client: TestClient, doctor_key: KeyPair) -> None:
    login(client)
    services = client.get("/workstation/?lang=ru")
    assert services.status_code == 200 and 'href="/workstation/h3"' in services.text
    start = client.get("/workstation/h3?lang=kk")
    assert start.status_code == 200 and "Санаторийлік-курорттық емдеу қажеттілігі" in html.unescape(
        start.text
    )
    csrf = client.get("/api/workstation/me").json()["csrf_token"]
    person = client.post("/workstation/h3/lookup", data={"iin": PETROV, "csrf_token": csrf})
    assert (
        person.status_code == 200
        and "Петров Виктор Иванович" in person.text
        and 'name="consent"' in person.text
    )
    draft = client.post(
        "/workstation/h3/draft",
        data={
            "iin": PETROV,
            "diagnosis_code": "I11.9",
            "diagnosis_text": "Гипертензивная болезнь",
            "examined_on": examined(1),
            "consent": "on",
            "csrf_token": csrf,
        },
        files=[("files", ("ecg.pdf", PDF, "application/pdf"))],
    )
    assert draft.status_code == 200 and "/static/ncalayer.js" in draft.text
    xml = html.unescape(draft.text.split('<pre class="xml">')[1].split("</pre>")[0])
    response = client.post(
        "/workstation/h3/register",
        data={"signed_xml": sign(xml, doctor_key), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    page = client.get(location + "?lang=ru")
    assert page.status_code == 200 and "Сформировать санаторно-курортную карту" in page.text
    assert "кардиологического" in page.text, "the card form suggests by the diagnosis's chapter"
    register = client.get("/workstation/h3/applications?lang=ru")
    assert register.status_code == 200 and location.rsplit("/", 1)[1] in register.text
