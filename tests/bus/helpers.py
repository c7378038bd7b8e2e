"""Helpers shared by the bus tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection
from egov_kit.bus import Topology


@dataclass
class BusEnv:
    """A connection, a channel and a private topology for one test."""

    url: str
    connection: AbstractRobustConnection
    channel: AbstractChannel
    topology: Topology
    systems: set[str] = field(default_factory=set)

    async def system(self, system_id: str = "prov") -> tuple[AbstractQueue, AbstractQueue]:
        """Declare ``system_id``'s sync and async queues (and the exchanges) in this topology."""
        self.systems.add(system_id)
        return await self.topology.declare_system_queues(self.channel, system_id)

    async def take(
        self, queue_name: str, expected: int, within: float = 10.0
    ) -> list[AbstractIncomingMessage]:
        """Wait until ``expected`` messages could be taken (no-ack) from ``queue_name``; return them."""
        queue = await self.channel.get_queue(queue_name)
        taken: list[AbstractIncomingMessage] = []
        deadline = time.monotonic() + within
        while len(taken) < expected and time.monotonic() < deadline:
            message = await queue.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.05)
            else:
                taken.append(message)
        return taken

    async def dead_messages(self, expected: int, within: float = 10.0) -> list[AbstractIncomingMessage]:
        return await self.take(self.topology.dead_queue, expected, within)

    async def depth(self, queue_name: str) -> tuple[int, int]:
        """(ready messages, consumers) of a queue, from a passive declare on a throwaway channel."""
        channel = await self.connection.channel()
        try:
            queue = await channel.declare_queue(queue_name, passive=True)
            result = queue.declaration_result
            return int(result.message_count or 0), int(result.consumer_count or 0)
        finally:
            await channel.close()


async def eventually(predicate: Callable[[], bool | Awaitable[bool]], within: float = 10.0) -> None:
    """Poll ``predicate`` until it holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = predicate()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
