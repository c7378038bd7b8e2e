"""W3C trace context over AMQP headers, so one application keeps ONE trace across every hop.

A producer opens a ``PRODUCER`` (or ``CLIENT``) span and writes its context into the message
headers (:func:`producer_headers`); a consumer makes the carried context current and opens a
``CONSUMER`` (or ``SERVER``) span as its child (:func:`consumer_span`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aio_pika.abc import AbstractMessage
from opentelemetry.trace import Span, SpanKind

from egov_kit.telemetry import extracted, inject, span

MESSAGING_SYSTEM = "rabbitmq"


def producer_headers(headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``headers`` with the current trace context (traceparent/tracestate) written in."""
    return inject(dict(headers or {}))


def message_headers(message: AbstractMessage) -> dict[str, Any]:
    """The message's headers as a plain dict (empty when it has none)."""
    return dict(message.headers or {})


def messaging_attributes(
    *,
    operation: str,
    exchange: str | None = None,
    routing_key: str | None = None,
    queue: str | None = None,
    message_id: str | None = None,
    correlation_id: str | None = None,
    type_: str | None = None,
    body_size: int | None = None,
) -> dict[str, Any]:
    """OpenTelemetry messaging semantic-convention attributes for one AMQP hop."""
    return {
        "messaging.system": MESSAGING_SYSTEM,
        "messaging.operation": operation,
        "messaging.destination.name": exchange if exchange is not None else queue,
        "messaging.rabbitmq.destination.routing_key": routing_key,
        "messaging.source.name": queue,
        "messaging.message.id": message_id,
        "messaging.message.conversation_id": correlation_id,
        "messaging.message.body.size": body_size,
        "egov.bus.type": type_,
    }


@contextmanager
def producer_span(
    name: str, *, kind: SpanKind = SpanKind.PRODUCER, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """A producer-side span; inject inside it so the consumer's span becomes its child."""
    with span(name, kind=kind, attributes=attributes) as current:
        yield current


@contextmanager
def consumer_span(
    name: str,
    headers: Mapping[str, Any] | None,
    *,
    kind: SpanKind = SpanKind.CONSUMER,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """Make the context carried in ``headers`` current and open a child span of ``kind``."""
    with extracted(_trace_headers(headers)), span(name, kind=kind, attributes=attributes) as current:
        yield current


def _trace_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    # Only the W3C fields matter to the propagator; skip the rest (values may be nested tables).
    return {k: v for k, v in (headers or {}).items() if k in ("traceparent", "tracestate", "baggage")}
