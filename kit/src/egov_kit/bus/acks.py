"""Settling deliveries (ack / reject) without tripping over a channel that is already gone."""

from __future__ import annotations

import logging

from aio_pika.abc import AbstractIncomingMessage
from aiormq.exceptions import AMQPError

log = logging.getLogger(__name__)


async def settle(message: AbstractIncomingMessage, *, ack: bool, requeue: bool = False) -> None:
    """Ack, or reject (``requeue`` or dead-letter); if the channel is gone the broker redelivers anyway."""
    try:
        if ack:
            await message.ack()
        else:
            await message.reject(requeue=requeue)
    except (AMQPError, RuntimeError) as exc:  # ChannelInvalidStateError is a RuntimeError
        log.warning("could not %s message %s: %r", "ack" if ack else "reject", message.message_id, exc)
