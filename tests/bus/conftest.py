"""Fixtures for the bus tests: a real broker, a private disposable topology, an in-memory span sink.

Every test gets its own name prefix (``t<random>.``) so it can run next to other engineers' tests on
the same broker; the prefix's exchanges and queues are deleted at teardown. The broker URL is the
suite's ``amqp_url`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from egov_kit.bus import Topology, connect
from egov_kit.telemetry import add_span_processor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from .helpers import BusEnv


@pytest.fixture
async def bus(amqp_url: str) -> AsyncIterator[BusEnv]:
    try:
        connection = await connect(amqp_url, name="pytest-bus")
    except Exception as exc:  # an environment problem, not a test failure
        pytest.skip(f"no RabbitMQ at {amqp_url}: {exc!r} (run deploy/local/rabbitmq.sh start)")
    channel = await connection.channel()
    env = BusEnv(amqp_url, connection, channel, Topology(prefix=f"t{uuid.uuid4().hex[:10]}."))
    try:
        yield env
    finally:
        await connection.close()
        cleanup = await connect(amqp_url, name="pytest-bus-cleanup")
        try:
            await env.topology.delete(await cleanup.channel(), *env.systems)
        finally:
            await cleanup.close()


@pytest.fixture(scope="session")
def _span_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(_span_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    _span_exporter.clear()
    yield _span_exporter
    _span_exporter.clear()
