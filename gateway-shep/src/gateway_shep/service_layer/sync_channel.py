"""SyncChannel ``SendMessage``: admit, route to the provider over RabbitMQ, return its signed reply.

Order: parse → authenticate → signature and certificate → messageDate → access → XSD → re-sign as
the gateway → journal (inbound + forwarded, with the messageId claim: a duplicate stops here) →
request/reply on the bus → verify the provider's signed reply → re-sign → journal (reply_inbound +
reply_outbound) → answer. A rejected message never reaches a provider.
"""

from __future__ import annotations

from egov_kit.errors import KitError
from egov_kit.shep import (
    ErrorInfo,
    ShepCode,
    ShepError,
    SyncSendMessageRequest,
    SyncSendMessageResponse,
    validate_body,
)
from egov_kit.shep.sealed import open_signed, seal, seal_fault
from egov_kit.telemetry import span

from gateway_shep.adapters.journal import Claim
from gateway_shep.domain.errors import DuplicateMessageId
from gateway_shep.domain.journal import Direction, JournalStatus
from gateway_shep.domain.registry import Channel
from gateway_shep.service_layer.admission import admit, parse
from gateway_shep.service_layer.answers import HTTP_FAULT, HTTP_OK, Answer, entry, record, reject
from gateway_shep.service_layer.context import GatewayContext

OPERATION = "SendMessage"


async def send_message(ctx: GatewayContext, raw: bytes) -> Answer:
    fields: dict[str, str | None] = {}
    try:
        parsed = parse(ctx, raw)
        request = parsed.model
        if not isinstance(request, SyncSendMessageRequest):
            raise ShepError(
                f"{parsed.operation} is not a SyncChannel request", code=ShepCode.UNKNOWN_OPERATION
            )
        info = request.request_info
        fields = {
            "message_id": info.message_id,
            "service_id": info.service_id,
            "sender_id": info.sender.sender_id,
        }
        admitted = await admit(ctx, raw, parsed, info.sender, info.message_date)
        with span("ШЭП check access", attributes={"shep.service_id": info.service_id}):
            route = ctx.registry.route(admitted.sender, info.service_id)
            if route.channel is not Channel.SYNC:
                raise ShepError(
                    f"{info.service_id} is an asynchronous service; use the AsyncChannel",
                    code=ShepCode.ACCESS_DENIED,
                )
        with span("ШЭП validate against XSD"):
            validate_body(parsed.payload, "sync")
        fields["recipient_id"] = route.provider_id
        # The provider trusts the gateway's signature only; the sender's password never travels on.
        anonymous = info.sender.model_copy(update={"password": None})
        forwarded = seal(
            request.model_copy(update={"request_info": info.model_copy(update={"sender": anonymous})}),
            ctx.keypair,
        )
        with span("ШЭП journal"):
            admitted_now = await ctx.journal.admit(
                Claim(info.message_id, admitted.sender.system_id),
                entry(Direction.INBOUND, "sync", JournalStatus.ACCEPTED, raw, **fields),
                entry(Direction.FORWARDED, "sync", JournalStatus.ACCEPTED, forwarded, **fields),
            )
        if not admitted_now:
            raise DuplicateMessageId(f"messageId {info.message_id} was already accepted")
    except Exception as exc:
        return await reject(ctx, exc, raw=raw, channel="sync", operation=OPERATION, **fields)

    try:
        with span("ШЭП route to provider", attributes={"shep.provider": route.provider_id}):
            reply = await ctx.bus.call(
                route.provider_id,
                body=forwarded,
                message_id=info.message_id,
                service_id=info.service_id,
                sender_id=admitted.sender.system_id,
                timeout=route.timeout_seconds(ctx.settings.sync_timeout_seconds),
            )
    except Exception as exc:
        return await reject(ctx, exc, raw=raw, channel="sync", operation=OPERATION, **fields)
    return await _relay_reply(ctx, reply.body, route.provider_id, fields)


async def _relay_reply(
    ctx: GatewayContext, body: bytes, provider_id: str, fields: dict[str, str | None]
) -> Answer:
    reply_fields = {**fields, "sender_id": provider_id, "recipient_id": fields.get("sender_id")}
    try:
        with span("ШЭП verify provider reply"):
            opened = await open_signed(body, ctx.validator, expected_signer=provider_id)
    except KitError as exc:
        await record(
            ctx,
            Direction.REPLY_INBOUND,
            "sync",
            JournalStatus.FAILED,
            body,
            error_code=exc.code,
            **reply_fields,
        )
        invalid = ShepError(
            f"the provider's reply was refused: {exc.message}", code=ShepCode.PROVIDER_REPLY_INVALID
        )
        return await reject(ctx, invalid, raw=body, channel="sync", operation=OPERATION, **fields)
    model = opened.model
    if isinstance(model, ErrorInfo):
        # The provider's own fault (a business refusal) passes on unchanged, signed by the gateway.
        answer = seal_fault(model, "sync", OPERATION, ctx.keypair)
        code = model.error_code
        await ctx.journal.append(
            entry(
                Direction.REPLY_INBOUND, "sync", JournalStatus.ACCEPTED, body, error_code=code, **reply_fields
            ),
            entry(
                Direction.REPLY_OUTBOUND,
                "sync",
                JournalStatus.REPLIED,
                answer,
                error_code=code,
                **reply_fields,
            ),
        )
        return Answer(HTTP_FAULT, answer, code)
    if not isinstance(model, SyncSendMessageResponse):
        await record(ctx, Direction.REPLY_INBOUND, "sync", JournalStatus.FAILED, body, **reply_fields)
        invalid = ShepError(f"the provider answered {opened.operation}", code=ShepCode.PROVIDER_REPLY_INVALID)
        return await reject(ctx, invalid, raw=body, channel="sync", operation=OPERATION, **fields)
    answer = seal(model, ctx.keypair)
    await ctx.journal.append(
        entry(Direction.REPLY_INBOUND, "sync", JournalStatus.ACCEPTED, body, **reply_fields),
        entry(Direction.REPLY_OUTBOUND, "sync", JournalStatus.REPLIED, answer, **reply_fields),
    )
    return Answer(HTTP_OK, answer)
