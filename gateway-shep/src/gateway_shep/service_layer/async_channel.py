"""AsyncChannel: ``sendMessage``, ``getMessageStatus``, ``getMessages``, ``sendDeliveryNotification``.

An accepted ``sendMessage`` is stored (state ACCEPTED, with the envelope as re-signed by the
gateway) before it is published to the recipient's durable queue with publisher confirms (state
DELIVERED); the recipient confirms with ``sendDeliveryNotification`` (RECEIVED). A REQUEST goes to
the service's provider; an UPDATE, NOTIFICATION or RESPONSE goes back to whoever sent the request its
``correlationId`` names. Whatever a recipient has not confirmed can be pulled with ``getMessages``.
"""

from __future__ import annotations

from egov_kit.clock import now
from egov_kit.shep import (
    AsyncGetMessagesRequest,
    AsyncGetMessagesResponse,
    AsyncGetMessageStatusRequest,
    AsyncGetMessageStatusResponse,
    AsyncMessage,
    AsyncSendDeliveryNotificationRequest,
    AsyncSendDeliveryNotificationResponse,
    AsyncSendMessageRequest,
    AsyncSendMessageResponse,
    MessageState,
    MessageStatusInfo,
    ReceiveStatus,
    ShepCode,
    ShepError,
    validate_body,
)
from egov_kit.shep.models import new_message_id, new_session_id
from egov_kit.shep.sealed import read, seal
from egov_kit.telemetry import current_trace_id, inject, span

from gateway_shep.adapters.journal import Claim
from gateway_shep.domain.async_messages import shep_message_state
from gateway_shep.domain.errors import AccessDenied, DuplicateMessageId, MessageNotFound
from gateway_shep.domain.journal import Direction, JournalStatus
from gateway_shep.domain.registry import Channel
from gateway_shep.service_layer.admission import admit, parse
from gateway_shep.service_layer.answers import HTTP_OK, Answer, entry, record, reject
from gateway_shep.service_layer.context import GatewayContext


async def handle(ctx: GatewayContext, raw: bytes) -> Answer:
    operation = "sendMessage"
    fields: dict[str, str | None] = {}
    try:
        parsed = parse(ctx, raw)
        operation = parsed.operation
        model = parsed.model
        if isinstance(model, AsyncSendMessageRequest):
            return await _send_message(ctx, raw, parsed, model)
        if isinstance(model, AsyncGetMessageStatusRequest):
            fields = {"message_id": model.message_id, "sender_id": model.sender.sender_id}
            admitted = await admit(ctx, raw, parsed, model.sender, None)
            validate_body(parsed.payload, "async")
            return Answer(
                HTTP_OK, seal(_message_status(ctx, admitted.sender.system_id, model.message_id), ctx.keypair)
            )
        if isinstance(model, AsyncGetMessagesRequest):
            fields = {
                "service_id": model.service_id,
                "sender_id": model.sender.sender_id if model.sender else None,
            }
            admitted = await admit(ctx, raw, parsed, model.sender, None)
            validate_body(parsed.payload, "async")
            return Answer(HTTP_OK, seal(_messages_for(ctx, admitted.sender.system_id, model), ctx.keypair))
        if isinstance(model, AsyncSendDeliveryNotificationRequest):
            notification = model.notification
            fields = {
                "message_id": notification.message_id,
                "service_id": notification.service_id,
                "sender_id": model.sender.sender_id if model.sender else None,
            }
            admitted = await admit(ctx, raw, parsed, model.sender, None)
            validate_body(parsed.payload, "async")
            answer = _delivery_notification(ctx, admitted.sender.system_id, model)
            await record(ctx, Direction.INBOUND, "async", JournalStatus.RECEIVED, raw, **fields)
            return Answer(HTTP_OK, seal(answer, ctx.keypair))
        raise ShepError(f"{parsed.operation} is not an AsyncChannel request", code=ShepCode.UNKNOWN_OPERATION)
    except Exception as exc:
        return await reject(
            ctx, exc, raw=raw, channel="async", operation=_request_operation(operation), **fields
        )


def _request_operation(operation: str) -> str:
    return operation.removesuffix("Response")


