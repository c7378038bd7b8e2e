"""sms-gateway: sending, validation, the outbox and its filters (FastAPI TestClient)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from egov_kit.clock import now
from fastapi.testclient import TestClient
from sms_gateway.entrypoints.app import create_app
from sms_gateway.settings import Settings

PHONE = "+77011234567"
OTHER_PHONE = "+77771112233"
Shift = Callable[[timedelta], None]


def send(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"to": PHONE, "text": "Сәлем! Привет!", "sender": "EGOV", **fields}
    response = client.post("/api/messages", json=body)
    assert response.status_code == 202, response.text
    return dict(response.json())


def error_of(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"])


def test_healthz_and_settings(client: TestClient, settings: Settings) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["service"] == "sms-gateway"
    assert response.json()["checks"] == {"database": True}
    assert (settings.port, settings.service_name, settings.token) == (8107, "sms-gateway", None)
    assert settings.db_url.endswith("sms-gateway/db.sqlite")


def test_send_is_accepted_and_lands_in_the_outbox(client: TestClient) -> None:
    before = now()
    accepted = send(client, text="Бір реттік құпиясөз: 123456.", reference="APP-1")
    assert set(accepted) == {"id", "accepted_at", "to", "parts"}
    assert accepted["to"] == PHONE
    moment = datetime.fromisoformat(accepted["accepted_at"])
    assert moment.utcoffset() == timedelta(hours=5)
    assert before <= moment <= now()
    message = client.get(f"/api/outbox/{accepted['id']}").json()
    assert message == {
        "id": accepted["id"],
        "to": PHONE,
        "sender": "EGOV",
        "text": "Бір реттік құпиясөз: 123456.",
        "reference": "APP-1",
        "accepted_at": accepted["accepted_at"],
        "encoding": "UCS-2",
        "parts": 1,
    }


@pytest.mark.parametrize(
    "spelling", ["+7 701 123 45 67", "+7 (701) 123-45-67", "77011234567", " +77011234567 "]
)
def test_number_spellings_are_normalised(client: TestClient, spelling: str) -> None:
    assert send(client, to=spelling)["to"] == PHONE


@pytest.mark.parametrize(
    "number",
    [
        "+7 495 123 45 67",
        "+7 701 123 45 6",
        "+7 701 123 45 678",
        "87011234567",
        "+77011234ab7",
        "",
        "+1 701 123 4567",
    ],
)
def test_a_bad_number_is_a_named_400(client: TestClient, number: str) -> None:
    response = client.post("/api/messages", json={"to": number, "text": "x", "sender": "EGOV"})
    assert error_of(response) == "INVALID_NUMBER"
    assert "message" in response.json()


def test_text_up_to_480_characters_and_parts(client: TestClient) -> None:
    assert send(client, text="a" * 160)["parts"] == 1
    assert send(client, text="a" * 161)["parts"] == 2  # GSM-7: 153 per part of a long SMS
    assert send(client, text="ы" * 70)["parts"] == 1
    assert send(client, text="ы" * 71)["parts"] == 2  # UCS-2: 67 per part
    longest = send(client, text="қ" * 480)
    assert longest["parts"] == 8
    assert client.get(f"/api/outbox/{longest['id']}").json()["encoding"] == "UCS-2"
    assert client.get(f"/api/outbox/{send(client, text='{x}')['id']}").json()["encoding"] == "GSM-7"


def test_too_long_empty_bad_sender_bad_reference_are_named_400s(client: TestClient) -> None:
    post = client.post
    base = {"to": PHONE, "sender": "EGOV"}
    assert error_of(post("/api/messages", json={**base, "text": "x" * 481})) == "TEXT_TOO_LONG"
    assert error_of(post("/api/messages", json={**base, "text": "   "})) == "EMPTY_TEXT"
    for sender in ("", "TWELVE-CHARS", "-EGOV", "ЭГОВ"):
        response = post("/api/messages", json={**base, "text": "x", "sender": sender})
        assert error_of(response) == "INVALID_SENDER", sender
    response = post("/api/messages", json={**base, "text": "x", "reference": "r" * 201})
    assert error_of(response) == "INVALID_REFERENCE"
    assert client.get("/api/outbox").json()["count"] == 0  # nothing rejected was stored
    assert post("/api/messages", json={"to": PHONE, "text": "x"}).status_code == 422  # sender required


def test_outbox_is_newest_first_and_filters_by_number_sender_reference(client: TestClient) -> None:
    first = send(client, text="one", reference="APP-1")
    second = send(client, to=OTHER_PHONE, text="two", sender="1414")
    third = send(client, text="three", reference="APP-2")

    everything = client.get("/api/outbox").json()
    assert everything["count"] == 3
    assert [m["id"] for m in everything["messages"]] == [third["id"], second["id"], first["id"]]

    mine = client.get("/api/outbox", params={"to": PHONE}).json()
    assert [m["text"] for m in mine["messages"]] == ["three", "one"]
    # The number in any spelling, even with an unencoded '+' (a space once decoded).
    assert client.get(f"/api/outbox?to={quote('+7 701 123 45 67')}").json()["count"] == 2
    assert client.get("/api/outbox?to=+77011234567").json()["count"] == 2
    assert client.get("/api/outbox", params={"sender": "1414"}).json()["messages"][0]["id"] == second["id"]
    assert client.get("/api/outbox", params={"sender": "EGOV", "to": OTHER_PHONE}).json()["count"] == 0
    by_reference = client.get("/api/outbox", params={"reference": "APP-2"}).json()
    assert [m["id"] for m in by_reference["messages"]] == [third["id"]]
    assert [m["id"] for m in client.get("/api/outbox", params={"limit": 1}).json()["messages"]] == [
        third["id"]
    ]
    assert error_of(client.get("/api/outbox", params={"to": "12345"})) == "INVALID_NUMBER"
    assert client.get("/api/outbox", params={"limit": 0}).status_code == 422


def test_outbox_since(client: TestClient, shift_clock: Shift) -> None:
    send(client, text="old")
    shift_clock(timedelta(minutes=10))
    recent = send(client, text="recent")
    moment = datetime.fromisoformat(recent["accepted_at"])
    since = recent["accepted_at"]
    assert [m["text"] for m in client.get("/api/outbox", params={"since": since}).json()["messages"]] == [
        "recent"
    ]
    # The same moment in UTC, naive (taken as UTC+5), or with an unencoded '+' of its offset.
    in_utc = (moment - timedelta(minutes=1)).astimezone(UTC).isoformat()
    assert client.get("/api/outbox", params={"since": in_utc}).json()["count"] == 1
    naive = (moment - timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    assert client.get("/api/outbox", params={"since": naive}).json()["count"] == 1
    assert client.get(f"/api/outbox?since={since}").json()["count"] == 1
    earlier = (moment - timedelta(minutes=20)).isoformat()
    assert client.get("/api/outbox", params={"since": earlier}).json()["count"] == 2
    assert error_of(client.get("/api/outbox", params={"since": "yesterday"})) == "INVALID_SINCE"


def test_an_unknown_message_is_a_named_404(client: TestClient) -> None:
    assert error_of(client.get("/api/outbox/sms-nothing"), 404) == "MESSAGE_NOT_FOUND"


def test_messages_survive_a_restart(settings: Settings) -> None:
    with TestClient(create_app(settings)) as first:
        sent = send(first, text="kept")
    with TestClient(create_app(settings)) as second:
        assert second.get(f"/api/outbox/{sent['id']}").json()["text"] == "kept"


def test_texts_and_full_numbers_stay_out_of_the_logs(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="sms_gateway"):
        sent = send(client, text="Код 918273")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert sent["id"] in logged
    assert "918273" not in logged and PHONE not in logged
    assert "+7701***4567" in logged


def test_a_token_guards_the_senders_side_when_configured(tmp_path: Any) -> None:
    settings = Settings(var_dir=tmp_path / "var", token="sms-dev-token")
    with TestClient(create_app(settings)) as client:
        body = {"to": PHONE, "text": "x", "sender": "EGOV"}
        refused = client.post("/api/messages", json=body)
        assert error_of(refused, 401) == "UNAUTHORIZED"
        assert refused.headers["www-authenticate"] == "Bearer"
        wrong = client.post("/api/messages", json=body, headers={"Authorization": "Bearer other"})
        assert error_of(wrong, 401) == "UNAUTHORIZED"
        auth = {"Authorization": "Bearer sms-dev-token"}
        assert client.post("/api/messages", json=body, headers=auth).status_code == 202
        assert error_of(client.get("/api/replies"), 401) == "UNAUTHORIZED"
        assert client.get("/api/replies", headers=auth).status_code == 200
        # The phone's side stays open: reading the outbox, answering an SMS.
        assert client.get("/api/outbox").json()["count"] == 1
        assert client.post("/api/replies", json={"from": PHONE, "text": "ИӘ"}).status_code == 201
