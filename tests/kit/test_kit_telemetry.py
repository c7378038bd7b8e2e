"""Step spans, named-error recording and W3C trace context carriers (`egov_kit.telemetry`)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from egov_kit.errors import KitError
from egov_kit.telemetry import (
    add_span_processor,
    current_trace_id,
    extracted,
    inject,
    span,
    step_span,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

T = TypeVar("T")


@pytest.fixture(scope="module")
def _exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # the processor stays on the provider; stop it from collecting


@pytest.fixture
def spans(_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    _exporter.clear()
    yield _exporter
    _exporter.clear()


def in_fresh_context(fn: Callable[[], T]) -> T:
    """Run ``fn`` with no current span or trace context (as a consumer on another connection)."""
    return contextvars.Context().run(fn)


def finished(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    matching = [s for s in spans.get_finished_spans() if s.name == name]
    assert len(matching) == 1, [s.name for s in spans.get_finished_spans()]
    return matching[0]


def test_step_span_is_named_after_the_step_and_carries_its_attributes(spans: InMemorySpanExporter) -> None:
    with step_span(
        "process 5",
        "send through ШЭП",
        system="egov-portal",
        application="A-1",
        service="H1",
        channel="portal",
    ):
        pass
    recorded = finished(spans, "process 5: send through ШЭП")
    assert dict(recorded.attributes or {}) == {
        "egov.step.id": "process 5",
        "egov.step.title": "send through ШЭП",
        "egov.system": "egov-portal",
        "egov.application": "A-1",
        "egov.service": "H1",
        "egov.channel": "portal",
    }
    assert recorded.kind is SpanKind.INTERNAL
    assert recorded.status.status_code is StatusCode.UNSET


def test_step_span_leaves_out_missing_attributes_and_adds_extra_ones(spans: InMemorySpanExporter) -> None:
    with step_span("condition 2", "is the applicant an adult", system="gbd-fl", attributes={"egov.iin": "x"}):
        pass
    attributes = dict(finished(spans, "condition 2: is the applicant an adult").attributes or {})
    assert attributes == {
        "egov.step.id": "condition 2",
        "egov.step.title": "is the applicant an adult",
        "egov.system": "gbd-fl",
        "egov.iin": "x",
    }


def test_step_spans_nest(spans: InMemorySpanExporter) -> None:
    with step_span("process 1", "outer", system="s") as outer, step_span("process 2", "inner", system="s"):
        pass
    parent = finished(spans, "process 1: outer")
    child = finished(spans, "process 2: inner")
    assert child.parent is not None
    assert child.parent.span_id == parent.context.span_id
    assert child.context.trace_id == parent.context.trace_id == outer.get_span_context().trace_id


def test_named_error_in_a_span_records_its_code_and_error_status(spans: InMemorySpanExporter) -> None:
    with pytest.raises(KitError), step_span("process 7", "check signature", system="shep"):
        raise KitError("signature does not verify", code="BAD_SIGNATURE")
    recorded = finished(spans, "process 7: check signature")
    assert (recorded.attributes or {})["egov.error.code"] == "BAD_SIGNATURE"
    assert recorded.status.status_code is StatusCode.ERROR
    assert recorded.status.description is not None
    assert "signature does not verify" in recorded.status.description
    assert any(event.name == "exception" for event in recorded.events)


def test_other_errors_record_their_type_name(spans: InMemorySpanExporter) -> None:
    with pytest.raises(ValueError, match="boom"), span("plain"):
        raise ValueError("boom")
    recorded = finished(spans, "plain")
    assert (recorded.attributes or {})["egov.error.code"] == "ValueError"
    assert recorded.status.status_code is StatusCode.ERROR


def test_span_kind_and_attributes_skip_none(spans: InMemorySpanExporter) -> None:
    with span("client call", kind=SpanKind.CLIENT, attributes={"a": 1, "b": None}):
        pass
    recorded = finished(spans, "client call")
    assert recorded.kind is SpanKind.CLIENT
    assert dict(recorded.attributes or {}) == {"a": 1}


def test_inject_then_extracted_continues_the_trace_in_another_context(spans: InMemorySpanExporter) -> None:
    with step_span("process 3", "publish", system="portal") as sender:
        headers = inject({"x-other": "kept"})
        sent_trace_id = current_trace_id()
    sender_context = sender.get_span_context()
    assert headers["x-other"] == "kept"
    assert "traceparent" in headers
    assert format(sender_context.trace_id, "032x") in headers["traceparent"]
    assert sent_trace_id == format(sender_context.trace_id, "032x")

    amqp_headers: dict[str, Any] = {key: value.encode() for key, value in headers.items()}

    def consume() -> tuple[str | None, str | None, str | None]:
        before = current_trace_id()
        with extracted(amqp_headers), step_span("process 4", "consume", system="provider"):
            inside = current_trace_id()
        return before, inside, current_trace_id()

    before, inside, after = in_fresh_context(consume)
    assert before is None
    assert inside == sent_trace_id
    assert after is None
    received = finished(spans, "process 4: consume")
    assert received.context.trace_id == sender_context.trace_id
    assert received.parent is not None
    assert received.parent.span_id == sender_context.span_id


def test_without_extracted_a_fresh_context_starts_a_new_trace(spans: InMemorySpanExporter) -> None:
    with step_span("process 3", "publish", system="portal") as sender:
        pass

    def consume() -> int:
        with step_span("process 4", "consume", system="provider") as receiver:
            return receiver.get_span_context().trace_id

    assert in_fresh_context(consume) != sender.get_span_context().trace_id
    assert finished(spans, "process 4: consume").parent is None


def test_extracted_accepts_str_headers_and_none() -> None:
    with span("origin") as origin:
        headers = inject()
    expected = format(origin.get_span_context().trace_id, "032x")

    def with_str() -> str | None:
        with extracted(headers):
            return current_trace_id()

    def with_none() -> str | None:
        with extracted(None):
            return current_trace_id()

    assert in_fresh_context(with_str) == expected
    assert in_fresh_context(with_none) is None


def test_inject_outside_a_span_adds_no_trace_context() -> None:
    assert "traceparent" not in in_fresh_context(inject)
