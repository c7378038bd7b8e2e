"""The portal's one-time passwords (seed 004 item 10): SMS to the registered phone, expiry, single use, lock.

The codes go through the real SMS gateway app (sms-gateway, in-process over ASGI); the phone's view
is its outbox API. Time moves with the kit clock (``shift_clock``), never with sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from egov_kit.db import create_engine_for
from egov_portal.adapters.sms import HttpSmsGateway, SmsNotSent
from egov_portal.domain.otp import OtpRefused, mask_phone
from egov_portal.service_layer.otp_confirmation import OtpConfirmation, otp_confirmation
from egov_portal.settings import Settings
from fastapi.testclient import TestClient
from sms_gateway.entrypoints.app import create_app as create_sms_app
from sms_gateway.settings import Settings as SmsSettings
from sqlalchemy import inspect

PHONE = "+77012345678"
PURPOSE = "H3.confirm"
TITLE = ("Выдача заключения о нуждаемости в санаторно-курортном лечении", "Санаторийлік-курорттық емдеу")
CODE = re.compile(r"(?:құпиясөз|пароль): (\d{6})")


@pytest.fixture
def sms_app(tmp_path: Path) -> Iterator[TestClient]:
    """The SMS gateway (its database ready); the phone reads its outbox through this client."""
    with TestClient(create_sms_app(SmsSettings(var_dir=tmp_path / "sms"))) as phone:
        yield phone


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "portal")


@pytest.fixture
def otp(settings: Settings, sms_app: TestClient) -> OtpConfirmation:
    gateway = HttpSmsGateway("http://sms.test", transport=httpx.ASGITransport(app=sms_app.app))
    return otp_confirmation(settings, create_engine_for(settings.db_url), gateway)


def outbox(phone: TestClient, to: str = PHONE) -> list[dict[str, Any]]:
    response = phone.get("/api/outbox", params={"to": to})
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def code_in(message: dict[str, Any]) -> str:
    found = CODE.search(message["text"])
    assert found is not None, message["text"]
    return found.group(1)


async def send(otp: OtpConfirmation, subject: str = "APP-1") -> Any:
    return await otp.send_code(
        purpose=PURPOSE, subject=subject, phone=PHONE, title_ru=TITLE[0], title_kk=TITLE[1]
    )


def refused(action: Callable[[], object]) -> OtpRefused:
    with pytest.raises(OtpRefused) as raised:
        action()
    return raised.value


async def test_the_code_goes_by_sms_to_the_registered_phone_in_both_languages(
    otp: OtpConfirmation, sms_app: TestClient
) -> None:
    sent = await send(otp, "APP-42")
    assert sent.phone_masked == "+7 701 *** ** 78"
    assert sent.expires_at - sent.sent_at == timedelta(minutes=5)
    [message] = outbox(sms_app)
    assert message["to"] == PHONE and message["sender"] == "EGOV" and message["reference"] == "APP-42"
    assert message["id"] == sent.sms_id
    text = message["text"]
    assert "Бір реттік құпиясөз" in text and "Одноразовый пароль" in text
    assert "Кодты ешкімге айтпаңыз" in text and "Никому не сообщайте код" in text
    assert "5 минут" in text and "5 мин" in text
    assert outbox(sms_app, "+77770000000") == [], "nothing goes to another number"
    otp.verify(purpose=PURPOSE, subject="APP-42", code=code_in(message))


async def test_the_code_is_kept_only_as_a_keyed_hash(
    otp: OtpConfirmation, settings: Settings, sms_app: TestClient
) -> None:
    await send(otp)
    code = code_in(outbox(sms_app)[0])
    engine = create_engine_for(settings.db_url)
    assert "otp_code" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.exec_driver_sql("SELECT * FROM otp_code")]
    assert rows and all(code not in str(value) for row in rows for value in row)
    assert (settings.state_dir / "otp.key").stat().st_mode & 0o777 == 0o600


async def test_a_code_expires_after_five_minutes(
    otp: OtpConfirmation, sms_app: TestClient, shift_clock: Callable[..., None]
) -> None:
    await send(otp, "APP-1")
    await send(otp, "APP-2")
    first, second = (code_in(m) for m in reversed(outbox(sms_app)))
    shift_clock(minutes=4, seconds=59)
    otp.verify(purpose=PURPOSE, subject="APP-1", code=first)
    shift_clock(seconds=2)
    error = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-2", code=second))
    assert error.code == "OTP_EXPIRED" and error.http_status == 422
    assert "истёк" in error.message_ru and "өтті" in error.message_kk


async def test_a_code_confirms_once(otp: OtpConfirmation, sms_app: TestClient) -> None:
    await send(otp)
    code = code_in(outbox(sms_app)[0])
    otp.verify(purpose=PURPOSE, subject="APP-1", code=code)
    again = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-1", code=code))
    assert again.code == "OTP_ALREADY_USED" and again.http_status == 409
    other = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-2", code=code))
    assert other.code == "OTP_NOT_ISSUED", "a code confirms only its own request"


async def test_three_wrong_codes_lock_the_request_even_for_the_right_code(
    otp: OtpConfirmation, sms_app: TestClient
) -> None:
    await send(otp)
    code = code_in(outbox(sms_app)[0])
    wrong = "000000" if code != "000000" else "111111"
    first = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-1", code=wrong))
    assert first.code == "OTP_WRONG" and first.as_json()["attemptsLeft"] == "2"
    second = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-1", code=wrong))
    assert second.code == "OTP_WRONG" and second.as_json()["attemptsLeft"] == "1"
    third = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-1", code=wrong))
    assert third.code == "OTP_LOCKED" and third.http_status == 423 and "lockedUntil" in third.as_json()
    right = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-1", code=code))
    assert right.code == "OTP_LOCKED"
    with pytest.raises(OtpRefused) as reissue:
        await send(otp)
    assert reissue.value.code == "OTP_LOCKED", "no new code while locked"
    assert len(outbox(sms_app)) == 1


async def test_the_settings_move_the_expiry_and_the_attempts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sms_app: TestClient, shift_clock: Callable[..., None]
) -> None:
    monkeypatch.setenv("PORTAL_OTP_TTL_MINUTES", "2")
    monkeypatch.setenv("PORTAL_OTP_MAX_ATTEMPTS", "1")
    settings = Settings(var_dir=tmp_path / "portal2")
    gateway = HttpSmsGateway("http://sms.test", transport=httpx.ASGITransport(app=sms_app.app))
    otp = otp_confirmation(settings, create_engine_for(settings.db_url), gateway)
    sent = await send(otp)
    assert sent.expires_at - sent.sent_at == timedelta(minutes=2)
    assert "2 минут" in outbox(sms_app)[0]["text"]
    locked = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-1", code="xx"))
    assert locked.code == "OTP_LOCKED", "one wrong code is enough with PORTAL_OTP_MAX_ATTEMPTS=1"
    await send(otp, "APP-2")
    shift_clock(minutes=2)
    expired = refused(lambda: otp.verify(purpose=PURPOSE, subject="APP-2", code="123456"))
    assert expired.code == "OTP_EXPIRED"


async def test_a_gateway_that_refuses_or_is_down_is_a_named_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "INVALID_NUMBER", "message": "no"})

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler, detail in ((refuse, "INVALID_NUMBER"), (down, "недоступен")):
        gateway = HttpSmsGateway("http://sms.test", transport=httpx.MockTransport(handler))
        with pytest.raises(SmsNotSent) as raised:
            await gateway.send(to=PHONE, text="x")
        assert raised.value.code == "SMS_NOT_SENT" and raised.value.http_status == 503
        assert detail in raised.value.message_ru


async def test_the_gateway_gets_the_senders_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"id": "m-1", "to": PHONE, "parts": 2, "accepted_at": "x"})

    gateway = HttpSmsGateway(
        "http://sms.test/", token="s3cret", transport=httpx.MockTransport(accept), sender="EGOV"
    )
    sent = await gateway.send(to=PHONE, text="Код", reference="APP-1")
    assert (sent.id, sent.to, sent.parts) == ("m-1", PHONE, 2)
    assert seen[0].url.path == "/api/messages"
    assert seen[0].headers["authorization"] == "Bearer s3cret"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+77012345678", "+7 701 *** ** 78"), ("+77770001122", "+7 777 *** ** 22"), ("bad", "+7 *** *** ** **")],
)
def test_the_phone_is_shown_masked(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
