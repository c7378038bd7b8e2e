"""The gateway's side of RabbitMQ: request/reply to sync providers, confirmed delivery to queues.

Queues of every registered system are declared at start-up, so an asynchronous message to a system
that is not running yet waits durably in its queue instead of being refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from aio_pika.abc import AbstractRobustConnection
from egov_kit.bus import (
    ASYNC_EXCHANGE,
    SENDER_HEADER,
    SYNC_EXCHANGE,
    ConfirmedPublisher,
    Reply,
    RpcClient,
    Unroutable,
    connect,
    declare_exchanges,
    declare_system_queues,
    sync_queue_name,
)


@dataclass
class GatewayBus:
    amqp_url: str
    system_ids: Iterable[str]
    _connection: AbstractRobustConnection | None = field(default=None, init=False)
    _rpc: RpcClient | None = field(default=None, init=False)
    _publisher: ConfirmedPublisher | None = field(default=None, init=False)

    async def start(self) -> None:
        self._connection = await connect(self.amqp_url)
        channel = await self._connection.channel(publisher_confirms=True)
        await declare_exchanges(channel)
        for system_id in self.system_ids:
            await declare_system_queues(channel, system_id)
        self._rpc = await RpcClient.create(self._connection)
        self._publisher = await ConfirmedPublisher.create(self._connection)

    @property
    def ready(self) -> bool:
        return (
            self._connection is not None
            and not self._connection.is_closed
            and self._rpc is not None
            and self._publisher is not None
        )

    async def stop(self) -> None:
        if self._rpc is not None:
            await self._rpc.close()
        if self._connection is not None:
            await self._connection.close()
        self._rpc = self._publisher = None

    async def call(
        self,
        provider_id: str,
        *,
        body: bytes,
        message_id: str,
        service_id: str,
        sender_id: str,
        timeout: float,
    ) -> Reply:
        """Request/reply with a sync provider; no consumer on its queue answers at once, not on timeout."""
        assert self._rpc is not None, "bus not started"
        if await self._rpc.consumer_count(sync_queue_name(provider_id)) == 0:
            raise Unroutable(f"the provider system {provider_id} is not connected to the bus")
        return await self._rpc.call(
            SYNC_EXCHANGE,
            provider_id,
            body,
            message_id=message_id,
            type_=service_id,
            headers={SENDER_HEADER: sender_id},
            timeout=timeout,
        )

    async def deliver(
        self,
        recipient_id: str,
        *,
        body: bytes,
        message_id: str,
        correlation_id: str | None,
        service_id: str,
        sender_id: str,
    ) -> None:
        """Publish to the recipient's durable queue and wait for the broker's confirm."""
        assert self._publisher is not None, "bus not started"
        await self._publisher.publish(
            ASYNC_EXCHANGE,
            recipient_id,
            body,
            message_id=message_id,
            correlation_id=correlation_id,
            type_=service_id,
            headers={SENDER_HEADER: sender_id},
        )