async def _send_message(ctx: GatewayContext, raw: bytes, parsed, request: AsyncSendMessageRequest) -> Answer:  # type: ignore[no-untyped-def]
    info = request.message_info
    message_id = info.message_id or new_message_id()
    fields: dict[str, str | None] = {
        "message_id": message_id,
        "correlation_id": info.correlation_id,
        "service_id": info.service_id,
        "sender_id": info.sender.sender_id,
        "message_type": info.message_type.value,
    }
    try:
        admitted = await admit(ctx, raw, parsed, info.sender, info.message_date)
        with span("ШЭП check access", attributes={"shep.service_id": info.service_id}):
            route = ctx.registry.route(admitted.sender, info.service_id, info.message_type.value)
            if route.channel is not Channel.ASYNC:
                raise ShepError(
                    f"{info.service_id} is a synchronous service; use the SyncChannel",
                    code=ShepCode.ACCESS_DENIED,
                )
            recipient_id = route.recipient_id or _reply_recipient(
                ctx, admitted.sender.system_id, info.correlation_id
            )
        with span("ШЭП validate against XSD"):
            validate_body(parsed.payload, "async")
        fields["recipient_id"] = recipient_id
        forwarded_info = info.model_copy(
            update={"message_id": message_id, "sender": info.sender.model_copy(update={"password": None})}
        )
        forwarded = seal(request.model_copy(update={"message_info": forwarded_info}), ctx.keypair)
        # Both entries before the publish, as on the SyncChannel: the recipient may answer before
        # the publisher confirm returns, and the journal's order must follow cause and effect.
        with span("ШЭП journal"):
            admitted_now = await ctx.journal.admit(
                Claim(message_id, admitted.sender.system_id),
                entry(Direction.INBOUND, "async", JournalStatus.ACCEPTED, raw, **fields),
                entry(Direction.FORWARDED, "async", JournalStatus.ACCEPTED, forwarded, **fields),
            )
        if not admitted_now:
            raise DuplicateMessageId(f"messageId {message_id} was already accepted")
    except Exception as exc:
        return await reject(ctx, exc, raw=raw, channel="async", operation="sendMessage", **fields)

    traceparent = inject().get("traceparent")
    ctx.store.async_messages.add(
        message_id=message_id,
        service_id=info.service_id,
        sender_id=admitted.sender.system_id,
        recipient_id=recipient_id,
        message_type=info.message_type.value,
        envelope=forwarded,
        correlation_id=info.correlation_id,
        trace_id=current_trace_id(),
        traceparent=traceparent,
    )
    try:
        with span("ШЭП deliver to recipient queue", attributes={"shep.recipient": recipient_id}):
            await ctx.bus.deliver(
                recipient_id,
                body=forwarded,
                message_id=message_id,
                correlation_id=info.correlation_id,
                service_id=info.service_id,
                sender_id=admitted.sender.system_id,
            )
        ctx.store.async_messages.mark_delivered(message_id)  # getMessageStatus tells DELIVERED
    except Exception as exc:
        # Kept for getMessages: the recipient can still pull it; the sender sees NOT_DELIVERED. The
        # journal adds the failure after the forwarded entry.
        ctx.store.async_messages.mark_failed(message_id, str(exc))
        await record(
            ctx,
            Direction.FORWARDED,
            "async",
            JournalStatus.FAILED,
            forwarded,
            error_code=getattr(exc, "code", "INTERNAL_ERROR"),
            **fields,
        )
    response = AsyncSendMessageResponse(
        message_id=message_id, correlation_id=info.correlation_id or message_id, response_date=now()
    )
    return Answer(HTTP_OK, seal(response, ctx.keypair))


def _reply_recipient(ctx: GatewayContext, replier_id: str, correlation_id: str | None) -> str:
    """A reply goes to the sender of the request it answers, and only its recipient may answer it."""
    if not correlation_id:
        raise ShepError(
            "an UPDATE, NOTIFICATION or RESPONSE must name its request in correlationId",
            code=ShepCode.SCHEMA_VIOLATION,
        )
    original = ctx.store.async_messages.get(correlation_id)
    if original is None:
        raise MessageNotFound(f"no request with messageId {correlation_id} to answer")
    if original.recipient_id != replier_id:
        raise AccessDenied(f"{replier_id} did not receive {correlation_id} and may not answer it")
    return original.sender_id


def _visible_message(ctx: GatewayContext, system_id: str, message_id: str):  # type: ignore[no-untyped-def]
    message = ctx.store.async_messages.get(message_id)
    if message is None or system_id not in (message.sender_id, message.recipient_id):
        raise MessageNotFound(f"no message {message_id} sent by or to {system_id}")
    return message


def _message_status(ctx: GatewayContext, system_id: str, message_id: str) -> AsyncGetMessageStatusResponse:
    message = _visible_message(ctx, system_id, message_id)
    state = MessageState(shep_message_state(message.state))
    return AsyncGetMessageStatusResponse(
        message_state=state,
        status=MessageStatusInfo(
            status_code=message.state, status_message=message.last_error or state.value, status_date=now()
        ),
        response_date=now(),
    )


def _messages_for(
    ctx: GatewayContext, system_id: str, request: AsyncGetMessagesRequest
) -> AsyncGetMessagesResponse:
    pending = ctx.store.async_messages.list_undelivered_for(system_id, limit=request.amount or 100)
    messages: list[AsyncMessage] = []
    for stored in pending:
        if stored.service_id != request.service_id:
            continue
        forwarded = read(stored.envelope).model
        if isinstance(forwarded, AsyncSendMessageRequest):
            messages.append(
                AsyncMessage(message_info=forwarded.message_info, message_data=forwarded.message_data)
            )
    return AsyncGetMessagesResponse(response_date=now(), session_id=new_session_id(), messages=messages)


def _delivery_notification(
    ctx: GatewayContext, system_id: str, request: AsyncSendDeliveryNotificationRequest
) -> AsyncSendDeliveryNotificationResponse:
    notification = request.notification
    message = _visible_message(ctx, system_id, notification.message_id)
    accepted = notification.delivery_status.receive_status is ReceiveStatus.MESSAGE_ACCEPTED
    error = notification.delivery_status.error
    ctx.store.async_messages.mark_received(
        message.message_id,
        accepted=accepted,
        error=error.error_message if error else None,
        by_system=system_id,
    )
    return AsyncSendDeliveryNotificationResponse(
        notification_id=new_message_id(), response_date=now(), session_id=new_session_id()
    )
