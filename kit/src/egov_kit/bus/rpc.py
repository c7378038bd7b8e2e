"""Request/reply over the broker: the ШЭП synchronous channel.

**Client.** :class:`RpcClient` owns one channel and one reply queue, ``shep.reply.<host>.<pid>.<id>``:
a classic, exclusive, auto-delete queue declared under a client-chosen name (a server-generated
``amq.gen-…`` name could not be re-declared when the robust connection restores it after a
reconnect). One no-ack consumer on it dispatches every reply to the waiting call's future by
``correlation_id``. A real queue rather than the ``amq.rabbitmq.reply-to`` pseudo-queue because
ARCHITECTURE.md names it, because it survives reconnects through aio-pika's topology restore, and
because it does not tie replies to the publishing channel. A call's future is removed when the call
ends (reply, timeout or error), so a late reply finds nobody, is logged at debug level and dropped;
being no-ack it leaves nothing behind in the broker either. Requests carry ``expiration`` = the
call's timeout, so a request nobody picked up in time expires (and is dead-lettered to
``shep.dead`` with reason ``expired``) instead of being served after the caller gave up.

**Server.** :func:`serve_rpc` / :class:`RpcServer` consume a provider's ``shep.sync.<systemId>``
queue. Each request runs in its own task (up to ``prefetch`` at once) inside the trace context the
request carries, in a ``SERVER`` span; the reply goes to ``reply_to`` through the default exchange
with the same ``correlation_id`` and the current trace context, and the request is acked only after
the broker confirmed the reply. A handler that raises gets the request rejected without requeue
(dead-lettered to ``shep.dlx``); the caller then times out (``PROVIDER_TIMEOUT``). Handlers that
want to answer with a fault return a fault body; exceptions are for bugs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aiormq.exceptions import AMQPError, ChannelNotFoundEntity
from opentelemetry.trace import SpanKind, Status, StatusCode

from egov_kit.bus.acks import settle
from egov_kit.bus.errors import BusError, PublishNotConfirmed, RpcTimeout, Unroutable
from egov_kit.bus.publisher import DEFAULT_CONFIRM_TIMEOUT, ConfirmedPublisher
from egov_kit.bus.tracing import (
    consumer_span,
    message_headers,
    messaging_attributes,
    producer_headers,
    producer_span,
)

log = logging.getLogger(__name__)

REPLY_QUEUE_PREFIX = "shep.reply."
DEFAULT_PREFETCH = 32
CONSUMER_COUNT_TTL = 1.0
PROBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Reply:
    """What a provider answered to :meth:`RpcClient.call`."""

    body: bytes
    headers: dict[str, Any]
    message_id: str | None
    correlation_id: str | None
    type: str | None


@dataclass(frozen=True)
class IncomingRequest:
    """A request as the RPC handler sees it."""

    body: bytes
    headers: dict[str, Any]
    message_id: str | None
    correlation_id: str | None
    type: str | None
    reply_to: str | None
    routing_key: str | None = None


@dataclass(frozen=True)
class RpcResponse:
    """What a handler may return instead of bare bytes, to set the reply's headers, type or id."""

    body: bytes
    headers: Mapping[str, Any] | None = None
    type: str | None = None
    """Defaults to the request's type (the serviceId)."""
    message_id: str | None = None
    """Defaults to a fresh UUID."""


RpcHandler = Callable[[IncomingRequest], Awaitable["bytes | RpcResponse"]]


