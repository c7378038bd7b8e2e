"""Confirmed, mandatory, persistent publishing.

Every message leaves with ``delivery_mode`` persistent, ``mandatory`` set, ``content_type``
``text/xml; charset=utf-8`` and the current W3C trace context in its headers; :meth:`publish` returns
only once the broker has confirmed it (for a persistent message on a durable queue that means it is
on disk or already delivered and acked). A message no queue is bound for comes back as
:class:`Unroutable`; a nack, a lost channel or a missing confirm is :class:`PublishNotConfirmed`.
Both carry the code ``PROVIDER_UNAVAILABLE``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from aio_pika import DeliveryMode, Message
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractRobustChannel
from aiormq.abc import DeliveredMessage
from aiormq.exceptions import (
    AMQPError,
    ChannelInvalidStateError,
    ChannelNotFoundEntity,
    DeliveryError,
    PublishError,
)
from opentelemetry.trace import SpanKind
from pamqp.commands import Basic

from egov_kit import clock
from egov_kit.bus.errors import PublishNotConfirmed, Unroutable
from egov_kit.bus.topology import CONTENT_TYPE
from egov_kit.bus.tracing import messaging_attributes, producer_headers, producer_span

DEFAULT_CONFIRM_TIMEOUT = 15.0
"""Seconds to wait for the broker's confirm (or for a robust channel to come back) per publish."""

Expiration = float | timedelta


class ConfirmedPublisher:
    """Publishes over one channel opened with publisher confirms.

    Works on any confirm-enabled channel (aio-pika opens channels with confirms by default);
    :meth:`create` opens a dedicated one. A channel may carry many concurrent publishes.
    """

    def __init__(
        self,
        channel: AbstractChannel,
        *,
        confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT,
        owns_channel: bool = False,
    ) -> None:
        if not getattr(channel, "publisher_confirms", True):
            raise ValueError("ConfirmedPublisher needs a channel opened with publisher_confirms=True")
        self.channel = channel
        self.confirm_timeout = confirm_timeout
        self._owns_channel = owns_channel
        self._closed = False
        self._exchanges: dict[str, AbstractExchange] = {}

    @classmethod
    async def create(
        cls, connection: AbstractConnection, *, confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT
    ) -> ConfirmedPublisher:
        """A publisher on its own new channel (closed by :meth:`close`)."""
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        return cls(channel, confirm_timeout=confirm_timeout, owns_channel=True)

    async def close(self) -> None:
        self._closed = True
        if self._owns_channel and not self.channel.is_closed:
            await self.channel.close()

    async def publish(
        self,
        exchange_name: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        type_: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expiration: Expiration | None = None,
    ) -> None:
        """Publish inside a ``PRODUCER`` span whose context travels in the headers; await the confirm.

        Raises :class:`Unroutable` (returned, or no such exchange) or :class:`PublishNotConfirmed`.
        """
        attributes = messaging_attributes(
            operation="publish",
            exchange=exchange_name,
            routing_key=routing_key,
            message_id=message_id,
            correlation_id=correlation_id,
            type_=type_,
            body_size=len(body),
        )
        with producer_span(
            f"publish {exchange_name or '(default)'}", kind=SpanKind.PRODUCER, attributes=attributes
        ):
            await self.publish_raw(
                exchange_name,
                routing_key,
                body,
                message_id=message_id,
                correlation_id=correlation_id,
                reply_to=reply_to,
                type_=type_,
                headers=producer_headers(headers),
                expiration=expiration,
            )

    async def publish_raw(
        self,
        exchange_name: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        type_: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expiration: Expiration | None = None,
    ) -> None:
        """Publish exactly the given headers (no span, no context injection); await the confirm."""
        message = Message(
            body,
            headers=dict(headers or {}),
            content_type=CONTENT_TYPE,
            delivery_mode=DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            reply_to=reply_to,
            type=type_,
            expiration=expiration,
            timestamp=clock.now(),
        )
        where = f"exchange {exchange_name!r} with routing key {routing_key!r}"
        try:
            # The deadline also bounds the wait for a robust channel to come back.
            async with asyncio.timeout(self.confirm_timeout):
                await self._wait_until_open()
                exchange = await self._exchange(exchange_name)
                result = await exchange.publish(message, routing_key, mandatory=True)
        except PublishError as exc:
            raise Unroutable(f"no queue is bound to {where}", data=routing_key) from exc
        except ChannelNotFoundEntity as exc:
            raise Unroutable(f"cannot publish to {where}: {exc}", data=routing_key) from exc
        except DeliveryError as exc:
            raise PublishNotConfirmed(
                f"the broker refused the message for {where}", data=routing_key
            ) from exc
        except TimeoutError as exc:
            raise PublishNotConfirmed(
                f"no confirm from the broker within {self.confirm_timeout:g} s for {where}", data=routing_key
            ) from exc
        except (AMQPError, ChannelInvalidStateError, ConnectionError, OSError) as exc:
            raise PublishNotConfirmed(f"publish to {where} failed: {exc!r}", data=routing_key) from exc
        if isinstance(result, DeliveredMessage):
            # A channel opened with on_return_raises=False hands the returned message back instead.
            raise Unroutable(f"no queue is bound to {where}", data=routing_key)
        if not isinstance(result, Basic.Ack):
            raise PublishNotConfirmed(f"the broker did not confirm the message for {where}: {result!r}")

    async def _wait_until_open(self) -> None:
        """A robust channel closed by the broker (after an error) or by a lost connection is reopened
        in the background: wait for it rather than fail at once. A closed plain channel, or one this
        publisher closed, fails in ``publish`` with ``ChannelInvalidStateError``."""
        channel = self.channel
        if not channel.is_closed or self._closed or not isinstance(channel, AbstractRobustChannel):
            return
        while channel.is_closed:
            await channel.ready()
            if channel.is_closed:
                await asyncio.sleep(0.05)

    async def _exchange(self, name: str) -> AbstractExchange:
        if not name:
            return self.channel.default_exchange
        exchange = self._exchanges.get(name)
        if exchange is None:
            exchange = await self.channel.get_exchange(name, ensure=False)
            self._exchanges[name] = exchange
        return exchange


__all__ = ["ConfirmedPublisher", "PublishNotConfirmed", "Unroutable"]
