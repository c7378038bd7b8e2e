"""Idempotent, at-least-once consumption of asynchronous deliveries (``shep.async.<systemId>``).

For each message, in its own task (up to ``prefetch`` at once), inside the trace context it carries
and a ``CONSUMER`` span:

1. no ``message_id`` → rejected without requeue (dead-lettered to ``shep.dlx``), reason logged;
2. already marked in the :class:`IdempotencyStore` → acked without calling the handler;
3. otherwise ``handler(delivery)`` runs; when it returns, the id is marked and the message acked —
   never before the work is done.

**Attempts.** Classic queues do not count redeliveries, so the consumer does: the attempt number
travels in the ``x-shep-attempt`` header (absent = 1). When the handler raises, the consumer waits
``retry_delay × attempt`` seconds, republishes a copy with ``x-shep-attempt`` + 1 (and the error in
``x-shep-last-error``) to the same queue through the default exchange, waits for the broker's
confirm, and only then acks the failed copy — so a crash in between yields a duplicate (which the
store absorbs once handled) but never a loss. The copy goes to the back of the queue. When the
attempt that failed was number ``max_attempts``, the message is rejected without requeue instead
and lands in ``shep.dead`` with the broker's ``x-death`` record. A message the broker flags
``redelivered`` had a previous delivery that was never settled (the consumer died, its channel was
lost, or a republish failed and it was requeued): that delivery counts as a failed attempt, so the
message is republished with the next attempt number (or dead-lettered) before the handler runs again.
A message that crashes the whole process therefore cannot loop forever.

**Exactly-once effect.** The mark happens after the handler; a crash between the handler's own
commit and the mark runs the handler again on redelivery (at-least-once). A handler writing to the
same database as a :class:`SqlIdempotencyStore` can close that gap by calling
``store.mark_in(session, delivery.message_id)`` inside its transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from aiormq.exceptions import AMQPError
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from egov_kit.bus.acks import settle
from egov_kit.bus.errors import BusError
from egov_kit.bus.idempotency import (
    IdempotencyStore,
    MemoryIdempotencyStore,
    ProcessedMessage,
    SqlIdempotencyStore,
)
from egov_kit.bus.publisher import DEFAULT_CONFIRM_TIMEOUT, ConfirmedPublisher
from egov_kit.bus.tracing import consumer_span, message_headers, messaging_attributes

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-shep-attempt"
LAST_ERROR_HEADER = "x-shep-last-error"
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_DELAY = 1.0
DEFAULT_CONSUMER_PREFETCH = 16


@dataclass(frozen=True)
class Delivery:
    """An asynchronous delivery as the handler sees it."""

    body: bytes
    headers: dict[str, Any]
    message_id: str
    correlation_id: str | None
    type: str | None
    reply_to: str | None
    routing_key: str | None
    attempt: int
    """1 on the first delivery, then 2, 3, … up to ``max_attempts``."""


DeliveryHandler = Callable[[Delivery], Awaitable[None]]


def attempt_of(headers: Mapping[str, Any]) -> int:
    value = headers.get(ATTEMPT_HEADER)
    try:
        attempt = int(value.decode() if isinstance(value, bytes) else value) if value is not None else 1
    except (TypeError, ValueError):
        return 1
    return max(attempt, 1)


class Consumer:
    """A running :func:`consume`; :meth:`stop` shuts it down gracefully."""

    def __init__(
        self,
        queue: AbstractQueue,
        handler: DeliveryHandler,
        *,
        idempotency: IdempotencyStore,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retry_delay: float = DEFAULT_RETRY_DELAY,
        confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
    ) -> None:
        """Use :func:`consume`."""
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.queue = queue
        self.handler = handler
        self.idempotency = idempotency
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.consumer_tag: str | None = None
        self._publisher = ConfirmedPublisher(queue.channel, confirm_timeout=confirm_timeout)
        self._inflight: set[asyncio.Task[Any]] = set()

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    async def _start(self) -> None:
        self.consumer_tag = await self.queue.consume(self._on_message)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await self._process(message)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _process(self, message: AbstractIncomingMessage) -> None:
        headers = message_headers(message)
        attempt = attempt_of(headers)
        attributes = messaging_attributes(
            operation="process",
            queue=self.queue.name,
            routing_key=message.routing_key,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type_=message.type,
            body_size=len(message.body),
        )
        attributes["egov.bus.attempt"] = attempt
        with consumer_span(
            f"process {self.queue.name}", headers, kind=SpanKind.CONSUMER, attributes=attributes
        ) as current:
            message_id = message.message_id
            if not message_id:
                log.error("message without message_id on %s; dead-lettering it", self.queue.name)
                current.set_status(Status(StatusCode.ERROR, "no message_id"))
                await settle(message, ack=False)
                return
            try:
                duplicate = await self.idempotency.seen(message_id)
            except Exception as exc:
                log.exception("idempotency check failed for message %s on %s", message_id, self.queue.name)
                _record_error(current, exc)
                await self._retry_or_dead_letter(
                    message, headers, attempt, f"idempotency check failed: {exc!r}"
                )
                return
            if duplicate:
                log.info(
                    "message %s on %s was already handled; acking the duplicate", message_id, self.queue.name
                )
                current.set_attribute("egov.bus.duplicate", True)
                await settle(message, ack=True)
                return
            if message.redelivered:
                log.warning(
                    "message %s on %s is a redelivery of an unsettled attempt %d; counting it as failed",
                    message_id,
                    self.queue.name,
                    attempt,
                )
                await self._retry_or_dead_letter(
                    message, headers, attempt, "previous delivery was never settled", delay=False
                )
                return
            delivery = Delivery(
                body=message.body,
                headers=headers,
                message_id=message_id,
                correlation_id=message.correlation_id,
                type=message.type,
                reply_to=message.reply_to,
                routing_key=message.routing_key,
                attempt=attempt,
            )
            try:
                await self.handler(delivery)
            except Exception as exc:
                log.exception(
                    "handler failed on message %s (attempt %d of %d) from %s",
                    message_id,
                    attempt,
                    self.max_attempts,
                    self.queue.name,
                )
                _record_error(current, exc)
                await self._retry_or_dead_letter(message, headers, attempt, f"{type(exc).__name__}: {exc}")
                return
            try:
                await self.idempotency.mark(message_id)
            except Exception:
                # The work is done; acking is right. Only a later duplicate could run it again.
                log.exception("could not mark message %s on %s as handled", message_id, self.queue.name)
            await settle(message, ack=True)

    async def _retry_or_dead_letter(
        self,
        message: AbstractIncomingMessage,
        headers: Mapping[str, Any],
        attempt: int,
        reason: str,
        *,
        delay: bool = True,
    ) -> None:
        if attempt >= self.max_attempts:
            log.error(
                "message %s on %s failed attempt %d of %d (%s); dead-lettering it",
                message.message_id,
                self.queue.name,
                attempt,
                self.max_attempts,
                reason,
            )
            await settle(message, ack=False)
            return
        if delay and self.retry_delay > 0:
            await asyncio.sleep(self.retry_delay * attempt)
        retry_headers = dict(headers)
        retry_headers[ATTEMPT_HEADER] = attempt + 1
        retry_headers[LAST_ERROR_HEADER] = reason[:500]
        try:
            await self._publisher.publish_raw(
                "",
                self.queue.name,
                message.body,
                message_id=message.message_id or "",
                correlation_id=message.correlation_id,
                reply_to=message.reply_to,
                type_=message.type,
                headers=retry_headers,
                expiration=_expiration(message),
            )
        except BusError as exc:
            # Let the broker redeliver it; the redelivery itself counts as the failed attempt.
            log.warning(
                "could not republish message %s for a retry (%s); requeueing it", message.message_id, exc
            )
            await settle(message, ack=False, requeue=True)
            return
        await settle(message, ack=True)

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop taking messages and let the in-flight ones finish (up to ``grace`` seconds)."""
        if self.consumer_tag is not None and not self.queue.channel.is_closed:
            with contextlib.suppress(AMQPError, RuntimeError):
                await self.queue.cancel(self.consumer_tag)
            self.consumer_tag = None
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=grace)


