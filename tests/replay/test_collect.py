"""Collecting a replay's trace: trace-sink and Jaeger sources, the journal, waiting for late spans."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from egov_cli.replay.collect import (
    CollectError,
    JaegerSource,
    JournalSource,
    TraceSinkSource,
    await_spans,
    collect,
    spans_from_jaeger,
)
from egov_cli.replay.compare import ObservedSpan
from fastapi.testclient import TestClient
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from trace_sink.entrypoints.app import create_app
from trace_sink.settings import Settings

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(var_dir=tmp_path / "var"))) as client:  # type: ignore[call-arg]
        yield client


def test_trace_sink_source_reads_what_services_exported(sink: TestClient) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "egov-portal"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("process 5: send") as span:
        span.set_attribute("egov.step.id", "process 5")
        with provider.get_tracer("t").start_as_current_span("ШЭП sendMessage") as client_span:
            client_span.set_attribute("shep.message_id", "m-1")
        trace_id = format(span.get_span_context().trace_id, "032x")
    provider.shutdown()
    body = encode_spans(exporter.get_finished_spans()).SerializeToString()
    assert sink.post(
        "/v1/traces", content=body, headers={"Content-Type": "application/x-protobuf"}
    ).is_success

    source = TraceSinkSource("http://testserver", sink)
    spans = source.trace(trace_id)
    assert [(s.service, s.step_id, s.message_id) for s in spans] == [
        ("egov-portal", "process 5", None),
        ("egov-portal", None, "m-1"),
    ]
    assert spans[1].parent_span_id == spans[0].span_id
    assert source.trace("0" * 32) == []


def test_unreachable_sources_raise_collect_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(CollectError, match="trace-sink"):
            TraceSinkSource("http://sink", client).trace(TRACE)
        with pytest.raises(CollectError, match="Jaeger"):
            JaegerSource("http://jaeger", client).trace(TRACE)
        with pytest.raises(CollectError, match="gateway"):
            JournalSource("http://shep", client).entries(TRACE)


JAEGER_ANSWER: dict[str, Any] = {
    "data": [
        {
            "traceID": TRACE,
            "spans": [
                {
                    "traceID": TRACE,
                    "spanID": "00f067aa0ba902b7",
                    "operationName": "process 6: register",
                    "references": [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": "a2fb4a1d1a96d312"}],
                    "startTime": 1_700_000_000_000_000,
                    "duration": 1500,
                    "tags": [
                        {"key": "egov.step.id", "type": "string", "value": "process 6"},
                        {"key": "egov.step.number", "type": "int64", "value": 6},
                        {"key": "otel.status_code", "type": "string", "value": "ERROR"},
                    ],
                    "processID": "p1",
                },
                {
                    "traceID": TRACE,
                    "spanID": "a2fb4a1d1a96d312",
                    "operationName": "replay h1",
                    "references": [],
                    "startTime": 1_699_999_999_999_000,
                    "duration": 5000,
                    "tags": [],
                    "processID": "p2",
                },
            ],
            "processes": {"p1": {"serviceName": "phc-registry"}, "p2": {"serviceName": "egov-replay"}},
        }
    ]
}


def test_jaeger_answer_becomes_observed_spans() -> None:
    root, step = spans_from_jaeger(JAEGER_ANSWER)
    assert root.service == "egov-replay" and root.parent_span_id == ""
    assert step.service == "phc-registry"
    assert step.parent_span_id == "a2fb4a1d1a96d312"
    assert step.step_id == "process 6"
    assert step.attributes["egov.step.number"] == 6
    assert step.status == "error"
    assert step.start_ns == 1_700_000_000_000_000_000
    assert step.end_ns - step.start_ns == 1_500_000

    def jaeger(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/api/traces/{TRACE}":
            return httpx.Response(200, json=JAEGER_ANSWER)
        return httpx.Response(404, json={"errors": [{"code": 404, "msg": "trace not found"}]})

    with httpx.Client(transport=httpx.MockTransport(jaeger)) as client:
        source = JaegerSource("http://127.0.0.1:16686", client)
        assert len(source.trace(TRACE)) == 2
        assert source.trace("1" * 32) == []


def _entry(entry_id: int, **fields: Any) -> dict[str, Any]:
    base = {
        "id": entry_id,
        "message_id": f"m-{entry_id}",
        "correlation_id": None,
        "service_id": "RPN_Attachment",
        "sender_id": "EGOV_PORTAL",
        "recipient_id": "PHC_REGISTRY",
        "direction": "inbound",
        "channel": "async",
        "message_type": "REQUEST",
        "status": "accepted",
        "error_code": None,
        "trace_id": TRACE,
        "created_at": "2023-11-14T22:13:20+00:00",
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    base.update(fields)
    return base


def test_journal_entries_by_trace_and_by_message_and_correlation_id() -> None:
    recent = [_entry(5, trace_id="other"), _entry(3), _entry(2, trace_id=None)]
    by_message = {"m-9": [_entry(9, trace_id=None)]}
    by_correlation = {"m-3": [_entry(4, message_id="m-4", correlation_id="m-3", trace_id=None)]}
    asked: list[dict[str, str]] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        asked.append(params)
        if "message_id" in params:
            return httpx.Response(200, json=by_message.get(params["message_id"], []))
        if "correlation_id" in params:
            return httpx.Response(200, json=by_correlation.get(params["correlation_id"], []))
        return httpx.Response(200, json=recent)

    with httpx.Client(transport=httpx.MockTransport(gateway)) as client:
        entries = JournalSource("http://shep", client).entries(TRACE, ["m-9"])
    assert [entry.id for entry in entries] == [3, 4, 9]
    assert entries[1].correlation_id == "m-3"
    assert asked[0] == {"limit": "1000"}


class FakeSource:
    name = "fake"

    def __init__(self, batches: list[list[str]]) -> None:
        self.batches = batches
        self.calls = 0

    def trace(self, trace_id: str) -> list[ObservedSpan]:
        steps = self.batches[min(self.calls, len(self.batches) - 1)]
        self.calls += 1
        return [
            ObservedSpan(
                trace_id, f"{i:016x}", "", "egov-portal", step, i, i + 1, attributes={"egov.step.id": step}
            )
            for i, step in enumerate(steps)
        ]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_waits_until_every_awaited_step_then_settles() -> None:
    source = FakeSource([[], ["process 1"], ["process 1", "process 2"], ["process 1", "process 2", "late"]])
    clock = FakeClock()
    spans, complete = await_spans(
        source, TRACE, ["process 1", "process 2"], timeout=10, settle=1.5, clock=clock, sleep=clock.sleep
    )
    assert complete
    assert [s.step_id for s in spans] == ["process 1", "process 2", "late"]  # re-read after settling
    assert clock.slept[-1] == 1.5


def test_an_end_step_stops_the_wait_early_with_a_longer_settle() -> None:
    source = FakeSource([["process 1"], ["process 1", "process 4"]])
    clock = FakeClock()
    _spans, complete = await_spans(
        source,
        TRACE,
        ["process 1", "process 5"],
        timeout=60,
        end_steps=["process 4"],
        settle=1.0,
        diverged_settle=6.0,
        clock=clock,
        sleep=clock.sleep,
    )
    assert not complete
    assert clock.slept[-1] == 6.0
    assert clock.now < 60


def test_timeout_returns_what_arrived() -> None:
    source = FakeSource([["process 1"]])
    clock = FakeClock()
    spans, complete = await_spans(source, TRACE, ["process 9"], timeout=3, clock=clock, sleep=clock.sleep)
    assert not complete and [s.step_id for s in spans] == ["process 1"]


def test_collect_notes_an_incomplete_trace_and_an_unreadable_journal() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        observation = collect(
            FakeSource([["process 1"]]),
            JournalSource("http://shep", client),
            TRACE,
            ["process 2"],
            timeout=0.01,
            settle=0,
        )
    assert not observation.complete
    assert any("not every expected step" in note for note in observation.notes)
    assert any("journal answered HTTP 503" in note for note in observation.notes)


def test_receiver_backed_api_speaks_trace_sinks_json() -> None:
    from tests.replay.receiver_api import ReceiverTraceApi
    from tests.support.otlp import ReceivedSpan

    class Receiver:
        def trace(self, trace_id: str) -> list[ReceivedSpan]:
            if trace_id != TRACE:
                return []
            return [
                ReceivedSpan(
                    "phc-registry",
                    "process 6: x",
                    TRACE,
                    "00000000000000a1",
                    "",
                    {"egov.step.id": "process 6"},
                    5,
                    9,
                )
            ]

    api = ReceiverTraceApi(Receiver()).start()  # type: ignore[arg-type]
    try:
        with httpx.Client() as client:
            source = TraceSinkSource(api.url, client)
            (span,) = source.trace(TRACE)
            assert (span.service, span.step_id, span.start_ns) == ("phc-registry", "process 6", 5)
            assert source.trace("0" * 32) == []
    finally:
        api.stop()
