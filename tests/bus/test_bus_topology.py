"""Topology names and declarations (ARCHITECTURE.md, "Bus topology")."""

from __future__ import annotations

import uuid

import pytest
from egov_kit import bus as egov_bus
from egov_kit.bus import (
    ASYNC_EXCHANGE,
    DEAD_QUEUE,
    DLX,
    SYNC_EXCHANGE,
    ConfirmedPublisher,
    Topology,
    async_queue_name,
    sync_queue_name,
)

from .helpers import BusEnv


def test_default_names_match_the_architecture() -> None:
    assert (SYNC_EXCHANGE, ASYNC_EXCHANGE, DLX, DEAD_QUEUE) == (
        "shep.sync",
        "shep.async",
        "shep.dlx",
        "shep.dead",
    )
    assert sync_queue_name("gbd-fl") == "shep.sync.gbd-fl"
    assert async_queue_name("gbd-fl") == "shep.async.gbd-fl"
    assert Topology().system_queue_arguments() == {"x-dead-letter-exchange": "shep.dlx"}


def test_prefix_applies_to_every_name() -> None:
    topology = Topology(prefix="t1.")
    assert topology.sync_exchange == "t1.shep.sync"
    assert topology.dlx == "t1.shep.dlx"
    assert topology.dead_queue == "t1.shep.dead"
    assert topology.sync_queue_name("x") == "t1.shep.sync.x"
    assert topology.async_queue_name("x") == "t1.shep.async.x"
    assert topology.system_queue_arguments() == {"x-dead-letter-exchange": "t1.shep.dlx"}


def test_public_api_is_exported() -> None:
    for name in egov_bus.__all__:
        assert hasattr(egov_bus, name), name


@pytest.mark.integration
async def test_declarations_are_idempotent_and_routed_by_system_id(bus: BusEnv) -> None:
    sync_q, async_q = await bus.system("prov")
    again_sync, again_async = await bus.system("prov")  # same arguments: no PRECONDITION_FAILED
    assert (sync_q.name, async_q.name) == (again_sync.name, again_async.name)
    assert sync_q.name == bus.topology.sync_queue_name("prov")
    assert sync_q.durable and async_q.durable
    assert sync_q.arguments == {"x-dead-letter-exchange": bus.topology.dlx}

    publisher = ConfirmedPublisher(bus.channel)
    await publisher.publish(bus.topology.sync_exchange, "prov", b"<a/>", message_id=uuid.uuid4().hex)
    await publisher.publish(bus.topology.async_exchange, "prov", b"<b/>", message_id=uuid.uuid4().hex)
    [on_sync] = await bus.take(sync_q.name, 1)
    [on_async] = await bus.take(async_q.name, 1)
    assert (on_sync.body, on_async.body) == (b"<a/>", b"<b/>")


@pytest.mark.integration
async def test_dead_letter_exchange_fans_out_to_the_dead_queue(bus: BusEnv) -> None:
    _, async_q = await bus.system("prov")
    publisher = ConfirmedPublisher(bus.channel)
    await publisher.publish(bus.topology.async_exchange, "prov", b"<x/>", message_id="m-dead")
    message = await async_q.get(timeout=5)
    await message.reject(requeue=False)
    [dead] = await bus.dead_messages(1)
    assert dead.message_id == "m-dead"
    assert dead.headers["x-death"][0]["reason"] == "rejected"