async def consume(
    queue: AbstractQueue,
    handler: DeliveryHandler,
    *,
    idempotency: IdempotencyStore,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_delay: float = DEFAULT_RETRY_DELAY,
    prefetch: int | None = DEFAULT_CONSUMER_PREFETCH,
) -> Consumer:
    """Start consuming ``queue`` with ``handler`` (see the module docs); returns the :class:`Consumer`.

    ``queue``'s channel must have publisher confirms (aio-pika's default), used for retries.
    ``prefetch`` (when not None) sets the channel's QoS for this consumer: that many handlers at once.
    """
    consumer = Consumer(
        queue, handler, idempotency=idempotency, max_attempts=max_attempts, retry_delay=retry_delay
    )
    if prefetch is not None:
        await queue.channel.set_qos(prefetch_count=prefetch)
    await consumer._start()
    return consumer


def _expiration(message: AbstractIncomingMessage) -> float | None:
    expiration = message.expiration
    if expiration is None:
        return None
    if isinstance(expiration, int | float):
        return float(expiration)
    return None


def _record_error(current: Span, exc: BaseException) -> None:
    current.record_exception(exc)
    current.set_status(Status(StatusCode.ERROR, repr(exc)))


__all__ = [
    "ATTEMPT_HEADER",
    "LAST_ERROR_HEADER",
    "Consumer",
    "Delivery",
    "DeliveryHandler",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "ProcessedMessage",
    "SqlIdempotencyStore",
    "consume",
]
