"""Fixtures for the bus tests: a real broker, a private disposable topology, an in-memory span sink.

Every test gets its own name prefix (``t<random>.``) so it can run next to other engineers' tests on
the same broker; the prefix's exchanges and queues are deleted at teardown. The broker URL is the
suite's ``amqp_url`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from egov_kit.bus import Topology, connect

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
