"""Admission of an inbound envelope, in the gateway's documented order.

parse → authenticate the sender (senderId + password) → verify the WS-Security signature and the
signer's certificate (chain, dates, OCSP/CRL) and that it is bound to that sender → messageDate
window. Access and XSD checks follow per operation. Each step is a span; each failure a named error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from egov_kit.clock import now
from egov_kit.shep import SenderInfo
from egov_kit.shep.sealed import OpenedEnvelope, open_signed, read
from egov_kit.shep.soap import ParsedEnvelope
from egov_kit.telemetry import span

from gateway_shep.domain.registry import InformationSystem, check_certificate_binding, check_message_date
from gateway_shep.service_layer.context import GatewayContext


@dataclass(frozen=True)
class Admitted:
    opened: OpenedEnvelope
    sender: InformationSystem

    @property
    def parsed(self) -> ParsedEnvelope:
        return self.opened.parsed


def parse(ctx: GatewayContext, raw: bytes) -> ParsedEnvelope:
    with span("ШЭП parse", attributes={"shep.bytes": len(raw)}):
        return read(raw, max_bytes=ctx.settings.max_message_bytes)


async def admit(
    ctx: GatewayContext,
    raw: bytes,
    parsed: ParsedEnvelope,
    sender: SenderInfo | None,
    message_date: datetime | None,
) -> Admitted:
    with span("ШЭП authenticate sender", attributes={"shep.sender_id": sender.sender_id if sender else None}):
        if sender is None:
            from gateway_shep.domain.errors import SenderUnknown

            raise SenderUnknown("the message names no sender")
        system = ctx.registry.authenticate(sender.sender_id, sender.password or "")
    with span("ШЭП verify signature and certificate"):
        opened = await open_signed(raw, ctx.validator, parsed=parsed)
        check_certificate_binding(system, opened.signer.common_name, opened.signer.bin)
    if message_date is not None:
        check_message_date(message_date, now(), ctx.settings.message_date_window)
    return Admitted(opened=opened, sender=system)
