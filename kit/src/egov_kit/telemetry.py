"""OpenTelemetry for the landscape: one setup, one step-span helper, W3C trace context carriers.

Spans are exported over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set. Tests may add their
own in-process exporter with :func:`add_span_processor`. Step spans are named after the regulation's
own numbering ("process 5", "condition 2") so a trace reads like the seed's diagram.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

#: The attributes of a step span that readers of traces (trace-sink, ``egov replay``) index on.
STEP_ID_ATTRIBUTE = "egov.step.id"
APPLICATION_ATTRIBUTE = "egov.application"

_provider: TracerProvider | None = None


def setup_telemetry(service_name: str, *, otlp_endpoint: str | None = None) -> TracerProvider:
    """Install the tracer provider once per process; later calls return the existing one."""
    global _provider
    if _provider is not None:
        return _provider
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    endpoint = otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=_traces_url(endpoint))))
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def _traces_url(endpoint: str) -> str:
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


def add_span_processor(processor: SpanProcessor) -> None:
    """Attach an extra processor (an in-memory exporter in tests, for instance)."""
    setup_telemetry(os.environ.get("OTEL_SERVICE_NAME", "egov"))
    assert _provider is not None
    _provider.add_span_processor(processor)


def tracer(name: str = "egov") -> trace.Tracer:
    return trace.get_tracer(name)


@contextmanager
def span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """A span that records a named error's code and message when the block raises."""
    with tracer().start_as_current_span(name, kind=kind, record_exception=True) as current:
        for key, value in (attributes or {}).items():
            if value is not None:
                current.set_attribute(key, value)
        try:
            yield current
        except Exception as exc:
            code = getattr(exc, "code", type(exc).__name__)
            current.set_attribute("egov.error.code", str(code))
            current.set_status(Status(StatusCode.ERROR, str(exc)))
            raise


@contextmanager
def step_span(
    step_id: str,
    title: str,
    *,
    system: str,
    application: str | None = None,
    service: str | None = None,
    channel: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """A span for one numbered step of a regulation: named "<step id>: <title>"."""
    attrs: dict[str, Any] = {
        STEP_ID_ATTRIBUTE: step_id,
        "egov.step.title": title,
        "egov.system": system,
        APPLICATION_ATTRIBUTE: application,
        "egov.service": service,
        "egov.channel": channel,
    }
    attrs.update(attributes or {})
    with span(f"{step_id}: {title}", attributes=attrs) as current:
        yield current


def inject(carrier: MutableMapping[str, Any] | None = None) -> dict[str, Any]:
    """Write the current W3C trace context (traceparent, tracestate) into a header mapping."""
    headers: dict[str, Any] = dict(carrier or {})
    propagate.inject(headers)
    return headers


@contextmanager
def extracted(carrier: Mapping[str, Any] | None) -> Iterator[None]:
    """Make the trace context carried in ``carrier`` (AMQP or HTTP headers) current."""
    values = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in (carrier or {}).items()}
    token = otel_context.attach(propagate.extract(values))
    try:
        yield
    finally:
        otel_context.detach(token)


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None
