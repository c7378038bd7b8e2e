"""One application, one trace: step spans named after the regulation, continued from the session."""

from __future__ import annotations

from typing import Any

from egov_kit.regulations import load_regulation
from egov_kit.telemetry import extracted
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.portal.support import ADULT, PASSWORD, PHONE, context, sign, status_update

REPLAY_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
REPLAY_PARENT = "00f067aa0ba902b7"
TRACEPARENT = f"00-{REPLAY_TRACE}-{REPLAY_PARENT}-01"


def named(exporter: InMemorySpanExporter, step_id: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if (s.attributes or {}).get("egov.step.id") == step_id]


def one(exporter: InMemorySpanExporter, step_id: str) -> ReadableSpan:
    found = named(exporter, step_id)
    assert len(found) == 1, [s.name for s in exporter.get_finished_spans()]
    return found[0]


def trace_of(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


def draft_and_submit(client: TestClient, token: str, keypair: Any, **headers: str) -> str:
    """Process 3 then condition 2 for H1 (ZHM-TRZ-01), signed with ``keypair``; the applicationId."""
    sent = {"X-CSRF-Token": token, **headers}
    created = client.post(
        "/api/applications/H1/draft",
        json={"organisationCode": "ZHM-TRZ-01", "reason": "Переезд"},
        headers=sent,
    ).json()
    application_id = str(created["applicationId"])
    client.post(
        "/api/applications/H1",
        json={"applicationId": application_id, "signed_xml": sign(created["xml"], keypair)},
        headers=sent,
    )
    return application_id


def test_session_trace_starts_at_process_1_and_carries_the_application(
    client: TestClient, spans: InMemorySpanExporter, keys: Any, shep: Any
) -> None:
    h1 = load_regulation("H1")
    client.post("/api/register", json={"iin": ADULT, "password": PASSWORD, "phone": PHONE})
    token = client.post("/api/login", json={"iin": ADULT, "password": PASSWORD}).json()["csrf_token"]
    process_1 = one(spans, "process 1")
    assert process_1.parent is None  # the session's trace starts here
    assert process_1.name == h1.step("portal", "process 1").span_name
    assert one(spans, "condition 1").parent.span_id == process_1.context.span_id  # type: ignore[union-attr]
    session_trace = trace_of(process_1)

    application_id = draft_and_submit(client, token, keys.adult)
    for step_id in ("process 3", "condition 2", "process 5"):
        span = one(spans, step_id)
        assert trace_of(span) == session_trace, step_id
        assert span.attributes["egov.application"] == application_id  # type: ignore[index]
        assert span.attributes["egov.system"] == "egov-portal"  # type: ignore[index]
        assert span.name == h1.step("portal", step_id).span_name
    assert named(spans, "process 4") == []
    # ШЭП was called inside the application's trace (the HTTP headers carry it to the gateway)
    assert shep.sent[0].trace_id == session_trace


def test_a_traceparent_header_is_continued(
    client: TestClient, spans: InMemorySpanExporter, keys: Any
) -> None:
    headers = {"traceparent": TRACEPARENT}
    client.post("/api/register", json={"iin": ADULT, "password": PASSWORD, "phone": PHONE}, headers=headers)
    token = client.post("/api/login", json={"iin": ADULT, "password": PASSWORD}, headers=headers).json()[
        "csrf_token"
    ]
    process_1 = one(spans, "process 1")
    assert trace_of(process_1) == REPLAY_TRACE
    assert format(process_1.parent.span_id, "016x") == REPLAY_PARENT  # type: ignore[union-attr]
    draft_and_submit(client, token, keys.expired, **headers)
    for step_id in ("process 3", "condition 2", "process 4"):
        assert trace_of(one(spans, step_id)) == REPLAY_TRACE, step_id
    refusal = one(spans, "process 4")
    assert refusal.attributes["egov.refusal.code"] == "CERT_EXPIRED"  # type: ignore[index]


def test_refused_login_is_process_2(client: TestClient, spans: InMemorySpanExporter) -> None:
    client.post("/api/login", json={"iin": ADULT, "password": PASSWORD})
    assert one(spans, "condition 1").attributes["egov.condition.result"] == "refused"  # type: ignore[index]
    assert one(spans, "process 2").attributes["egov.refusal.code"] == "UNKNOWN_IIN"  # type: ignore[index]


def test_update_keeps_the_message_context_and_names_the_application(
    client: TestClient, spans: InMemorySpanExporter, keys: Any, shep: Any
) -> None:
    client.post("/api/register", json={"iin": ADULT, "password": PASSWORD, "phone": PHONE})
    token = client.post("/api/login", json={"iin": ADULT, "password": PASSWORD}).json()["csrf_token"]
    application_id = draft_and_submit(client, token, keys.adult)
    applications = client.app.state.portal.applications  # type: ignore[attr-defined]

    async def consume() -> None:  # what the bus consumer does: the AMQP headers' context is current
        with extracted({"traceparent": TRACEPARENT}):
            await applications.on_attachment_message(
                status_update(application_id, "RPN-2025-000200"), context("UPDATE", shep.sent[0].message_id)
            )

    assert client.portal is not None
    client.portal.call(consume)
    update = next(s for s in spans.get_finished_spans() if "UPDATE" in s.name)
    assert trace_of(update) == REPLAY_TRACE
    assert update.attributes["egov.application"] == application_id  # type: ignore[index]
    assert update.attributes["egov.application.traceparent"].startswith("00-")  # type: ignore[index,union-attr]