class RpcClient:
    """Calls providers over the broker; safe to share between any number of concurrent callers."""

    def __init__(
        self,
        connection: AbstractConnection,
        channel: AbstractChannel,
        reply_queue: AbstractQueue,
        *,
        confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
        consumer_count_ttl: float = CONSUMER_COUNT_TTL,
    ) -> None:
        """Use :meth:`create`."""
        self.connection = connection
        self.channel = channel
        self.reply_queue = reply_queue
        self.consumer_count_ttl = consumer_count_ttl
        self._publisher = ConfirmedPublisher(channel, confirm_timeout=confirm_timeout)
        self._pending: dict[str, asyncio.Future[Reply]] = {}
        self._counts: dict[str, tuple[int, float]] = {}
        self._probes: dict[str, asyncio.Task[int]] = {}
        self._closed = False

    @classmethod
    async def create(
        cls,
        connection: AbstractConnection,
        *,
        reply_queue_prefix: str = REPLY_QUEUE_PREFIX,
        confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
        consumer_count_ttl: float = CONSUMER_COUNT_TTL,
    ) -> RpcClient:
        """Open the client's channel, declare its reply queue and start consuming replies."""
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        name = f"{reply_queue_prefix}{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:12]}"
        reply_queue = await channel.declare_queue(name, exclusive=True, auto_delete=True, durable=False)
        client = cls(
            connection,
            channel,
            reply_queue,
            confirm_timeout=confirm_timeout,
            consumer_count_ttl=consumer_count_ttl,
        )
        await reply_queue.consume(client._on_reply, no_ack=True)
        return client

    @property
    def reply_queue_name(self) -> str:
        return self.reply_queue.name

    @property
    def pending(self) -> int:
        """Calls waiting for their reply right now."""
        return len(self._pending)

    async def call(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        headers: Mapping[str, Any] | None = None,
        type_: str | None = None,
        timeout: float,
    ) -> Reply:
        """Send a request and wait for its reply; ``timeout`` bounds the whole call (publish included).

        Raises :class:`RpcTimeout` (``PROVIDER_TIMEOUT``), :class:`Unroutable` or
        :class:`PublishNotConfirmed` (``PROVIDER_UNAVAILABLE``).
        """
        if self._closed:
            raise BusError("the RPC client is closed")
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        attributes = messaging_attributes(
            operation="publish",
            exchange=exchange,
            routing_key=routing_key,
            message_id=message_id,
            correlation_id=correlation_id,
            type_=type_,
            body_size=len(body),
        )
        try:
            with producer_span(f"rpc call {routing_key}", kind=SpanKind.CLIENT, attributes=attributes):
                try:
                    async with asyncio.timeout(timeout):
                        await self._publisher.publish_raw(
                            exchange,
                            routing_key,
                            body,
                            message_id=message_id,
                            correlation_id=correlation_id,
                            reply_to=self.reply_queue.name,
                            type_=type_,
                            headers=producer_headers(headers),
                            expiration=timeout,
                        )
                        return await future
                except TimeoutError as exc:
                    raise RpcTimeout(
                        f"no reply from {routing_key!r} on {exchange!r} within {timeout:g} s",
                        data=routing_key,
                    ) from exc
        finally:
            self._pending.pop(correlation_id, None)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        correlation_id = message.correlation_id
        future = self._pending.pop(correlation_id, None) if correlation_id else None
        if future is None or future.done():
            log.debug("dropping a late or unknown reply (correlation id %s)", correlation_id)
            return
        future.set_result(
            Reply(
                body=message.body,
                headers=message_headers(message),
                message_id=message.message_id,
                correlation_id=correlation_id,
                type=message.type,
            )
        )

    async def consumer_count(self, queue_name: str) -> int:
        """Consumers on ``queue_name`` (0 when the queue does not exist), cached ``consumer_count_ttl``.

        Lets a caller answer ``PROVIDER_UNAVAILABLE`` at once when no provider is listening instead of
        waiting for the timeout. Concurrent callers share one probe (a passive declare on a
        throwaway channel, since a missing queue closes the channel that asked). Raises
        :class:`BusError` (``PROVIDER_UNAVAILABLE``) when the broker does not answer within
        ``PROBE_TIMEOUT`` seconds (e.g. while the connection is being restored).
        """
        cached = self._counts.get(queue_name)
        if cached is not None and time.monotonic() - cached[1] < self.consumer_count_ttl:
            return cached[0]
        probe = self._probes.get(queue_name)
        if probe is None:
            probe = asyncio.create_task(self._probe(queue_name))
            self._probes[queue_name] = probe
            probe.add_done_callback(lambda done: self._probe_done(queue_name, done))
        return await asyncio.shield(probe)

    def _probe_done(self, queue_name: str, probe: asyncio.Task[int]) -> None:
        self._probes.pop(queue_name, None)
        if not probe.cancelled():
            probe.exception()  # retrieved here: every waiter may have been cancelled meanwhile

    async def _probe(self, queue_name: str) -> int:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                count = await self._passive_consumer_count(queue_name)
        except (TimeoutError, AMQPError, ConnectionError, OSError, RuntimeError) as exc:
            raise BusError(f"cannot ask the broker about {queue_name!r}: {exc!r}", data=queue_name) from exc
        self._counts[queue_name] = (count, time.monotonic())
        return count

    async def _passive_consumer_count(self, queue_name: str) -> int:
        if isinstance(self.connection, AbstractRobustConnection):
            await self.connection.ready()
        transport = self.connection.transport
        if transport is None:
            raise ConnectionError("the AMQP connection is down")
        channel = await transport.connection.channel(publisher_confirms=False)
        try:
            declared = await channel.queue_declare(queue_name, passive=True)
            return int(declared.consumer_count or 0)
        except ChannelNotFoundEntity:
            return 0
        finally:
            if not channel.is_closed:
                await channel.close()

    async def close(self) -> None:
        """Fail the pending calls, close the channel (the reply queue goes with it)."""
        self._closed = True
        for future in self._pending.values():
            if not future.done():
                future.set_exception(BusError("the RPC client was closed"))
        self._pending.clear()
        for probe in list(self._probes.values()):
            probe.cancel()
        if not self.channel.is_closed:
            await self.channel.close()


