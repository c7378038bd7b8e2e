"""One trace across every hop: producer → consumer, RPC client → server → reply."""

from __future__ import annotations

import pytest
from egov_kit.bus import (
    ConfirmedPublisher,
    Delivery,
    IncomingRequest,
    MemoryIdempotencyStore,
    RpcClient,
    consume,
    serve_rpc,
)
from egov_kit.telemetry import current_trace_id, span
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from .helpers import BusEnv, eventually

pytestmark = pytest.mark.integration


def only(spans: InMemorySpanExporter, kind: SpanKind, prefix: str) -> ReadableSpan:
    [found] = [s for s in spans.get_finished_spans() if s.kind == kind and s.name.startswith(prefix)]
    return found


async def test_consumer_span_is_a_child_of_the_producer_span(
    bus: BusEnv, spans: InMemorySpanExporter
) -> None:
    _, async_q = await bus.system("prov")
    inside_handler: list[str | None] = []

    async def handler(delivery: Delivery) -> None:
        inside_handler.append(current_trace_id())

    consumer = await consume(async_q, handler, idempotency=MemoryIdempotencyStore(), retry_delay=0)
    with span("application 42") as root:
        await ConfirmedPublisher(bus.channel).publish(
            bus.topology.async_exchange, "prov", b"<m/>", message_id="m"
        )
    await eventually(lambda: len(inside_handler) == 1)
    await consumer.stop()

    trace_id = root.get_span_context().trace_id
    producer = only(spans, SpanKind.PRODUCER, "publish ")
    consumer_span = only(spans, SpanKind.CONSUMER, "process ")
    assert producer.context is not None and consumer_span.context is not None
    assert producer.context.trace_id == consumer_span.context.trace_id == trace_id
    assert consumer_span.parent is not None and consumer_span.parent.span_id == producer.context.span_id
    assert inside_handler == [format(trace_id, "032x")]
    assert consumer_span.attributes is not None
    assert consumer_span.attributes["messaging.message.id"] == "m"


async def test_rpc_keeps_one_trace_through_server_and_reply(bus: BusEnv, spans: InMemorySpanExporter) -> None:
    sync_q, _ = await bus.system("prov")
    inside_handler: list[str | None] = []

    async def handler(request: IncomingRequest) -> bytes:
        inside_handler.append(current_trace_id())
        return b"ok"

    server = await serve_rpc(bus.channel, sync_q, handler)
    client = await RpcClient.create(bus.connection)
    with span("application 43") as root:
        reply = await client.call(bus.topology.sync_exchange, "prov", b"<q/>", message_id="m", timeout=5)
    await server.stop()
    await client.close()

    trace_id = root.get_span_context().trace_id
    client_span = only(spans, SpanKind.CLIENT, "rpc call ")
    server_span = only(spans, SpanKind.SERVER, "rpc serve ")
    assert client_span.context is not None and server_span.context is not None
    assert client_span.context.trace_id == server_span.context.trace_id == trace_id
    assert server_span.parent is not None and server_span.parent.span_id == client_span.context.span_id
    assert inside_handler == [format(trace_id, "032x")]
    # The reply carries the server span's context back.
    assert reply.headers["traceparent"].split("-")[1] == format(trace_id, "032x")


async def test_failed_handler_marks_the_consumer_span_as_error(
    bus: BusEnv, spans: InMemorySpanExporter
) -> None:
    _, async_q = await bus.system("prov")

    async def broken(delivery: Delivery) -> None:
        raise RuntimeError("nope")

    consumer = await consume(async_q, broken, idempotency=MemoryIdempotencyStore(), max_attempts=1)
    with span("application 44"):
        await ConfirmedPublisher(bus.channel).publish(
            bus.topology.async_exchange, "prov", b"<m/>", message_id="m"
        )
    assert len(await bus.dead_messages(1)) == 1
    await consumer.stop()
    failed = only(spans, SpanKind.CONSUMER, "process ")
    assert not failed.status.is_ok
