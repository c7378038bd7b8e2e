"""The ШЭП bus topology (ARCHITECTURE.md, "Bus topology") and its declarations.

| exchange     | type            | queue(s)                                   |
|--------------|-----------------|--------------------------------------------|
| ``shep.sync``  | direct, durable | ``shep.sync.<systemId>`` bound with ``<systemId>``  |
| ``shep.async`` | direct, durable | ``shep.async.<systemId>`` bound with ``<systemId>`` |
| ``shep.dlx``   | fanout, durable | ``shep.dead``                                 |

System queues are **classic durable** queues with ``x-dead-letter-exchange=shep.dlx``. Why not
quorum queues: the sandbox runs one broker node, so quorum's replication buys nothing while its
per-write fsync/Raft log raises the latency of the synchronous (request/reply) path; classic queues
also behave the same on every RabbitMQ version (quorum requeue and delivery-limit semantics changed
between 3.x and 4.x). Retries of asynchronous deliveries are counted by the consumer itself
(``x-shep-attempt`` header, see :mod:`egov_kit.bus.consumer`), which a quorum queue's
``x-delivery-count`` would otherwise have given. The queue type is not pinned with
``x-queue-type``, so a broker policy or a later migration can choose it.

Declarations are idempotent: every process that needs a queue declares it with the same arguments.
Tests use :class:`Topology` with a ``prefix`` to get private, disposable names on a shared broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

SYNC_EXCHANGE = "shep.sync"
ASYNC_EXCHANGE = "shep.async"
DLX = "shep.dlx"
DEAD_QUEUE = "shep.dead"

SENDER_HEADER = "x-shep-sender"
"""Header naming the sending information system (``systemId``)."""

CONTENT_TYPE = "text/xml; charset=utf-8"


class Exchanges(NamedTuple):
    sync: AbstractExchange
    async_: AbstractExchange
    dlx: AbstractExchange


@dataclass(frozen=True)
class Topology:
    """Names of the bus; ``prefix`` is prepended to every exchange and queue name (tests only)."""

    prefix: str = ""

    @property
    def sync_exchange(self) -> str:
        return self.prefix + SYNC_EXCHANGE

    @property
    def async_exchange(self) -> str:
        return self.prefix + ASYNC_EXCHANGE

    @property
    def dlx(self) -> str:
        return self.prefix + DLX

    @property
    def dead_queue(self) -> str:
        return self.prefix + DEAD_QUEUE

    def sync_queue_name(self, system_id: str) -> str:
        return f"{self.sync_exchange}.{system_id}"

    def async_queue_name(self, system_id: str) -> str:
        return f"{self.async_exchange}.{system_id}"

    def system_queue_arguments(self) -> dict[str, Any]:
        return {"x-dead-letter-exchange": self.dlx}

    async def declare_exchanges(self, channel: AbstractChannel) -> Exchanges:
        """Declare ``shep.sync``, ``shep.async`` (direct) and ``shep.dlx`` (fanout) with ``shep.dead``."""
        sync = await channel.declare_exchange(self.sync_exchange, ExchangeType.DIRECT, durable=True)
        async_ = await channel.declare_exchange(self.async_exchange, ExchangeType.DIRECT, durable=True)
        dlx = await channel.declare_exchange(self.dlx, ExchangeType.FANOUT, durable=True)
        dead = await channel.declare_queue(self.dead_queue, durable=True)
        await dead.bind(dlx)
        return Exchanges(sync, async_, dlx)

    async def declare_system_queues(
        self, channel: AbstractChannel, system_id: str
    ) -> tuple[AbstractQueue, AbstractQueue]:
        """Declare the exchanges and ``system_id``'s sync and async queues, bound with ``system_id``."""
        exchanges = await self.declare_exchanges(channel)
        sync_queue = await channel.declare_queue(
            self.sync_queue_name(system_id),
            durable=True,
            arguments=self.system_queue_arguments(),
        )
        await sync_queue.bind(exchanges.sync, routing_key=system_id)
        async_queue = await channel.declare_queue(
            self.async_queue_name(system_id),
            durable=True,
            arguments=self.system_queue_arguments(),
        )
        await async_queue.bind(exchanges.async_, routing_key=system_id)
        return sync_queue, async_queue

    async def delete(self, channel: AbstractChannel, *system_ids: str) -> None:
        """Delete this topology's exchanges and the given systems' queues (test teardown)."""
        for system_id in system_ids:
            await channel.queue_delete(self.sync_queue_name(system_id))
            await channel.queue_delete(self.async_queue_name(system_id))
        await channel.queue_delete(self.dead_queue)
        for name in (self.sync_exchange, self.async_exchange, self.dlx):
            await channel.exchange_delete(name)


DEFAULT_TOPOLOGY = Topology()


def sync_queue_name(system_id: str) -> str:
    """``shep.sync.<systemId>``"""
    return DEFAULT_TOPOLOGY.sync_queue_name(system_id)


def async_queue_name(system_id: str) -> str:
    """``shep.async.<systemId>``"""
    return DEFAULT_TOPOLOGY.async_queue_name(system_id)


async def declare_exchanges(channel: AbstractChannel, topology: Topology = DEFAULT_TOPOLOGY) -> Exchanges:
    return await topology.declare_exchanges(channel)


async def declare_system_queues(
    channel: AbstractChannel, system_id: str, topology: Topology = DEFAULT_TOPOLOGY
) -> tuple[AbstractQueue, AbstractQueue]:
    return await topology.declare_system_queues(channel, system_id)
