"""H1 through the portal: process 3 (form, draft), condition 2, process 4 / 5, UPDATE and RESPONSE."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from egov_kit.documents import h1
from egov_kit.errors import KitError
from egov_kit.shep.models import MessageType
from fastapi.testclient import TestClient
from lxml import etree

from tests.portal.support import (
    ADULT,
    ADULT_VKO,
    deliver,
    refusal,
    sign,
    status_update,
    submit,
    talon,
)

Login = Callable[..., str]


def draft(client: TestClient, token: str, **body: Any) -> Any:
    payload = {"organisationCode": "ZHM-TRZ-01", "reason": "Смена места жительства"}
    payload.update(body)
    return client.post("/api/applications/H1/draft", json=payload, headers={"X-CSRF-Token": token})


def stored(client: TestClient) -> list[dict[str, Any]]:
    applications: list[dict[str, Any]] = client.get("/api/applications").json()["applications"]
    return applications


def sent_application(client: TestClient, api_login: Login, keys: Any) -> tuple[str, str, str]:
    token = api_login()
    created = draft(client, token)
    assert created.status_code == 201, created.text
    application_id = created.json()["applicationId"]
    response = submit(client, token, application_id, sign(created.json()["xml"], keys.adult))
    assert response.status_code == 202, response.text
    return token, application_id, response.json()["messageId"]


# --- process 3 ----------------------------------------------------------------------------------------
def test_form_lists_the_organisations_of_the_users_region(
    client: TestClient, api_login: Login, shep: Any
) -> None:
    api_login()
    form = client.get("/api/services/H1/form")
    assert form.status_code == 200, form.text
    codes = [org["code"] for org in form.json()["organisations"]]
    assert codes == ["ZHM-TRZ-01", "ZHM-TRZ-02"]
    request = next(data for service, data, _ in shep.sync_calls if service == "RPN_MedicalOrganizationsSync")
    assert request.findtext("{urn:egov-sandbox:rpn:organizations:v1}regionCode") == "310000000"


def test_form_needs_a_session(client: TestClient) -> None:
    response = client.get("/api/services/H1/form")
    assert response.status_code == 401
    assert response.json()["error"] == "NOT_AUTHENTICATED"


def test_draft_is_the_unsigned_application(client: TestClient, api_login: Login) -> None:
    token = api_login()
    response = draft(client, token)
    assert response.status_code == 201, response.text
    body = response.json()
    element = etree.fromstring(body["xml"].encode())
    parsed = h1.parse_application(element)
    assert parsed.application_id == body["applicationId"]
    assert parsed.channel == "portal"
    assert parsed.recipient.iin == ADULT
    assert parsed.recipient.surname == "Ахметов"
    assert parsed.recipient.phone == "+77012345678"
    assert parsed.organisation_code == "ZHM-TRZ-01"
    assert not parsed.signed
    assert stored(client)[0]["status"] == "draft"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"reason": ""}, "REASON_REQUIRED", "reason"),
        ({"reason": None}, "REASON_REQUIRED", "reason"),
        ({"reason": "я" * 501}, "REASON_TOO_LONG", "reason"),
        ({"organisationCode": ""}, "ORGANISATION_REQUIRED", "organisationCode"),
        ({"organisationCode": "VKO-UKG-01"}, "ORGANISATION_NOT_IN_REGION", "organisationCode"),
        ({"organisationCode": "NOPE"}, "ORGANISATION_NOT_IN_REGION", "organisationCode"),
    ],
)
def test_bad_form_is_refused_and_nothing_stored(
    client: TestClient, api_login: Login, body: dict[str, Any], code: str, field: str
) -> None:
    token = api_login()
    response = draft(client, token, **body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == code and answer["field"] == field
    assert answer["message_ru"] and answer["message_kk"]
    assert stored(client) == []


def test_oversized_form_is_refused_before_reading(client: TestClient, api_login: Login) -> None:
    token = api_login()
    response = draft(client, token, reason="x" * (65 * 1024))
    assert response.status_code == 413
    assert response.json()["error"] == "FORM_TOO_LARGE"
    assert stored(client) == []


def test_malformed_json_is_a_clear_error(client: TestClient, api_login: Login) -> None:
    token = api_login()
    response = client.post(
        "/api/applications/H1/draft",
        content=b"{not json",
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"] == "INVALID_REQUEST"
    assert stored(client) == []


def test_draft_without_csrf_header_changes_nothing(client: TestClient, api_login: Login) -> None:
    api_login()
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = client.post(
            "/api/applications/H1/draft",
            json={"organisationCode": "ZHM-TRZ-01", "reason": "x"},
            headers=headers,
        )
        assert response.status_code == 403
        assert response.json()["error"] == "CSRF_REJECTED"
    assert stored(client) == []


def test_rpn_unavailable_gives_a_clear_message(client: TestClient, api_login: Login, shep: Any) -> None:
    token = api_login()
    shep.fail_sync["RPN_MedicalOrganizationsSync"] = KitError("timeout", code="PROVIDER_TIMEOUT")
    response = draft(client, token)
    assert response.status_code == 503
    assert response.json()["error"] == "EXTERNAL_UNAVAILABLE"
    assert stored(client) == []


# --- condition 2, process 4, process 5 ----------------------------------------------------------------
def test_signed_application_is_sent_through_shep(
    client: TestClient, api_login: Login, keys: Any, shep: Any
) -> None:
    _token, application_id, message_id = sent_application(client, api_login, keys)
    assert len(shep.sent) == 1
    message = shep.sent[0]
    assert message.service_id == "RPN_Attachment"
    assert message.message_type == MessageType.REQUEST
    assert message.message_id == message_id
    assert h1.parse_application(message.element).signed
    detail = client.get(f"/api/applications/{application_id}").json()
    assert detail["status"] == "sent"
    assert detail["messageId"] == message_id
    assert [event["status"] for event in detail["history"]] == ["sent"]


@pytest.mark.parametrize(
    ("signer", "reason"),
    [
        ("expired", "CERT_EXPIRED"),
        ("revoked", "CERT_REVOKED"),
        ("adult_vko", "IIN_MISMATCH"),
    ],
)
def test_condition_2_failures_are_process_4_refusals(
    client: TestClient, api_login: Login, keys: Any, shep: Any, signer: str, reason: str
) -> None:
    token = api_login()
    created = draft(client, token).json()
    response = submit(client, token, created["applicationId"], sign(created["xml"], getattr(keys, signer)))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "SIGNATURE_NOT_CONFIRMED"
    assert body["step"] == "process 4"
    assert body["status"] == "refused"
    assert body["reason"]["code"] == reason
    assert body["reason"]["ru"] and body["reason"]["kk"]
    detail = client.get(f"/api/applications/{created['applicationId']}").json()
    assert detail["status"] == "refused"
    assert detail["refusal"]["step"] == "condition 2"
    assert detail["history"][-1]["reason"]["code"] == reason
    assert detail["history"][-1]["step"] == "condition 2"
    assert shep.sent == []


def test_tampered_signed_application_is_refused(
    client: TestClient, api_login: Login, keys: Any, shep: Any
) -> None:
    token = api_login()
    created = draft(client, token).json()
    signed = sign(created["xml"], keys.adult)
    tampered = signed.replace("Смена места жительства", "Смена места жительствa")  # Latin "a"
    assert tampered != signed
    response = submit(client, token, created["applicationId"], tampered)
    assert response.status_code == 422
    assert response.json()["reason"]["code"] == "SIGNATURE_INVALID"
    assert shep.sent == []


def test_signing_another_document_than_the_draft_is_refused(
    client: TestClient, api_login: Login, keys: Any, shep: Any
) -> None:
    token = api_login()
    created = draft(client, token).json()
    changed = created["xml"].replace("ZHM-TRZ-01", "ZHM-TRZ-02")  # changed before signing
    response = submit(client, token, created["applicationId"], sign(changed, keys.adult))
    assert response.status_code == 422
    assert response.json()["reason"]["code"] == "DOCUMENT_MISMATCH"
    assert shep.sent == []


def test_unsigned_application_is_refused(client: TestClient, api_login: Login, shep: Any) -> None:
    token = api_login()
    created = draft(client, token).json()
    response = submit(client, token, created["applicationId"], created["xml"])
    assert response.status_code == 422
    assert response.json()["reason"]["code"] == "SIGNATURE_MISSING"


def test_unreadable_signed_xml_changes_nothing(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    created = draft(client, token).json()
    for junk in ("not xml at all", '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "<other/>"):
        response = submit(client, token, created["applicationId"], junk)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "SIGNED_DOCUMENT_UNREADABLE"
    assert stored(client)[0]["status"] == "draft"
    # the draft can still be signed and sent
    response = submit(client, token, created["applicationId"], sign(created["xml"], keys.adult))
    assert response.status_code == 202


def test_replayed_application_is_refused(client: TestClient, api_login: Login, keys: Any, shep: Any) -> None:
    token, application_id, _message_id = sent_application(client, api_login, keys)
    signed = shep.sent[0].element
    again = submit(client, token, application_id, etree.tostring(signed, encoding="unicode"))
    assert again.status_code == 409
    assert again.json()["error"] == "APPLICATION_REPLAYED"
    # the same signed document posted against a fresh draft
    fresh = draft(client, token).json()
    replay = submit(client, token, fresh["applicationId"], etree.tostring(signed, encoding="unicode"))
    assert replay.status_code == 409
    assert len(shep.sent) == 1
    statuses = {app["applicationId"]: app["status"] for app in stored(client)}
    assert statuses == {application_id: "sent", fresh["applicationId"]: "draft"}


def test_refused_application_cannot_be_resubmitted(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    created = draft(client, token).json()
    assert (
        submit(client, token, created["applicationId"], sign(created["xml"], keys.expired)).status_code == 422
    )
    again = submit(client, token, created["applicationId"], sign(created["xml"], keys.adult))
    assert again.status_code == 409


def test_another_users_application_is_not_found(client: TestClient, api_login: Login, keys: Any) -> None:
    token, application_id, _ = sent_application(client, api_login, keys)
    other = api_login(ADULT_VKO)
    assert client.get(f"/api/applications/{application_id}").status_code == 404
    response = submit(client, other, application_id, "<x/>")
    assert response.status_code == 404
    assert response.json()["error"] == "APPLICATION_NOT_FOUND"
    assert token != other


def test_shep_refusing_the_request_marks_it_failed(
    client: TestClient, api_login: Login, keys: Any, shep: Any
) -> None:
    token = api_login()
    created = draft(client, token).json()
    shep.fail_async = KitError("access denied", code="ACCESS_DENIED")
    response = submit(client, token, created["applicationId"], sign(created["xml"], keys.adult))
    assert response.status_code == 502
    assert response.json()["status"] == "failed"
    assert response.json()["error"] == "ACCESS_DENIED"
    assert stored(client)[0]["status"] == "failed"


# --- UPDATE and RESPONSE: the personal cabinet ----------------------------------------------------------
def test_cabinet_shows_history_and_the_talon(client: TestClient, api_login: Login, keys: Any) -> None:
    _token, application_id, message_id = sent_application(client, api_login, keys)
    deliver(client, status_update(application_id, "RPN-2025-000042"), "UPDATE", message_id)
    detail = client.get(f"/api/applications/{application_id}").json()
    assert detail["status"] == "registered"
    assert detail["registrationNumber"] == "RPN-2025-000042"
    assert detail["history"][-1] == {
        "status": "registered",
        "at": detail["history"][-1]["at"],
        "step": "process 6",
        "number": "RPN-2025-000042",
    }

    document = talon(application_id, "RPN-2025-000042", keys.employee)
    deliver(client, document, "RESPONSE", message_id)
    detail = client.get(f"/api/applications/{application_id}").json()
    assert detail["status"] == "done"
    assert [event["status"] for event in detail["history"]] == ["sent", "registered", "done"]
    result = detail["result"]
    assert result["kind"] == "talon"
    assert result["signature_valid"] is True
    assert result["fields"]["talon_number"] == "T-2025-000001"
    assert result["fields"]["doctor_position_kk"] == "Жалпы практика дәрігері"
    # the signed XML as received: its own signature still verifies
    received = etree.fromstring(result["xml"].encode())
    assert h1.parse_talon(received).signed
    from egov_kit.dsig import verify_document

    verify_document(received)
    download = client.get(f"/api/applications/{application_id}/result.xml")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/xml")
    assert download.content == result["xml"].encode()


def test_cabinet_shows_the_motivated_refusal(client: TestClient, api_login: Login, keys: Any) -> None:
    _token, application_id, message_id = sent_application(client, api_login, keys)
    deliver(client, status_update(application_id, "RPN-2025-000043"), "UPDATE", message_id)
    deliver(client, refusal(application_id, "RPN-2025-000043", keys.employee), "RESPONSE", message_id)
    detail = client.get(f"/api/applications/{application_id}").json()
    assert detail["status"] == "refused"
    last = detail["history"][-1]
    assert last["step"] == "process 7"
    assert last["reason"]["code"] == "ALREADY_ATTACHED"
    assert last["reason"]["ru"].startswith("Услугополучатель уже прикреплён")
    assert last["reason"]["kk"].startswith("Көрсетілетін қызметті алушы")
    assert detail["result"]["kind"] == "refusal"
    assert detail["result"]["signature_valid"] is True


def test_response_before_update_keeps_the_final_status(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    _token, application_id, message_id = sent_application(client, api_login, keys)
    deliver(client, talon(application_id, "RPN-2025-000044", keys.employee), "RESPONSE", message_id)
    deliver(client, status_update(application_id, "RPN-2025-000044"), "UPDATE", message_id)
    deliver(client, status_update(application_id, "RPN-2025-000044"), "UPDATE", message_id)  # duplicate
    detail = client.get(f"/api/applications/{application_id}").json()
    assert detail["status"] == "done"
    assert sorted(event["status"] for event in detail["history"]) == ["done", "registered", "sent"]


def test_result_signed_by_someone_else_is_not_shown_as_valid(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    _token, application_id, message_id = sent_application(client, api_login, keys)
    deliver(client, talon(application_id, "RPN-2025-000045", keys.stranger), "RESPONSE", message_id)
    result = client.get(f"/api/applications/{application_id}").json()["result"]
    assert result["signature_valid"] is False
    assert result["signature_error"] == "SIGNER_NOT_AUTHORISED"


def test_tampered_result_is_not_shown_as_valid(client: TestClient, api_login: Login, keys: Any) -> None:
    _token, application_id, message_id = sent_application(client, api_login, keys)
    document = talon(application_id, "RPN-2025-000046", keys.employee)
    document.find(h1.tag("section")).text = "99"  # type: ignore[union-attr]
    deliver(client, document, "RESPONSE", message_id)
    result = client.get(f"/api/applications/{application_id}").json()["result"]
    assert result["signature_valid"] is False
    assert result["signature_error"] == "SIGNATURE_INVALID"


def test_messages_are_matched_by_application_id_without_correlation(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    _token, application_id, _message_id = sent_application(client, api_login, keys)
    deliver(client, status_update(application_id, "RPN-2025-000047"), "UPDATE", None)
    assert client.get(f"/api/applications/{application_id}").json()["status"] == "registered"
