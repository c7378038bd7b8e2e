"""What the gateway answers and journals: signed envelopes, signed faults, journal entries."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from egov_kit.errors import KitError
from egov_kit.shep import ErrorInfo, error_info
from egov_kit.shep.models import Channel
from egov_kit.shep.sealed import seal_fault
from egov_kit.telemetry import current_trace_id

from gateway_shep.domain.journal import Direction, JournalStatus, NewJournalEntry
from gateway_shep.service_layer.context import GatewayContext

log = logging.getLogger(__name__)

# SOAP 1.1 over HTTP: a fault travels with status 500, a normal answer with 200.
HTTP_OK = 200
HTTP_FAULT = 500


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    error_code: str | None = None


def entry(
    direction: Direction, channel: Channel, status: JournalStatus, raw: bytes, **fields: Any
) -> NewJournalEntry:
    """A journal entry for ``raw`` in the current trace."""
    return NewJournalEntry(
        direction=direction, channel=channel, status=status, raw=raw, trace_id=current_trace_id(), **fields
    )


async def record(
    ctx: GatewayContext,
    direction: Direction,
    channel: Channel,
    status: JournalStatus,
    raw: bytes,
    **fields: Any,
) -> None:
    await ctx.journal.append(entry(direction, channel, status, raw, **fields))


async def reject(
    ctx: GatewayContext,
    exc: BaseException,
    *,
    raw: bytes,
    channel: Channel,
    operation: str,
    **fields: Any,
) -> Answer:
    """A signed fault for ``exc`` (named errors keep their code; anything else is INTERNAL_ERROR),
    journaled with the raw bytes as received."""
    if not isinstance(exc, KitError):
        log.exception("internal error while handling %s", operation, exc_info=exc)
    error: ErrorInfo = error_info(exc)
    fault = seal_fault(error, channel, operation, ctx.keypair)
    try:
        await record(
            ctx,
            Direction.REJECTED,
            channel,
            JournalStatus.REJECTED,
            raw,
            error_code=error.error_code,
            **fields,
        )
    except Exception:
        log.exception("could not journal a rejection (%s)", error.error_code)
    return Answer(HTTP_FAULT, fault, error.error_code)
