"""H3 condition 2 by one-time password (seed 004 item 10) through the portal's API, with a fake ШЭП.

The code goes by SMS to the phone the recipient registered; a right code makes the portal add the
``otpConfirmation`` block, sign the application with its own system key and send it (process 5); an
expired code or a locked request is process 4; a code confirms once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from egov_kit.documents import h3
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.portal import h3_support as h
from tests.portal.support import ADULT

Login = Callable[..., str]


@pytest.fixture
def shep() -> h.H3Shep:
    return h.H3Shep()


def otp_draft(client: TestClient, token: str, **fields: Any) -> str:
    response = h.draft(client, token, confirmation="otp", **fields)
    assert response.status_code == 201, response.text
    application_id: str = response.json()["applicationId"]
    return application_id


@pytest.fixture
def otp_drafted(client: TestClient, api_login: Login, sms: h.FakeSms) -> tuple[str, str]:
    """Logged in, with a draft to confirm by one-time password: (CSRF token, application id)."""
    token = api_login()
    return token, otp_draft(client, token)


def request_code(client: TestClient, token: str, application_id: str) -> Any:
    return client.post(f"/api/applications/H3/{application_id}/otp", headers={"X-CSRF-Token": token})


def new_code(client: TestClient, token: str, application_id: str, sms: h.FakeSms) -> str:
    """Asks for a code and reads it from the phone (the fake SMS gateway)."""
    asked = request_code(client, token, application_id)
    assert asked.status_code == 200, asked.text
    return sms.last_code()


def confirm(client: TestClient, token: str, application_id: str, code: str) -> Any:
    return client.post(
        f"/api/applications/H3/{application_id}/confirm", json={"code": code}, headers={"X-CSRF-Token": token}
    )


def status_of(client: TestClient, application_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/applications/{application_id}").json()
    return body


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


async def test_a_right_code_sends_the_application_attested_and_signed_by_the_portal(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms, shep: h.H3Shep, ca: Any
) -> None:
    token, application_id = otp_drafted
    asked = request_code(client, token, application_id)
    assert asked.status_code == 200, asked.text
    assert asked.json()["phoneMasked"] == "+7 701 *** ** 78"
    [message] = sms.sent
    assert message.to == "+77012345678", "the phone registered on the portal"
    assert message.reference == application_id
    assert "Санаторийлік-курорттық" in message.text and "санаторно-курортном" in message.text
    response = confirm(client, token, application_id, sms.last_code())
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "sent"
    [sent] = shep.sent
    assert sent.service_id == "PHC_SanatoriumCard" and sent.message_type.value == "REQUEST"
    identity = await h3.verify_confirmation(sent.element, ca.validator(), portal_bin=h.PORTAL_BIN)
    assert identity.kind == "system" and identity.bin == h.PORTAL_BIN
    parsed = h3.parse_application(sent.element)
    assert parsed.confirmation == "otp" and parsed.signed
    assert parsed.otp is not None and parsed.otp.phone_masked == "+7 701 *** ** 78"
    assert parsed.recipient.iin == ADULT and parsed.files[0].content == h.PDF
    details = status_of(client, application_id)["details"]
    assert details["otp"]["phoneMasked"] == "+7 701 *** ** 78" and details["otp"]["confirmedAt"]
    assert "smsId" in details["otp"] and all(sms.last_code() not in str(v) for v in details["otp"].values())


def test_a_wrong_code_tells_the_attempts_left_and_changes_nothing_else(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms, shep: h.H3Shep
) -> None:
    token, application_id = otp_drafted
    code = new_code(client, token, application_id, sms)
    first = confirm(client, token, application_id, wrong(code))
    assert first.status_code == 422 and first.json()["error"] == "OTP_WRONG"
    assert first.json()["attemptsLeft"] == "2" and "2" in first.json()["message_kk"]
    assert status_of(client, application_id)["status"] == "draft" and shep.sent == []
    assert confirm(client, token, application_id, code).status_code == 202


def test_the_third_wrong_code_locks_the_request_process_4(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms, shep: h.H3Shep
) -> None:
    token, application_id = otp_drafted
    code = new_code(client, token, application_id, sms)
    assert confirm(client, token, application_id, wrong(code)).json()["attemptsLeft"] == "2"
    code = new_code(client, token, application_id, sms)  # a new code: the wrong attempts carry over
    assert confirm(client, token, application_id, wrong(code)).json()["attemptsLeft"] == "1"
    locked = confirm(client, token, application_id, wrong(code))
    assert locked.status_code == 422, locked.text
    body = locked.json()
    assert body["error"] == "OTP_NOT_CONFIRMED" and body["step"] == "process 4"
    assert body["reason"]["code"] == "OTP_LOCKED" and body["status"] == "refused"
    assert "одноразового пароля" in body["message_ru"] and "бір реттік" in body["message_kk"]
    shown = status_of(client, application_id)
    assert shown["status"] == "refused" and shown["refusal"]["step"] == "condition 2"
    assert shown["history"][-1]["reason"]["code"] == "OTP_LOCKED"
    again = confirm(client, token, application_id, code)
    assert again.status_code == 423 and again.json()["error"] == "OTP_LOCKED", "even the right code"
    assert request_code(client, token, application_id).json()["error"] == "APPLICATION_REPLAYED"
    assert shep.sent == []


def test_an_expired_code_is_process_4(
    client: TestClient,
    otp_drafted: tuple[str, str],
    sms: h.FakeSms,
    shep: h.H3Shep,
    shift_clock: Callable[..., None],
) -> None:
    token, application_id = otp_drafted
    request_code(client, token, application_id)
    shift_clock(minutes=5, seconds=1)
    response = confirm(client, token, application_id, sms.last_code())
    assert response.status_code == 422 and response.json()["reason"]["code"] == "OTP_EXPIRED"
    assert status_of(client, application_id)["status"] == "refused" and shep.sent == []


def test_a_new_code_before_expiry_replaces_the_old_one(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms, shift_clock: Callable[..., None]
) -> None:
    token, application_id = otp_drafted
    old = new_code(client, token, application_id, sms)
    shift_clock(minutes=4)
    new = new_code(client, token, application_id, sms)
    shift_clock(minutes=4)  # 8 minutes after the first code, 4 after the second
    if old != new:
        assert confirm(client, token, application_id, old).json()["error"] == "OTP_WRONG"
    assert confirm(client, token, application_id, new).status_code == 202


def test_a_code_confirms_once(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms, shep: h.H3Shep
) -> None:
    token, application_id = otp_drafted
    code = new_code(client, token, application_id, sms)
    assert confirm(client, token, application_id, code).status_code == 202
    again = confirm(client, token, application_id, code)
    assert again.status_code == 409 and again.json()["error"] == "OTP_ALREADY_USED"
    assert len(shep.sent) == 1


def test_no_code_before_asking_for_one(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms
) -> None:
    token, application_id = otp_drafted
    response = confirm(client, token, application_id, "123456")
    assert response.status_code == 409 and response.json()["error"] == "OTP_NOT_ISSUED"
    assert status_of(client, application_id)["status"] == "draft"


def test_an_eds_draft_takes_no_code_and_an_otp_draft_no_signature(
    client: TestClient, api_login: Login, sms: h.FakeSms, keys: Any
) -> None:
    token = api_login()
    eds = h.draft(client, token).json()["applicationId"]
    assert request_code(client, token, eds).json()["error"] == "CONFIRMATION_MISMATCH"
    assert sms.sent == []
    otp_id = otp_draft(client, token)
    xml = client.get(f"/api/applications/{otp_id}").json()
    assert xml["details"]["confirmation"] == "otp"
    signed = client.post(
        "/api/applications/H3",
        json={"applicationId": otp_id, "signed_xml": "<x/>"},
        headers={"X-CSRF-Token": token},
    )
    assert signed.status_code == 409 and signed.json()["error"] == "CONFIRMATION_MISMATCH"


def test_an_sms_gateway_failure_is_named_and_the_draft_stays(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms
) -> None:
    from egov_portal.adapters.sms import SmsNotSent

    token, application_id = otp_drafted
    sms.fail = SmsNotSent("шлюз недоступен", "шлюз қолжетімсіз")
    response = request_code(client, token, application_id)
    assert response.status_code == 503 and response.json()["error"] == "SMS_NOT_SENT"
    assert status_of(client, application_id)["status"] == "draft"


def test_another_users_application_is_not_found(
    client: TestClient, otp_drafted: tuple[str, str], sms: h.FakeSms, portal_app: FastAPI
) -> None:
    _, application_id = otp_drafted
    other = TestClient(portal_app)
    other.post(
        "/api/register", json={"iin": "790923490082", "password": "correct-horse-1", "phone": h.OTHER_PHONE}
    )
    other_token = other.post(
        "/api/login", json={"iin": "790923490082", "password": "correct-horse-1"}
    ).json()["csrf_token"]
    response = request_code(other, other_token, application_id)
    assert response.status_code == 404 and response.json()["error"] == "APPLICATION_NOT_FOUND"
    assert sms.sent == []