class RpcServer:
    """Serves requests from one queue with ``handler``; see the module docs for the contract."""

    def __init__(
        self,
        channel: AbstractChannel,
        queue: AbstractQueue,
        handler: RpcHandler,
        *,
        confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
        owns_channel: bool = False,
    ) -> None:
        """Use :func:`serve_rpc` or :meth:`start`."""
        self.channel = channel
        self.queue = queue
        self.handler = handler
        self.consumer_tag: str | None = None
        self._publisher = ConfirmedPublisher(channel, confirm_timeout=confirm_timeout)
        self._owns_channel = owns_channel
        self._inflight: set[asyncio.Task[Any]] = set()

    @classmethod
    async def start(
        cls,
        connection: AbstractConnection,
        queue_name: str,
        handler: RpcHandler,
        *,
        prefetch: int = DEFAULT_PREFETCH,
    ) -> RpcServer:
        """Serve ``queue_name`` (declared beforehand, e.g. by ``declare_system_queues``) on a new channel."""
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        server = await serve_rpc(channel, queue_name, handler, prefetch=prefetch)
        server._owns_channel = True
        return server

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    async def _consume(self) -> None:
        self.consumer_tag = await self.queue.consume(self._on_request)

    async def _on_request(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await self._serve(message)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _serve(self, message: AbstractIncomingMessage) -> None:
        headers = message_headers(message)
        attributes = messaging_attributes(
            operation="process",
            queue=self.queue.name,
            routing_key=message.routing_key,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type_=message.type,
            body_size=len(message.body),
        )
        with consumer_span(
            f"rpc serve {self.queue.name}", headers, kind=SpanKind.SERVER, attributes=attributes
        ) as current:
            if not message.reply_to:
                log.error(
                    "request %s on %s has no reply_to; dead-lettering it", message.message_id, self.queue.name
                )
                current.set_status(Status(StatusCode.ERROR, "no reply_to"))
                await settle(message, ack=False)
                return
            request = IncomingRequest(
                body=message.body,
                headers=headers,
                message_id=message.message_id,
                correlation_id=message.correlation_id,
                type=message.type,
                reply_to=message.reply_to,
                routing_key=message.routing_key,
            )
            try:
                result = await self.handler(request)
            except Exception as exc:
                log.exception(
                    "RPC handler failed on request %s (%s) from %s; dead-lettering it",
                    message.message_id,
                    message.type,
                    self.queue.name,
                )
                current.record_exception(exc)
                current.set_status(Status(StatusCode.ERROR, f"handler failed: {exc!r}"))
                await settle(message, ack=False)
                return
            response = result if isinstance(result, RpcResponse) else RpcResponse(result)
            try:
                await self._publisher.publish_raw(
                    "",
                    message.reply_to,
                    response.body,
                    message_id=response.message_id or uuid.uuid4().hex,
                    correlation_id=message.correlation_id,
                    type_=response.type if response.type is not None else message.type,
                    headers=producer_headers(response.headers),
                )
            except Unroutable:
                # The caller's reply queue is gone: it gave up or died. Nothing to redo.
                log.warning(
                    "reply to %s for request %s was unroutable (caller gone); dropping it",
                    message.reply_to,
                    message.message_id,
                )
            except PublishNotConfirmed as exc:
                log.error(
                    "reply for request %s was not confirmed (%s); dead-lettering the request",
                    message.message_id,
                    exc,
                )
                current.set_status(Status(StatusCode.ERROR, str(exc)))
                await settle(message, ack=False)
                return
            await settle(message, ack=True)

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop taking requests, let in-flight ones finish (up to ``grace`` s), close an own channel."""
        if self.consumer_tag is not None and not self.channel.is_closed:
            with contextlib.suppress(AMQPError, RuntimeError):
                await self.queue.cancel(self.consumer_tag)
            self.consumer_tag = None
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=grace)
        if self._owns_channel and not self.channel.is_closed:
            await self.channel.close()


async def serve_rpc(
    channel: AbstractChannel,
    queue: AbstractQueue | str,
    handler: RpcHandler,
    *,
    prefetch: int = DEFAULT_PREFETCH,
) -> RpcServer:
    """Start serving ``queue`` on ``channel`` (which must have publisher confirms, the default).

    Up to ``prefetch`` requests are handled concurrently. Returns the running :class:`RpcServer`;
    call :meth:`RpcServer.stop` to shut it down gracefully.
    """
    if isinstance(queue, str) or queue.channel is not channel:
        name = queue if isinstance(queue, str) else queue.name
        queue = await channel.declare_queue(name, passive=True)
    await channel.set_qos(prefetch_count=prefetch)
    server = RpcServer(channel, queue, handler)
    await server._consume()
    return server


__all__ = [
    "IncomingRequest",
    "Reply",
    "RpcClient",
    "RpcHandler",
    "RpcResponse",
    "RpcServer",
    "RpcTimeout",
    "Unroutable",
    "serve_rpc",
]
