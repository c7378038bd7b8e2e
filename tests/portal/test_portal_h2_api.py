"""H2 «Запись на прием к врачу» through the portal's JSON API, with the fake ШЭП (РПН's answers).

The form (the attached organisation, doctors, free slots; ``NOT_ATTACHED``), process 3 (the draft and
its named errors), condition 2 / process 4 / process 5 through the pipeline, РПН's UPDATE and RESPONSE
(appointment or SLOT_TAKEN refusal), and the cancellation (signed, sent, then ``cancelled``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import pytest
from egov_kit.clock import now
from egov_kit.documents import h2, rpn
from egov_kit.regulations import load_regulation
from egov_kit.shep.models import MessageType
from fastapi.testclient import TestClient
from lxml import etree
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.portal import support
from tests.portal.h2_support import (
    THERAPIST,
    H2Shep,
    appointment,
    cancelled,
    deliver,
    registered,
    slot_taken,
)
from tests.portal.support import ADULT, ADULT_VKO, sign

Login = Callable[..., str]


@pytest.fixture
def shep() -> H2Shep:
    return H2Shep()


def form(client: TestClient) -> Any:
    response = client.get("/api/services/H2/form")
    assert response.status_code == 200, response.text
    return response.json()


def first_slot(client: TestClient) -> tuple[str, str]:
    doctor = form(client)["doctors"][0]
    return doctor["doctorId"], doctor["slots"][0]["start"]


def draft(client: TestClient, token: str, **body: Any) -> Any:
    return client.post("/api/applications/H2/draft", json=body, headers={"X-CSRF-Token": token})


submit = partial(support.submit, service_id="H2")


def stored(client: TestClient) -> list[dict[str, Any]]:
    applications: list[dict[str, Any]] = client.get("/api/applications").json()["applications"]
    return applications


def booked(client: TestClient, api_login: Login, keys: Any) -> tuple[str, str, str, str]:
    """Login, draft the first free slot, sign, submit: (token, applicationId, messageId, slotStart)."""
    token = api_login()
    doctor_id, slot = first_slot(client)
    created = draft(client, token, doctorId=doctor_id, slotStart=slot, reason="Консультация")
    assert created.status_code == 201, created.text
    application_id = created.json()["applicationId"]
    response = submit(client, token, application_id, sign(created.json()["xml"], keys.adult))
    assert response.status_code == 202, response.text
    return token, application_id, response.json()["messageId"], slot


def done(client: TestClient, api_login: Login, keys: Any) -> tuple[str, str, str]:
    token, application_id, message_id, slot = booked(client, api_login, keys)
    deliver(client, registered(application_id), "UPDATE", message_id)
    deliver(
        client,
        appointment(application_id, datetime.fromisoformat(slot), keys.employee),
        "RESPONSE",
        message_id,
    )
    return token, application_id, slot


# --- the form -----------------------------------------------------------------------------------------
def test_the_catalogue_offers_h2_online(client: TestClient) -> None:
    entries = client.get("/api/catalogue").json()["services"]
    h2_entry = next(entry for entry in entries if entry["id"] == "H2")
    assert h2_entry["available"] is True
    assert h2_entry["name_ru"] == "Запись на прием к врачу"
    assert "SLOT_TAKEN" in [ground["code"] for ground in h2_entry["refusal_grounds"]]


def test_form_shows_the_attached_organisation_its_doctors_and_free_slots(
    client: TestClient, api_login: Login, shep: H2Shep
) -> None:
    api_login()
    body = form(client)
    assert body["organisation"]["code"] == "ZHM-TRZ-01"
    assert body["organisation"]["section"] == "1" and body["organisation"]["attachedFrom"] == "2016-02-01"
    doctors = {doctor["doctorId"]: doctor for doctor in body["doctors"]}
    therapist = doctors["ZHM-TRZ-01-D1"]
    assert (therapist["specialty_ru"], therapist["specialty_kk"], therapist["cabinet"]) == (
        "Терапевт",
        "Терапевт",
        "101",
    )
    assert therapist["slots"], "free slots of the next working days"
    starts = [datetime.fromisoformat(slot["start"]) for slot in therapist["slots"]]
    assert all(start.tzinfo is not None for start in starts) and starts == sorted(starts)
    assert body["dateFrom"] <= starts[0].date().isoformat() <= body["dateTo"]
    # РПН was asked through ШЭП: where the recipient is attached, then that organisation's schedule
    asked = rpn.parse_request(shep.requests_of("RPN_MedicalOrganizationsSync")[-1])
    assert asked.recipient_iin == ADULT and asked.region_code is None
    schedule = h2.parse_schedule_request(shep.requests_of("RPN_DoctorScheduleSync")[-1])
    assert schedule.organisation_code == "ZHM-TRZ-01"


def test_form_names_not_attached_in_both_languages(
    client: TestClient, api_login: Login, shep: H2Shep
) -> None:
    api_login(ADULT_VKO)
    response = client.get("/api/services/H2/form")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "NOT_ATTACHED"
    assert "не прикреплены" in body["message_ru"] and "бекітілмегенсіз" in body["message_kk"]
    assert shep.requests_of("RPN_DoctorScheduleSync") == []


def test_form_needs_a_session(client: TestClient) -> None:
    assert client.get("/api/services/H2/form").status_code == 401


# --- process 3 ----------------------------------------------------------------------------------------
def test_draft_is_an_unsigned_h2_application_for_the_chosen_slot(
    client: TestClient, api_login: Login
) -> None:
    token = api_login()
    doctor_id, slot = first_slot(client)
    response = draft(client, token, doctorId=doctor_id, slotStart=slot, reason="Консультация / Кеңес")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    element = etree.fromstring(body["xml"].encode())
    application = h2.parse_application(element)
    assert application.application_id == body["applicationId"] and not application.signed
    assert application.recipient.iin == ADULT and application.organisation_code == "ZHM-TRZ-01"
    assert application.doctor_id == doctor_id and application.slot_start == datetime.fromisoformat(slot)
    assert application.reason == "Консультация / Кеңес" and application.channel == "portal"
    assert body["details"]["doctor"]["cabinet"] == "101"
    [listed] = stored(client)
    assert listed["serviceId"] == "H2" and listed["status"] == "draft"
    assert listed["details"]["slot"]["start"] == slot


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"slotStart": "2030-01-07T10:00:00+05:00"}, "DOCTOR_REQUIRED"),
        ({"doctorId": "ZHM-TRZ-01-D1"}, "SLOT_REQUIRED"),
        ({"doctorId": "ZHM-TRZ-01-D1", "slotStart": "tomorrow at ten"}, "SLOT_INVALID"),
        ({"doctorId": "ZHM-TRZ-01-D1", "slotStart": "2030-01-07T10:00:00"}, "SLOT_INVALID"),
        ({"doctorId": "VKO-UKG-03-D1", "slotStart": "FIRST"}, "DOCTOR_NOT_AVAILABLE"),
        ({"doctorId": "ZHM-TRZ-01-D1", "slotStart": "2020-01-06T10:00:00+05:00"}, "SLOT_NOT_AVAILABLE"),
        ({"doctorId": "ZHM-TRZ-01-D1", "slotStart": "FIRST", "reason": "x" * 501}, "REASON_TOO_LONG"),
    ],
)
def test_draft_errors_are_named_and_store_nothing(
    client: TestClient, api_login: Login, body: dict[str, str], code: str
) -> None:
    token = api_login()
    _doctor, slot = first_slot(client)
    payload = {key: (slot if value == "FIRST" else value) for key, value in body.items()}
    response = draft(client, token, **payload)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == code and error["message_ru"] and error["message_kk"]
    assert stored(client) == []


def test_a_slot_taken_since_the_form_was_shown_is_refused_at_the_draft(
    client: TestClient, api_login: Login, shep: H2Shep
) -> None:
    token = api_login()
    doctor_id, slot = first_slot(client)
    shep.taken.add(datetime.fromisoformat(slot))  # booked by somebody else meanwhile
    response = draft(client, token, doctorId=doctor_id, slotStart=slot)
    assert response.status_code == 422 and response.json()["error"] == "SLOT_NOT_AVAILABLE"


def test_draft_needs_the_csrf_header(client: TestClient, api_login: Login) -> None:
    api_login()
    doctor_id, slot = first_slot(client)
    response = client.post("/api/applications/H2/draft", json={"doctorId": doctor_id, "slotStart": slot})
    assert response.status_code == 403
    assert stored(client) == []


# --- condition 2, process 4, process 5 ----------------------------------------------------------------
def test_signed_application_is_sent_to_rpn_through_shep(
    client: TestClient, api_login: Login, keys: Any, shep: H2Shep, spans: InMemorySpanExporter
) -> None:
    _token, application_id, message_id, _slot = booked(client, api_login, keys)
    [sent] = shep.sent
    assert sent.service_id == "RPN_Appointment" and sent.message_type == MessageType.REQUEST
    assert sent.message_id == message_id and h2.parse_application(sent.element).signed
    application = client.get(f"/api/applications/{application_id}").json()
    assert application["status"] == "sent"
    regulation = load_regulation("H2")
    for step_id in ("process 3", "condition 2", "process 5"):
        [span] = [
            s for s in spans.get_finished_spans() if (s.attributes or {}).get("egov.step.id") == step_id
        ]
        assert span.name == regulation.step("portal", step_id).span_name
        assert span.attributes is not None and span.attributes["egov.service"] == "H2"
        assert span.attributes["egov.application"] == application_id


def test_another_persons_signature_is_process_4(
    client: TestClient, api_login: Login, keys: Any, shep: H2Shep
) -> None:
    token = api_login()
    doctor_id, slot = first_slot(client)
    created = draft(client, token, doctorId=doctor_id, slotStart=slot).json()
    response = submit(client, token, created["applicationId"], sign(created["xml"], keys.adult_vko))
    assert response.status_code == 422
    body = response.json()
    assert (body["error"], body["step"], body["reason"]["code"]) == (
        "SIGNATURE_NOT_CONFIRMED",
        "process 4",
        "IIN_MISMATCH",
    )
    assert shep.sent == []


def test_an_h1_document_is_not_an_h2_application(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    doctor_id, slot = first_slot(client)
    created = draft(client, token, doctorId=doctor_id, slotStart=slot).json()
    h1_draft = client.post(
        "/api/applications/H1/draft",
        json={"organisationCode": "ZHM-TRZ-01", "reason": "Переезд"},
        headers={"X-CSRF-Token": token},
    ).json()
    response = submit(client, token, created["applicationId"], sign(h1_draft["xml"], keys.adult))
    assert response.status_code == 400 and response.json()["error"] == "SIGNED_DOCUMENT_UNREADABLE"
    # an H1 application cannot be submitted on the H2 route either
    wrong_route = submit(client, token, h1_draft["applicationId"], sign(h1_draft["xml"], keys.adult))
    assert wrong_route.status_code == 404


# --- processes 6-8 (РПН's answers) --------------------------------------------------------------------
def test_registered_then_done_with_the_signed_appointment(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    _token, application_id, message_id, slot = booked(client, api_login, keys)
    deliver(client, registered(application_id), "UPDATE", message_id)
    body = client.get(f"/api/applications/{application_id}").json()
    assert body["status"] == "registered" and body["registrationNumber"] == "RPN-2025-000042"

    deliver(
        client,
        appointment(application_id, datetime.fromisoformat(slot), keys.employee),
        "RESPONSE",
        message_id,
    )
    body = client.get(f"/api/applications/{application_id}").json()
    assert body["status"] == "done"
    result = body["result"]
    assert result["kind"] == "appointment" and result["signature_valid"] is True
    fields = result["fields"]
    assert fields["booking_number"] == "A-2025-000007"
    assert fields["doctor_full_name"] == THERAPIST.full_name and fields["cabinet"] == "101"
    assert datetime.fromisoformat(fields["slot_start"]) == datetime.fromisoformat(slot)
    assert [event["step"] for event in body["history"] if "step" in event][-2:] == ["process 6", "process 8"]


def test_slot_taken_is_a_motivated_refusal(client: TestClient, api_login: Login, keys: Any) -> None:
    _token, application_id, message_id, _slot = booked(client, api_login, keys)
    deliver(client, registered(application_id), "UPDATE", message_id)
    deliver(client, slot_taken(application_id, keys.employee), "RESPONSE", message_id)
    body = client.get(f"/api/applications/{application_id}").json()
    assert body["status"] == "refused"
    assert body["refusal"]["code"] == "SLOT_TAKEN" and body["refusal"]["step"] == "process 7"
    assert "уже занято" in body["refusal"]["ru"] and "бос емес" in body["refusal"]["kk"]
    assert body["result"]["kind"] == "refusal" and body["result"]["signature_valid"] is True


def test_an_appointment_signed_by_a_stranger_is_not_trusted(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    _token, application_id, message_id, slot = booked(client, api_login, keys)
    deliver(
        client,
        appointment(application_id, datetime.fromisoformat(slot), keys.stranger),
        "RESPONSE",
        message_id,
    )
    result = client.get(f"/api/applications/{application_id}").json()["result"]
    assert result["signature_valid"] is False and result["signature_error"] == "SIGNER_NOT_AUTHORISED"


# --- the cancellation ---------------------------------------------------------------------------------
def cancellation(client: TestClient, application_id: str) -> Any:
    return client.get(f"/api/applications/{application_id}/cancellation")


def cancel(client: TestClient, token: str, application_id: str, signed_xml: str) -> Any:
    return client.post(
        f"/api/applications/{application_id}/cancel",
        json={"signed_xml": signed_xml},
        headers={"X-CSRF-Token": token},
    )


def test_cancelling_a_booked_appointment(
    client: TestClient, api_login: Login, keys: Any, shep: H2Shep
) -> None:
    token, application_id, _slot = done(client, api_login, keys)
    prepared = cancellation(client, application_id)
    assert prepared.status_code == 200, prepared.text
    document = h2.parse_cancellation(etree.fromstring(prepared.json()["xml"].encode()))
    assert document.application_id == application_id and document.recipient_iin == ADULT
    assert cancellation(client, application_id).json()["xml"] == prepared.json()["xml"]  # prepared once

    response = cancel(client, token, application_id, sign(prepared.json()["xml"], keys.adult))
    assert response.status_code == 202, response.text
    assert response.json()["cancellation"]["status"] == "sent"
    sent = shep.sent[-1]
    assert sent.service_id == "RPN_Appointment" and sent.message_type == MessageType.REQUEST
    assert h2.root_name(sent.element) == "cancellation"
    assert client.get(f"/api/applications/{application_id}").json()["status"] == "done"  # until РПН answers
    again = cancel(client, token, application_id, sign(prepared.json()["xml"], keys.adult))
    assert again.status_code == 409 and again.json()["error"] == "NOT_CANCELLABLE"

    deliver(client, cancelled(application_id), "RESPONSE", sent.message_id)
    body = client.get(f"/api/applications/{application_id}").json()
    assert body["status"] == "cancelled"
    assert body["details"]["cancellation"]["status"] == "cancelled"
    assert body["result"]["kind"] == "appointment"  # the appointment document stays as received
    assert "xml" not in body["details"]["cancellation"]


def test_a_cancellation_signed_by_another_person_changes_nothing(
    client: TestClient, api_login: Login, keys: Any, shep: H2Shep
) -> None:
    token, application_id, _slot = done(client, api_login, keys)
    prepared = cancellation(client, application_id).json()
    sent_before = len(shep.sent)
    response = cancel(client, token, application_id, sign(prepared["xml"], keys.adult_vko))
    assert response.status_code == 422
    assert response.json()["error"] == "SIGNATURE_NOT_CONFIRMED"
    assert response.json()["reason"]["code"] == "IIN_MISMATCH"
    assert len(shep.sent) == sent_before
    assert client.get(f"/api/applications/{application_id}").json()["status"] == "done"
    unsigned = cancel(client, token, application_id, prepared["xml"])
    assert unsigned.status_code == 422 and unsigned.json()["reason"]["code"] == "SIGNATURE_MISSING"


def test_a_cancellation_rpn_refuses_keeps_the_appointment(
    client: TestClient, api_login: Login, keys: Any, shep: H2Shep
) -> None:
    token, application_id, _slot = done(client, api_login, keys)
    prepared = cancellation(client, application_id).json()
    assert cancel(client, token, application_id, sign(prepared["xml"], keys.adult)).status_code == 202
    sent = shep.sent[-1]
    refused = h2.build_status(
        h2.AppointmentStatus(
            application_id=application_id,
            registration_number="RPN-0000-000000",
            status="REFUSED",
            status_at=now(),
            message=h2.Bilingual(
                "Отмена записи не принята: запись для отмены не найдена",
                "Жазылудан бас тарту қабылданбады: жоюға арналған жазба табылмады",
            ),
        )
    )
    deliver(client, refused, "RESPONSE", sent.message_id)
    body = client.get(f"/api/applications/{application_id}").json()
    assert body["status"] == "done" and body["result"]["kind"] == "appointment"
    assert body["registrationNumber"] != "RPN-0000-000000"
    assert body["details"]["cancellation"]["status"] == "refused"
    reason = body["details"]["cancellation"]["reason"]
    assert reason["ru"] == "Отмена записи не принята: запись для отмены не найдена"
    assert reason["kk"] == "Жазылудан бас тарту қабылданбады: жоюға арналған жазба табылмады"
    page = client.get(f"/applications/{application_id}")
    assert 'data-cancellation="refused"' in page.text
    assert "запись для отмены не найдена" in page.text or "жоюға арналған жазба табылмады" in page.text


def test_only_a_booked_appointment_can_be_cancelled(client: TestClient, api_login: Login, keys: Any) -> None:
    _token, application_id, _message_id, _slot = booked(client, api_login, keys)  # sent, not yet done
    response = cancellation(client, application_id)
    assert response.status_code == 409 and response.json()["error"] == "NOT_CANCELLABLE"
