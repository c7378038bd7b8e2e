"""sms-gateway: citizens' replies (the seed's "answering the portal's SMS") and how the sender polls them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from egov_kit.otp import MemoryOtpStore, OneTimePasswords, OtpAlreadyUsed, sms_text
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

PHONE = "+77011234567"
OTHER_PHONE = "+77771112233"
Shift = Callable[[timedelta], None]


def send(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"to": PHONE, "text": "Растау үшін ИӘ деп жауап беріңіз / Ответьте ДА", "sender": "EGOV", **fields}
    response = client.post("/api/messages", json=body)
    assert response.status_code == 202, response.text
    return dict(response.json())


def reply(client: TestClient, status: int = 201, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/replies", json={"from": PHONE, "text": "ИӘ", **fields})
    assert response.status_code == status, response.text
    return dict(response.json())


def test_a_reply_to_a_named_message_carries_its_sender_and_reference(client: TestClient) -> None:
    message = send(client, reference="APP-7")
    send(client, text="later, unrelated", reference="APP-8")
    answer = reply(client, **{"from": "+7 701 123 45 67", "in_reply_to": message["id"], "text": "ДА"})
    assert answer["id"].startswith("reply-")
    assert answer["from"] == PHONE
    assert (answer["in_reply_to"], answer["sender"], answer["reference"]) == (message["id"], "EGOV", "APP-7")
    assert answer["text"] == "ДА"
    assert datetime.fromisoformat(answer["received_at"]).utcoffset() == timedelta(hours=5)


def test_without_in_reply_to_a_reply_answers_the_newest_message_to_that_number(client: TestClient) -> None:
    send(client, reference="APP-1")
    newest = send(client, reference="APP-2")
    send(client, to=OTHER_PHONE, reference="APP-3")
    answer = reply(client)
    assert (answer["in_reply_to"], answer["reference"]) == (newest["id"], "APP-2")
    stranger = reply(client, **{"from": "+77050000000", "text": "who is this?"})
    assert (stranger["in_reply_to"], stranger["sender"], stranger["reference"]) == (None, None, None)


def test_bad_replies_are_named_400s(client: TestClient) -> None:
    message = send(client)
    assert reply(client, 400, in_reply_to="sms-unknown")["error"] == "IN_REPLY_TO_UNKNOWN"
    assert reply(client, 400, **{"from": OTHER_PHONE, "in_reply_to": message["id"]})["error"] == (
        "REPLY_FROM_OTHER_NUMBER"
    )
    assert reply(client, 400, **{"from": "+7 727 123"})["error"] == "INVALID_NUMBER"
    assert reply(client, 400, text="")["error"] == "EMPTY_TEXT"
    assert reply(client, 400, text="я" * 481)["error"] == "TEXT_TOO_LONG"
    assert client.get("/api/replies").json()["count"] == 0


def test_the_sender_polls_replies_oldest_first_since_a_moment(client: TestClient, shift_clock: Shift) -> None:
    send(client, reference="APP-1")
    first = reply(client, text="ИӘ")
    shift_clock(timedelta(minutes=1))
    send(client, to=OTHER_PHONE, sender="1414", reference="CALL-1")
    second = reply(client, **{"from": OTHER_PHONE, "text": "ДА"})
    shift_clock(timedelta(minutes=1))
    third = reply(client, text="ЖОҚ")

    polled = client.get("/api/replies").json()
    assert polled["count"] == 3
    assert [r["id"] for r in polled["replies"]] == [first["id"], second["id"], third["id"]]
    since_second = client.get("/api/replies", params={"since": second["received_at"]}).json()
    assert [r["id"] for r in since_second["replies"]] == [second["id"], third["id"]]
    for_egov = client.get("/api/replies", params={"sender": "EGOV"}).json()
    assert [r["text"] for r in for_egov["replies"]] == ["ИӘ", "ЖОҚ"]
    assert [r["id"] for r in client.get("/api/replies", params={"limit": 1}).json()["replies"]] == [
        first["id"]
    ]
    assert client.get("/api/replies", params={"since": "not a moment"}).json()["error"] == "INVALID_SINCE"


def test_one_time_password_by_sms_end_to_end(client: TestClient) -> None:
    # What the portal will do: issue a code, send it, the citizen reads it on the phone and types it.
    otp = OneTimePasswords(MemoryOtpStore(), b"portal-secret-for-this-test-only")
    issued = otp.issue("H3.confirm", "APP-2025-000001")
    text = sms_text(
        issued.code,
        "Выдача заключения о нуждаемости в санаторно-курортном лечении",
        "Санаторийлік-курорттық емдеу қажеттілігі туралы қорытынды беру",
        ttl=issued.ttl,
    )
    send(client, text=text, reference="APP-2025-000001")

    on_the_phone = client.get("/api/outbox", params={"to": PHONE, "reference": "APP-2025-000001", "limit": 1})
    (message,) = on_the_phone.json()["messages"]
    typed = re.search(r"\b(\d{6})\b", message["text"])
    assert typed is not None
    otp.verify("H3.confirm", "APP-2025-000001", typed.group(1))
    with pytest.raises(OtpAlreadyUsed):
        otp.verify("H3.confirm", "APP-2025-000001", typed.group(1))


def test_sending_continues_the_callers_trace_without_the_text(
    client: TestClient, spans: InMemorySpanExporter
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    body = {"to": PHONE, "text": "Код 564738", "sender": "EGOV", "reference": "APP-9"}
    accepted = client.post("/api/messages", json=body, headers=headers).json()
    accepting = [s for s in spans.get_finished_spans() if s.name == "sms-gateway: accept message"]
    assert accepting, [s.name for s in spans.get_finished_spans()]
    span = accepting[-1]
    assert format(span.context.trace_id, "032x") == trace_id
    attributes = dict(span.attributes or {})
    assert attributes["egov.sms.id"] == accepted["id"]
    assert attributes["egov.sms.reference"] == "APP-9"
    assert all("564738" not in str(value) and PHONE not in str(value) for value in attributes.values())
