"""H3 through the portal, process 3 (seed 004): the form, the files, the consent, the simulated time."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h3
from egov_kit.regulations import load_regulation
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.portal import h3_support as h
from tests.portal.support import ADULT, ADULT_VKO

Login = Callable[..., str]


@pytest.fixture
def shep() -> h.H3Shep:
    return h.H3Shep(attached={ADULT: "ZHM-TRZ-01", ADULT_VKO: None})


def applications(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/applications").json()["applications"]
    return found


# --- the form ------------------------------------------------------------------------------------
def test_the_form_shows_the_attached_organisation_the_limits_and_the_consent(
    client: TestClient, api_login: Login
) -> None:
    api_login()
    form = client.get("/api/services/H3/form")
    assert form.status_code == 200, form.text
    body = form.json()
    assert body["organisation"]["code"] == "ZHM-TRZ-01"
    assert body["limits"] == {
        "maxFiles": 3,
        "maxFileBytes": 1024 * 1024,
        "maxTotalBytes": 2 * 1024 * 1024,
        "mediaTypes": ["application/pdf", "image/jpeg", "image/png"],
    }
    consent = next(
        doc for doc in load_regulation("H3").required_documents if doc.code == "PERSONAL_DATA_CONSENT"
    )
    assert body["consent"] == {"ru": consent.ru, "kk": consent.kk}
    assert body["confirmations"] == ["eds", "otp"] and body["phoneMasked"] == "+7 701 *** ** 78"


def test_a_recipient_attached_nowhere_gets_no_organisation_and_no_draft(
    client: TestClient, api_login: Login, portal_app: FastAPI
) -> None:
    token = api_login(ADULT_VKO)
    assert client.get("/api/services/H3/form").json()["organisation"] is None
    response = h.draft(client, token)
    assert response.status_code == 422 and response.json()["error"] == "NOT_ATTACHED"
    assert "H1" in response.json()["message_ru"] and "H1" in response.json()["message_kk"]
    assert applications(client) == [] and h.stored_files(portal_app) == []


# --- the draft -----------------------------------------------------------------------------------
def test_the_draft_is_the_unsigned_application_with_the_files_inside(
    client: TestClient, api_login: Login, portal_app: FastAPI
) -> None:
    token = api_login()
    response = h.draft(
        client, token, files=[("анализ.pdf", h.PDF, "application/pdf"), ("снимок.png", h.PNG, "image/png")]
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft" and body["confirmation"] == "eds" and body["consent"] is True
    assert body["warnings"] == []
    parsed = h3.parse_application(etree.fromstring(body["xml"].encode()))
    assert parsed.application_id == body["applicationId"] and not parsed.signed
    assert parsed.recipient.iin == ADULT and parsed.recipient.phone == "+77012345678"
    assert parsed.organisation_code == "ZHM-TRZ-01"
    assert (parsed.diagnosis_code, parsed.diagnosis_text) == ("M17.1", "Первичный двусторонний гонартроз")
    assert parsed.examined_on == now().date() - timedelta(days=3)
    assert [(f.file_name, f.media_type, f.content) for f in parsed.files] == [
        ("анализ.pdf", "application/pdf", h.PDF),
        ("снимок.png", "image/png", h.PNG),
    ]
    assert parsed.consent is True and parsed.confirmation == "eds" and parsed.otp is None
    assert abs(parsed.submitted_at - now()) < timedelta(minutes=1)
    details = client.get(f"/api/applications/{body['applicationId']}").json()["details"]
    assert details["diagnosisCode"] == "M17.1" and details["consent"] is True
    assert [f["fileName"] for f in details["files"]] == ["анализ.pdf", "снимок.png"]
    assert details["files"][0]["size"] == len(h.PDF) and details["simulatedTime"] is False
    assert sorted(p.name for p in h.stored_files(portal_app)) == sorted(f.sha256 for f in parsed.files)


def test_a_json_body_with_base64_files_is_accepted_too(client: TestClient, api_login: Login) -> None:
    token = api_login()
    response = client.post(
        "/api/applications/H3/draft",
        json={
            "diagnosisCode": "j45.0",
            "diagnosisText": "Бронхиальная астма",
            "examinedOn": (now().date() - timedelta(days=1)).isoformat(),
            "consent": True,
            "confirmation": "otp",
            "files": [
                {
                    "fileName": "spiro.pdf",
                    "mediaType": "application/pdf",
                    "contentBase64": base64.b64encode(h.PDF).decode(),
                }
            ],
        },
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 201, response.text
    parsed = h3.parse_application(etree.fromstring(response.json()["xml"].encode()))
    assert parsed.diagnosis_code == "J45.0" and parsed.confirmation == "otp"
    assert parsed.files[0].content == h.PDF
    assert response.json()["next"].endswith(f"{parsed.application_id}/otp")


def test_without_consent_the_portal_warns_and_lets_it_go(client: TestClient, api_login: Login) -> None:
    token = api_login()
    response = h.draft(client, token, consent="")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["consent"] is False
    [warning] = body["warnings"]
    assert warning["code"] == "NO_CONSENT" and "9" in warning["message_ru"] and warning["message_kk"]
    assert h3.parse_application(etree.fromstring(body["xml"].encode())).consent is False


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"diagnosisCode": ""}, "DIAGNOSIS_CODE_REQUIRED", "diagnosisCode"),
        ({"diagnosisCode": "гонартроз"}, "DIAGNOSIS_CODE_INVALID", "diagnosisCode"),
        ({"diagnosisCode": "M1.71"}, "DIAGNOSIS_CODE_INVALID", "diagnosisCode"),
        ({"diagnosisText": "   "}, "DIAGNOSIS_TEXT_REQUIRED", "diagnosisText"),
        ({"diagnosisText": "я" * 1001}, "DIAGNOSIS_TEXT_TOO_LONG", "diagnosisText"),
        ({"examinedOn": ""}, "EXAMINED_ON_REQUIRED", "examinedOn"),
        ({"examinedOn": "31.02.2025"}, "EXAMINED_ON_INVALID", "examinedOn"),
        ({"examinedOn": "завтра"}, "EXAMINED_ON_INVALID", "examinedOn"),
        ({"confirmation": "sms"}, "CONFIRMATION_INVALID", "confirmation"),
    ],
)
def test_a_form_rule_names_its_field_and_nothing_is_stored(
    client: TestClient, api_login: Login, portal_app: FastAPI, fields: dict[str, str], code: str, field: str
) -> None:
    token = api_login()
    response = h.draft(client, token, **fields)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == code and body["field"] == field and body["message_ru"] and body["message_kk"]
    assert applications(client) == [] and h.stored_files(portal_app) == []


def test_results_dated_in_the_future_are_refused(client: TestClient, api_login: Login) -> None:
    token = api_login()
    tomorrow = (now().date() + timedelta(days=1)).isoformat()
    response = h.draft(client, token, examinedOn=tomorrow)
    assert response.status_code == 422 and response.json()["error"] == "EXAMINED_ON_IN_FUTURE"
    dotted = (now().date() - timedelta(days=2)).strftime("%d.%m.%Y")
    assert h.draft(client, token, examinedOn=dotted).status_code == 201, "dd.mm.yyyy is read too"


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ([], 422, "FILES_REQUIRED"),
        ([("virus.exe", b"MZ\x90\x00" * 10, "application/octet-stream")], 415, "ATTACHMENT_TYPE_NOT_ALLOWED"),
        ([("fake.pdf", b"just text", "application/pdf")], 415, "ATTACHMENT_TYPE_NOT_ALLOWED"),
        ([("photo.png", h.PDF, "image/png")], 415, "ATTACHMENT_TYPE_NOT_ALLOWED"),
        ([("big.pdf", h.PDF + b"0" * h.MiB, "application/pdf")], 413, "ATTACHMENT_TOO_LARGE"),
        ([(f"{i}.png", h.PNG, "image/png") for i in range(4)], 422, "ATTACHMENT_TOO_MANY"),
        (
            [(f"{i}.pdf", h.PDF + b"%" * (h.MiB - len(h.PDF) - i), "application/pdf") for i in range(3)],
            413,
            "ATTACHMENTS_TOO_LARGE",
        ),
    ],
)
def test_files_of_another_type_too_large_or_too_many_are_refused_and_nothing_is_stored(
    client: TestClient,
    api_login: Login,
    portal_app: FastAPI,
    files: list[tuple[str, bytes, str]],
    status: int,
    code: str,
) -> None:
    token = api_login()
    response = h.draft(client, token, files=files)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and body["field"] == "files" and body["message_kk"]
    assert applications(client) == [] and h.stored_files(portal_app) == []


def test_a_body_over_the_limit_is_refused_unread(client: TestClient, api_login: Login) -> None:
    token = api_login()
    response = h.draft(client, token, files=[("huge.pdf", h.PDF + b"0" * (5 * h.MiB), "application/pdf")])
    assert response.status_code == 413 and response.json()["error"] == "FORM_TOO_LARGE"
    assert applications(client) == []


def test_the_draft_needs_the_csrf_header(client: TestClient, api_login: Login) -> None:
    api_login()
    response = client.post("/api/applications/H3/draft", data=h.form_fields())
    assert response.status_code == 403 and response.json()["error"] == "CSRF_REJECTED"


# --- submittedAt and the sandbox's simulated time -------------------------------------------------
def test_a_simulated_time_sets_submitted_at_and_is_recorded_as_simulated(
    client: TestClient, api_login: Login
) -> None:
    token = api_login()
    friday = datetime(2025, 3, 14, 19, 30, tzinfo=KZ_TZ)
    response = h.draft(
        client,
        token,
        examinedOn="2025-03-10",
        headers={"X-Egov-Simulated-Time": "2025-03-14T19:30:00"},  # no offset: Kazakhstan time
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["simulatedTime"] is True
    assert datetime.fromisoformat(body["submittedAt"]) == friday
    assert h3.parse_application(etree.fromstring(body["xml"].encode())).submitted_at == friday
    later = h.draft(
        client, token, examinedOn="2025-03-15", headers={"X-Egov-Simulated-Time": "2025-03-14T19:30+05:00"}
    )
    assert later.json()["error"] == "EXAMINED_ON_IN_FUTURE", "the results' date counts from submittedAt"


def test_a_malformed_or_refused_simulated_time_is_a_named_error(
    client: TestClient, api_login: Login, portal_app: FastAPI
) -> None:
    token = api_login()
    bad = h.draft(client, token, headers={"X-Egov-Simulated-Time": "Friday evening"})
    assert bad.status_code == 400 and bad.json()["error"] == "SIMULATED_TIME_INVALID"
    portal_app.state.h3.accept_simulated_time = False
    off = h.draft(client, token, headers={"X-Egov-Simulated-Time": "2025-03-14T19:30:00+05:00"})
    assert off.status_code == 400 and off.json()["error"] == "SIMULATED_TIME_NOT_ACCEPTED"
    assert applications(client) == []


def test_process_3_is_a_span_of_the_h3_regulation(
    client: TestClient, api_login: Login, spans: InMemorySpanExporter
) -> None:
    token = api_login()
    application_id = h.draft(client, token, confirmation="otp").json()["applicationId"]
    [span] = [
        s for s in spans.get_finished_spans() if (s.attributes or {}).get("egov.step.id") == "process 3"
    ]
    attributes = span.attributes or {}
    assert span.name == load_regulation("H3").step("portal", "process 3").span_name
    assert attributes["egov.service"] == "H3" and attributes["egov.application"] == application_id
    assert attributes["egov.h3.confirmation"] == "otp" and attributes["egov.h3.files"] == 1
