"""«1414»: the status of an application by its number — no login, no personal data, rate-limited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from egov_kit import clock
from egov_kit.calendar import get_calendar
from egov_portal.entrypoints.limits import RateLimiter, TooManyRequests
from fastapi.testclient import TestClient

from tests.portal.results_support import finished, registered, sent_application
from tests.portal.support import ADULT, ORG_BIN, ORGANISATIONS

Login = Callable[..., str]

KEYS = {"number", "status", "statusText", "service", "submittedAt", "registeredAt", "resultAt", "dueAt"}
# What must never leave through «1414»: the recipient's ИИН and name, the organisation, the talon.
PERSONAL = [
    ADULT,
    "Ахметов",
    "Ерлан",
    "Серікович",
    ORG_BIN,
    ORGANISATIONS[0].name_ru,
    ORGANISATIONS[0].name_kk,
    "ZHM-TRZ-01",
    "T-2025-000001",
    "Иванов",
    "Смена места жительства",
]


def anonymous(client: TestClient) -> TestClient:
    """The same browser after logout: no session cookie at all."""
    client.cookies.clear()
    return client


def test_status_by_portal_number_and_by_registration_number(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    application_id, message_id = sent_application(client, token, keys.adult)
    registered(client, application_id, message_id, "RPN-2025-000500")
    anonymous(client)

    by_id = client.get(f"/api/status/{application_id}")
    assert by_id.status_code == 200, by_id.text
    body = by_id.json()
    assert set(body) == KEYS
    assert body["number"] == application_id
    assert body["status"] == "registered"
    assert body["statusText"] == {"ru": "Зарегистрировано услугодателем", "kk": "Қызмет беруші тіркеді"}
    assert body["service"]["id"] == "H1"
    assert body["service"]["name_ru"].startswith("Прикрепление")
    assert body["service"]["name_kk"]
    assert body["resultAt"] is None
    # due: one working day (H1's norm) from the registration moment of the request (after 18:00, at a
    # weekend or a holiday: from 9:00 of the next working day)
    calendar = get_calendar()
    submitted = datetime.fromisoformat(body["submittedAt"])
    expected_due = calendar.add_working_days(calendar.registration_moment(submitted), 1)
    assert datetime.fromisoformat(body["dueAt"]) == expected_due
    assert datetime.fromisoformat(body["registeredAt"]) >= submitted

    by_number = client.get("/api/status/RPN-2025-000500").json()
    assert by_number["number"] == "RPN-2025-000500"
    assert {k: v for k, v in by_number.items() if k != "number"} == {
        k: v for k, v in body.items() if k != "number"
    }


def test_finished_application_shows_the_result_date_and_no_personal_data(
    client: TestClient, api_login: Login, keys: Any
) -> None:
    token = api_login()
    application_id = finished(client, token, keys, "RPN-2025-000501")
    anonymous(client)

    response = client.get("/api/status/RPN-2025-000501")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "done"
    assert body["resultAt"] is not None and body["dueAt"] is None
    for secret in PERSONAL:
        assert secret not in response.text, secret
    assert application_id not in response.text  # asked by the provider's number: the portal id stays out

    page = client.get("/status", params={"number": "RPN-2025-000501"})
    assert page.status_code == 200
    assert 'data-status="done"' in page.text
    assert "Қызмет көрсетілді" in page.text  # Kazakh by default
    for secret in PERSONAL:
        assert secret not in page.text, secret
    ru = client.get("/status", params={"number": "RPN-2025-000501", "lang": "ru"}).text
    assert "Услуга оказана" in ru
    for secret in PERSONAL:
        assert secret not in ru, secret


def test_refused_application_shows_no_refusal_ground(client: TestClient, api_login: Login, keys: Any) -> None:
    token = api_login()
    finished(client, token, keys, "RPN-2025-000502", refused=True)
    anonymous(client)
    response = client.get("/api/status/RPN-2025-000502")
    assert response.json()["status"] == "refused"
    assert "ALREADY_ATTACHED" not in response.text
    assert "прикреплён" not in response.text


def test_unknown_and_malformed_numbers_are_named_errors(client: TestClient) -> None:
    missing = client.get("/api/status/RPN-2025-999999")
    assert missing.status_code == 404
    assert missing.json()["error"] == "STATUS_NOT_FOUND"
    assert missing.json()["message_ru"] == "Заявление с таким номером не найдено"
    assert missing.json()["message_kk"] == "Мұндай нөмірлі өтініш табылмады"

    for bad in ("x" * 65, "_hidden", "RPN 2025"):
        response = client.get(f"/api/status/{bad}")
        assert response.status_code == 400, bad
        assert response.json()["error"] == "STATUS_NUMBER_INVALID"

    page = client.get("/status", params={"number": "RPN-2025-999999"})
    assert page.status_code == 404
    assert 'data-error-code="STATUS_NOT_FOUND"' in page.text
    assert "Мұндай нөмірлі өтініш табылмады" in page.text
    form = client.get("/status")
    assert form.status_code == 200 and 'name="number"' in form.text


def test_rate_limit_answers_429_and_frees_after_the_window(
    client: TestClient, portal_app: Any, shift_clock: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "_clock", clock.Clock(speed=0.0))  # time stands still until moved
    limit = portal_app.state.settings.status_lookup_limit
    assert limit == 10  # the default: 10 look-ups per minute per client IP
    for n in range(limit):
        assert client.get(f"/api/status/RPN-2025-{n:06d}").status_code == 404  # unknown ones count too
    client.get("/status")  # the empty form is no look-up

    refused = client.get("/api/status/RPN-2025-000001")
    assert refused.status_code == 429
    assert refused.json()["error"] == "TOO_MANY_REQUESTS"
    assert refused.json()["message_kk"] and refused.json()["message_ru"]
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after == 60
    page = client.get("/status", params={"number": "RPN-2025-000001"})
    assert page.status_code == 429
    assert 'data-error-code="TOO_MANY_REQUESTS"' in page.text
    assert page.headers["Retry-After"]

    other_ip = TestClient(portal_app, client=("203.0.113.7", 50000))
    assert other_ip.get("/api/status/RPN-2025-000001").status_code == 404  # another address is not limited

    shift_clock(seconds=retry_after - 1)
    assert client.get("/api/status/RPN-2025-000001").status_code == 429
    shift_clock(seconds=1)
    assert client.get("/api/status/RPN-2025-000001").status_code == 404


def test_the_limiter_forgets_the_longest_unseen_addresses_first() -> None:
    moment = datetime(2025, 3, 3, 10, 0, tzinfo=clock.KZ_TZ)
    limiter = RateLimiter(1, timedelta(minutes=1), max_keys=2, now=lambda: moment)
    limiter.hit("a")
    limiter.hit("b")
    with pytest.raises(TooManyRequests):
        limiter.hit("a")  # "a" is now the most recently seen
    limiter.hit("c")  # three addresses: "b" is forgotten
    limiter.hit("b")
    with pytest.raises(TooManyRequests) as raised:
        limiter.hit("c")
    assert raised.value.headers == {"Retry-After": "60"}
