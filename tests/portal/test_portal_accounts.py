"""Registration (step 0), authorisation (process 1, condition 1, process 2), lockout, sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from egov_kit.errors import KitError
from fastapi.testclient import TestClient

from tests.portal.support import ABSENT, ADULT, BAD_CHECK_DIGIT, DECEASED, PASSWORD, PHONE


def register(client: TestClient, iin: str = ADULT, password: str = PASSWORD, phone: str = PHONE) -> Any:
    return client.post("/api/register", json={"iin": iin, "password": password, "phone": phone})


def login(client: TestClient, iin: str = ADULT, password: str = PASSWORD) -> Any:
    return client.post("/api/login", json={"iin": iin, "password": password})


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True}


def test_registration_checks_the_person_in_gbdfl_through_shep(client: TestClient, shep: Any) -> None:
    response = register(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["iin"] == ADULT
    assert body["surname"] == "Ахметов"
    assert body["phone"] == "+7 701 234 56 78"
    assert body["region"]["code"] == "310000000"
    assert shep.calls_of("GBDFL_UniversalServiceSync") == 1


@pytest.mark.parametrize(
    ("iin", "password", "phone", "status", "code"),
    [
        (BAD_CHECK_DIGIT, PASSWORD, PHONE, 400, "INVALID_IIN"),
        ("12345", PASSWORD, PHONE, 400, "INVALID_IIN"),
        (ABSENT, PASSWORD, PHONE, 422, "PERSON_NOT_FOUND"),
        (DECEASED, PASSWORD, PHONE, 422, "PERSON_DECEASED"),
        (ADULT, "short", PHONE, 400, "INVALID_PASSWORD"),
        (ADULT, PASSWORD, "+7 601 234 56 78", 400, "INVALID_PHONE"),
        (ADULT, PASSWORD, "87012345678", 400, "INVALID_PHONE"),
    ],
)
def test_registration_refusals_are_named_in_both_languages(
    client: TestClient, shep: Any, iin: str, password: str, phone: str, status: int, code: str
) -> None:
    response = register(client, iin, password, phone)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["message_ru"] and body["message_kk"] and body["message_ru"] != body["message_kk"]
    # nothing was stored: logging in is refused as an unknown ИИН
    assert login(client, iin, password).json()["error"] in ("UNKNOWN_IIN", "WRONG_PASSWORD")
    if code in ("INVALID_IIN", "INVALID_PASSWORD", "INVALID_PHONE"):
        assert shep.calls_of("GBDFL_UniversalServiceSync") == 0  # checked before asking ГБД ФЛ


def test_registration_twice_is_refused(client: TestClient) -> None:
    assert register(client).status_code == 201
    response = register(client)
    assert response.status_code == 409
    assert response.json()["error"] == "ALREADY_REGISTERED"


def test_registration_when_gbdfl_is_unreachable(client: TestClient, shep: Any) -> None:
    shep.fail_sync["GBDFL_UniversalServiceSync"] = KitError("down", code="PROVIDER_TIMEOUT")
    response = register(client)
    assert response.status_code == 503
    assert response.json()["error"] == "EXTERNAL_UNAVAILABLE"
    assert login(client).json()["error"] == "UNKNOWN_IIN"


def test_login_sets_a_hardened_session_cookie_and_returns_the_csrf_token(client: TestClient) -> None:
    register(client)
    response = login(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["csrf_token"]) >= 32
    assert body["user"]["fullName"] == "Ахметов Ерлан Серікович"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("egov_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    me = client.get("/api/me")
    assert me.status_code == 200 and me.json()["user"]["iin"] == ADULT


def test_cookie_is_secure_over_https(portal_app: Any) -> None:
    with TestClient(portal_app, base_url="https://portal.test") as secure:
        register(secure)
        cookie = login(secure).headers["set-cookie"]
    assert "Secure" in cookie


def test_process_2_unknown_iin_and_wrong_password(client: TestClient) -> None:
    unknown = login(client)
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "UNKNOWN_IIN"
    register(client)
    wrong = login(client, password="not-the-password")
    assert wrong.status_code == 401
    body = wrong.json()
    assert body["error"] == "WRONG_PASSWORD"
    assert "4" in body["message_ru"] and "4" in body["message_kk"]  # attempts left
    assert client.get("/api/me").status_code == 401


def test_lockout_after_five_failures_for_fifteen_minutes(
    client: TestClient, shift_clock: Callable[..., None]
) -> None:
    register(client)
    codes = [login(client, password=f"wrong-password-{i}").json()["error"] for i in range(5)]
    assert codes == ["WRONG_PASSWORD"] * 4 + ["ACCOUNT_LOCKED"]
    locked = login(client)  # even the right password
    assert locked.status_code == 401 and locked.json()["error"] == "ACCOUNT_LOCKED"
    shift_clock(minutes=14)
    assert login(client).json()["error"] == "ACCOUNT_LOCKED"
    shift_clock(minutes=2)
    assert login(client).status_code == 200


def test_a_success_resets_the_failure_count(client: TestClient) -> None:
    register(client)
    for i in range(4):
        assert login(client, password=f"wrong-{i}-password").json()["error"] == "WRONG_PASSWORD"
    assert login(client).status_code == 200
    for i in range(4):
        assert login(client, password=f"wrong-{i}-password").json()["error"] == "WRONG_PASSWORD"
    assert login(client).status_code == 200


def test_session_expires_when_idle(client: TestClient, shift_clock: Callable[..., None]) -> None:
    register(client)
    login(client)
    assert client.get("/api/me").status_code == 200
    shift_clock(minutes=31)
    assert client.get("/api/me").status_code == 401


def test_logout_needs_the_csrf_header_and_ends_the_session(client: TestClient, api_login: Any) -> None:
    token = api_login()
    refused = client.post("/api/logout")
    assert refused.status_code == 403 and refused.json()["error"] == "CSRF_REJECTED"
    assert client.get("/api/me").status_code == 200  # nothing changed
    assert client.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.get("/api/me").status_code == 401


def test_login_refreshes_the_cached_gbdfl_record(client: TestClient, shep: Any) -> None:
    register(client)
    before = shep.calls_of("GBDFL_UniversalServiceSync")
    login(client)
    assert shep.calls_of("GBDFL_UniversalServiceSync") == before + 1
    # ГБД ФЛ down at login: the cached record is kept and the login succeeds
    shep.fail_sync["GBDFL_UniversalServiceSync"] = KitError("down", code="PROVIDER_UNAVAILABLE")
    response = login(client)
    assert response.status_code == 200
    assert response.json()["user"]["region"]["code"] == "310000000"
