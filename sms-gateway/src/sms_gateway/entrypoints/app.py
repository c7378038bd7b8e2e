"""The SMS gateway's HTTP face: send, the outbox, replies, ``/healthz``.

``create_app`` prepares the database eagerly, so the app also works in-process without lifespan
events. Texts and full numbers never go to logs or spans: a text may carry a one-time password.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from egov_kit.clock import KZ_TZ
from egov_kit.db import create_engine_for, create_tables, database_ready
from egov_kit.telemetry import extracted, setup_telemetry, span
from egov_kit.web import ErrorBody, Readiness, healthz_router
from fastapi import Depends, FastAPI, Header, Query, Request, status
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind

from sms_gateway.adapters.orm import MessageRow, ReplyRow
from sms_gateway.domain.model import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidSince,
    OutboxQuery,
    ReplyQuery,
    SmsError,
    Unauthorized,
    mask_number,
)
from sms_gateway.entrypoints.schemas import (
    Accepted,
    MessageIn,
    MessageOut,
    OutboxPage,
    RepliesPage,
    ReplyIn,
    ReplyOut,
)
from sms_gateway.service_layer import handlers
from sms_gateway.service_layer.unit_of_work import sql_unit_of_work_factory
from sms_gateway.settings import Settings

log = logging.getLogger("sms_gateway")

TAG_SEND = "send"
TAG_OUTBOX = "outbox"
TAG_REPLIES = "replies"
TAGS = [
    {"name": TAG_SEND, "description": "What a system (the portal) sends to a citizen's phone"},
    {"name": TAG_OUTBOX, "description": "The SMS that 'arrived on the phone', for tests and newcomers"},
    {
        "name": TAG_REPLIES,
        "description": "Citizens' answers to an SMS: posted by the phone, polled by the sender",
    },
    {"name": "health", "description": "Readiness"},
]

_OFFSET_AFTER_SPACE = re.compile(r" (\d{2}:?\d{2})$")


def _errors(*codes: str, status_code: int = 400) -> dict[int | str, dict[str, Any]]:
    return {status_code: {"model": ErrorBody, "description": ", ".join(codes)}}


def parse_since(value: str | None) -> datetime | None:
    """``since``: an ISO 8601 moment; a naive one is Kazakhstan time (UTC+5).

    A ``+`` of the offset that was not encoded as ``%2B`` arrives as a space and is put back.
    """
    if value is None or value.strip() == "":
        return None
    text = _OFFSET_AFTER_SPACE.sub(r"+\1", value.strip()).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidSince(f"since is an ISO 8601 moment, e.g. 2025-03-03T10:00:00+05:00: {value!r}") from exc
    return moment.replace(tzinfo=KZ_TZ) if moment.tzinfo is None else moment


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    setup_telemetry(settings.service_name, otlp_endpoint=settings.otlp_endpoint)
    engine = create_engine_for(settings.db_url)
    create_tables(engine, MessageRow, ReplyRow)
    uow_factory = sql_unit_of_work_factory(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="sms-gateway",
        summary="The mobile operator's SMS gateway, as a mock",
        description=(
            "Systems send SMS to Kazakhstan mobile numbers (`POST /api/messages`); every accepted "
            "message is 'delivered' at once and can be read in the outbox (`GET /api/outbox`). A citizen's "
            "answer is posted to `POST /api/replies` and polled by the sender with `GET /api/replies`."
            + (" Senders present `Authorization: Bearer <SMS_GATEWAY_TOKEN>`." if settings.token else "")
        ),
        version="0.1.0",
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.uow_factory = uow_factory

    readiness = Readiness(settings.service_name)
    readiness.add("database", lambda: database_ready(engine))
    app.include_router(healthz_router(readiness))

    @app.exception_handler(SmsError)
    async def _named_error(_request: Request, exc: SmsError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(
            {"error": exc.code, "message": exc.message}, status_code=exc.http_status, headers=headers
        )

    def sender_token(authorization: Annotated[str | None, Header()] = None) -> None:
        """Senders' endpoints: the bearer token when ``SMS_GATEWAY_TOKEN`` is set, nothing otherwise."""
        if settings.token is None:
            return
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(), settings.token.encode()
        ):
            raise Unauthorized("send Authorization: Bearer <the gateway's token>")

    @app.post(
        "/api/messages",
        tags=[TAG_SEND],
        status_code=status.HTTP_202_ACCEPTED,
        response_model=Accepted,
        responses={
            **_errors("INVALID_NUMBER, EMPTY_TEXT, TEXT_TOO_LONG, INVALID_SENDER, INVALID_REFERENCE"),
            **_errors("UNAUTHORIZED (only when the gateway has a token)", status_code=401),
        },
        dependencies=[Depends(sender_token)],
        summary="Send an SMS to a Kazakhstan mobile number",
    )
    def send(body: MessageIn, request: Request) -> Accepted:
        """Accept an SMS; it appears in the outbox at once. W3C trace context headers are continued."""
        with (
            extracted(request.headers),
            span("sms-gateway: accept message", kind=SpanKind.SERVER) as current,
        ):
            message = handlers.send_message(
                uow_factory, to=body.to, text=body.text, sender=body.sender, reference=body.reference
            )
            current.set_attribute("egov.sms.id", message.id)
            current.set_attribute("egov.sms.sender", message.sender)
            current.set_attribute("egov.sms.parts", message.parts)
            if message.reference:
                current.set_attribute("egov.sms.reference", message.reference)
        log.info(
            "accepted %s from %s to %s (%d part(s))",
            message.id,
            message.sender,
            mask_number(message.to),
            message.parts,
        )
        return Accepted(id=message.id, accepted_at=message.accepted_at, to=message.to, parts=message.parts)

    @app.get(
        "/api/outbox",
        tags=[TAG_OUTBOX],
        response_model=OutboxPage,
        responses=_errors("INVALID_NUMBER, INVALID_SINCE"),
        summary="Messages sent, newest first",
    )
    def get_outbox(
        to: Annotated[str | None, Query(description="the phone number (any accepted spelling)")] = None,
        sender: str | None = None,
        reference: str | None = None,
        since: Annotated[
            str | None, Query(description="ISO 8601: accepted then or later (naive = UTC+5)")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> OutboxPage:
        """What arrived on the phones: every given filter must hold."""
        query = OutboxQuery(
            to=to or None,
            sender=sender or None,
            reference=reference or None,
            since=parse_since(since),
            limit=limit,
        )
        messages = handlers.outbox(uow_factory, query)
        return OutboxPage(count=len(messages), messages=[MessageOut.of(message) for message in messages])

    @app.get(
        "/api/outbox/{message_id}",
        tags=[TAG_OUTBOX],
        response_model=MessageOut,
        responses=_errors("MESSAGE_NOT_FOUND", status_code=404),
        summary="One message",
    )
    def get_message(message_id: str) -> MessageOut:
        return MessageOut.of(handlers.get_message(uow_factory, message_id))

    @app.post(
        "/api/replies",
        tags=[TAG_REPLIES],
        status_code=status.HTTP_201_CREATED,
        response_model=ReplyOut,
        responses=_errors(
            "INVALID_NUMBER, EMPTY_TEXT, TEXT_TOO_LONG, IN_REPLY_TO_UNKNOWN, REPLY_FROM_OTHER_NUMBER"
        ),
        summary="The phone's side: a citizen answers an SMS",
    )
    def post_reply(body: ReplyIn) -> ReplyOut:
        """Store a reply: to ``in_reply_to``, or else to the newest message sent to that number."""
        reply = handlers.receive_reply(
            uow_factory, from_number=body.from_number, text=body.text, in_reply_to=body.in_reply_to
        )
        log.info("reply %s from %s to %s", reply.id, mask_number(reply.from_number), reply.in_reply_to)
        return ReplyOut.of(reply)

    @app.get(
        "/api/replies",
        tags=[TAG_REPLIES],
        response_model=RepliesPage,
        responses={
            **_errors("INVALID_SINCE"),
            **_errors("UNAUTHORIZED (only when the gateway has a token)", status_code=401),
        },
        dependencies=[Depends(sender_token)],
        summary="Replies received, oldest first (the sender polls them)",
    )
    def get_replies(
        since: Annotated[
            str | None, Query(description="ISO 8601: received then or later (naive = UTC+5)")
        ] = None,
        sender: Annotated[str | None, Query(description="only replies to this sender's messages")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> RepliesPage:
        found = handlers.replies(
            uow_factory, ReplyQuery(sender=sender or None, since=parse_since(since), limit=limit)
        )
        return RepliesPage(count=len(found), replies=[ReplyOut.of(reply) for reply in found])

    return app
