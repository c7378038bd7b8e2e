"""The provider runtime: how an information system serves ШЭП services from its queues.

A provider never listens to the outside world: the gateway delivers to its queues on RabbitMQ
(``shep.sync.<systemId>`` for request/reply, ``shep.async.<systemId>`` for asynchronous messages).
Whatever arrives is believed only once the gateway's signature and certificate check out; the
business document inside is handed to the handler registered for the serviceId, and the handler's
answer goes back sealed with the provider's own certificate. A named error from a handler becomes a
ШЭП fault, signed too.

Asynchronous deliveries are acknowledged to the broker only after the handler finished, skipped
when their messageId was already handled, and confirmed to the gateway with
``sendDeliveryNotification`` (MESSAGE_ACCEPTED) when a client is configured.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aio_pika.abc import AbstractChannel, AbstractRobustConnection
from lxml import etree
from opentelemetry.trace import SpanKind

from egov_kit.bus import (
    Consumer,
    Delivery,
    IdempotencyStore,
    IncomingRequest,
    RpcServer,
    connect,
    consume,
    declare_exchanges,
    declare_system_queues,
    serve_rpc,
)
from egov_kit.clock import now
from egov_kit.errors import KitError
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep.client import ShepClient
from egov_kit.shep.codes import ShepCode, ShepError, error_info
from egov_kit.shep.models import (
    AsyncSendMessageRequest,
    MessageData,
    Property,
    StatusInfo,
    SyncMessageInfoResponse,
    SyncSendMessageRequest,
    SyncSendMessageResponse,
    new_message_id,
)
from egov_kit.shep.sealed import open_signed, seal, seal_fault
from egov_kit.telemetry import span

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShepContext:
    """What a handler knows about the message besides its business document."""

    message_id: str
    service_id: str
    sender_id: str
    correlation_id: str | None = None
    session_id: str | None = None
    message_type: str | None = None
    properties: tuple[Property, ...] = ()


SyncHandler = Callable[[etree._Element, ShepContext], etree._Element | Awaitable[etree._Element]]
AsyncHandler = Callable[[etree._Element, ShepContext], Awaitable[None] | None]


async def _call(handler: Callable[..., Any], *args: Any) -> Any:
    """Await coroutine handlers; run plain ones (database work) in a worker thread."""
    if inspect.iscoroutinefunction(handler):
        return await handler(*args)
    result = await asyncio.to_thread(handler, *args)
    if inspect.isawaitable(result):
        return await result
    return result


@dataclass
class ProviderRuntime:
    system_id: str
    keypair: KeyPair
    validator: CertificateValidator
    amqp_url: str
    sync_handlers: Mapping[str, SyncHandler] = field(default_factory=dict)
    async_handlers: Mapping[str, AsyncHandler] = field(default_factory=dict)
    idempotency: IdempotencyStore | None = None
    shep_client: ShepClient | None = None
    gateway_system_id: str = "SHEP"
    prefetch: int = 32
    _connection: AbstractRobustConnection | None = field(default=None, init=False)
    _channel: AbstractChannel | None = field(default=None, init=False)
    _server: RpcServer | None = field(default=None, init=False)
    _consumer: Consumer | None = field(default=None, init=False)

    async def start(self) -> None:
        self._connection = await connect(self.amqp_url)
        self._channel = await self._connection.channel(publisher_confirms=True)
        await declare_exchanges(self._channel)
        sync_queue, async_queue = await declare_system_queues(self._channel, self.system_id)
        if self.sync_handlers:
            self._server = await serve_rpc(self._channel, sync_queue, self._on_sync, prefetch=self.prefetch)
        if self.async_handlers:
            if self.idempotency is None:
                raise ValueError("asynchronous handlers need an idempotency store")
            self._consumer = await consume(async_queue, self._on_async, idempotency=self.idempotency)

    @property
    def ready(self) -> bool:
        connection_ok = self._connection is not None and not self._connection.is_closed
        sync_ok = not self.sync_handlers or self._server is not None
        async_ok = not self.async_handlers or self._consumer is not None
        return connection_ok and sync_ok and async_ok

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
        if self._consumer is not None:
            await self._consumer.stop()
        if self._connection is not None:
            await self._connection.close()
        self._server = self._consumer = None

    # --- synchronous channel ---------------------------------------------------------------------

    async def _on_sync(self, request: IncomingRequest) -> bytes:
        try:
            return await self.answer_sync(request.body)
        except Exception as exc:
            # Even an unexpected failure gets a signed fault, so the caller is never left waiting.
            log.exception("sync request %s failed", request.message_id)
            return seal_fault(error_info(exc), "sync", "SendMessage", self.keypair)

    async def answer_sync(self, raw: bytes) -> bytes:
        """Open the gateway's envelope, run the service's handler, seal the answer (or a fault)."""
        try:
            opened = await open_signed(raw, self.validator, expected_signer=self.gateway_system_id)
            request = opened.model
            if not isinstance(request, SyncSendMessageRequest):
                raise ShepError(
                    f"{opened.operation} is not served on the synchronous queue",
                    code=ShepCode.UNKNOWN_OPERATION,
                )
            info = request.request_info
            handler = self.sync_handlers.get(info.service_id)
            if handler is None:
                raise ShepError(
                    f"{self.system_id} does not serve {info.service_id}", code=ShepCode.SERVICE_UNKNOWN
                )
            if request.request_data is None or request.request_data.is_empty:
                raise ShepError("the request carries no business data", code=ShepCode.SCHEMA_VIOLATION)
            context = ShepContext(
                message_id=info.message_id,
                service_id=info.service_id,
                sender_id=info.sender.sender_id,
                correlation_id=info.correlation_id,
                session_id=info.session_id,
                properties=tuple(info.properties),
            )
            with span(
                f"{self.system_id} serves {info.service_id}",
                kind=SpanKind.SERVER,
                attributes={"shep.service_id": info.service_id, "shep.message_id": info.message_id},
            ):
                answer = await _call(handler, request.request_data.document(), context)
            response = SyncSendMessageResponse(
                response_info=SyncMessageInfoResponse(
                    message_id=new_message_id(),
                    correlation_id=info.message_id,
                    response_date=now(),
                    status=StatusInfo.success(),
                    session_id=info.session_id,
                ),
                response_data=MessageData.of(answer),
            )
            return seal(response, self.keypair)
        except KitError as exc:
            return seal_fault(error_info(exc), "sync", "SendMessage", self.keypair)

    # --- asynchronous channel --------------------------------------------------------------------

    async def _on_async(self, delivery: Delivery) -> None:
        opened = await open_signed(delivery.body, self.validator, expected_signer=self.gateway_system_id)
        message = opened.model
        if not isinstance(message, AsyncSendMessageRequest):
            raise ShepError(
                f"{opened.operation} cannot be delivered to a queue", code=ShepCode.UNKNOWN_OPERATION
            )
        info = message.message_info
        handler = self.async_handlers.get(info.service_id)
        if handler is None:
            raise ShepError(
                f"{self.system_id} does not serve {info.service_id}", code=ShepCode.SERVICE_UNKNOWN
            )
        context = ShepContext(
            message_id=info.message_id or delivery.message_id,
            service_id=info.service_id,
            sender_id=info.sender.sender_id,
            correlation_id=info.correlation_id,
            session_id=info.session_id,
            message_type=info.message_type.value,
            properties=tuple(info.properties),
        )
        with span(
            f"{self.system_id} receives {info.service_id} {info.message_type.value}",
            kind=SpanKind.CONSUMER,
            attributes={"shep.service_id": info.service_id, "shep.message_id": context.message_id},
        ):
            await _call(handler, message.message_data.document(), context)
        if self.shep_client is not None:
            await self.shep_client.send_delivery_notification(context.message_id, info.service_id)
