"""The gateway's steps: accept a message, read the outbox, take a citizen's reply, list replies."""

from __future__ import annotations

import uuid
from dataclasses import replace

from egov_kit import clock

from sms_gateway.domain.model import (
    MAX_LIMIT,
    Message,
    MessageNotFound,
    OutboxQuery,
    Reply,
    ReplyFromOtherNumber,
    ReplyQuery,
    UnknownMessage,
    check_reference,
    check_sender,
    check_text,
    encoding_of,
    normalise_number,
)
from sms_gateway.service_layer.unit_of_work import UnitOfWorkFactory


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def send_message(
    uow_factory: UnitOfWorkFactory, *, to: str, text: str, sender: str, reference: str | None = None
) -> Message:
    """Accept an SMS for a Kazakhstan mobile number; it lands in the outbox at once (delivered)."""
    encoding = encoding_of(check_text(text))
    message = Message(
        id=_new_id("sms"),
        to=normalise_number(to),
        sender=check_sender(sender),
        text=text,
        reference=check_reference(reference),
        accepted_at=clock.now(),
        encoding=encoding.name,
        parts=encoding.parts,
    )
    with uow_factory() as uow:
        uow.messages.add(message)
    return message


def get_message(uow_factory: UnitOfWorkFactory, message_id: str) -> Message:
    with uow_factory() as uow:
        message = uow.messages.get(message_id)
    if message is None:
        raise MessageNotFound(f"no message {message_id!r} in the outbox")
    return message


def outbox(uow_factory: UnitOfWorkFactory, query: OutboxQuery) -> list[Message]:
    """Messages matching every filter, newest first."""
    query = replace(
        query,
        to=None if query.to is None else normalise_number(query.to),
        limit=max(1, min(query.limit, MAX_LIMIT)),
    )
    with uow_factory() as uow:
        return uow.messages.search(query)


def receive_reply(
    uow_factory: UnitOfWorkFactory, *, from_number: str, text: str, in_reply_to: str | None = None
) -> Reply:
    """Store a citizen's SMS to the gateway.

    It answers ``in_reply_to`` when given (a message sent to that same number), and otherwise the
    newest message sent to the number, as a phone's reply goes to the conversation it is in; a
    number that never received anything gives a reply linked to nothing.
    """
    number = normalise_number(from_number)
    check_text(text)
    with uow_factory() as uow:
        if in_reply_to:
            answered = uow.messages.get(in_reply_to)
            if answered is None:
                raise UnknownMessage(f"in_reply_to names no message of the outbox: {in_reply_to!r}")
            if answered.to != number:
                raise ReplyFromOtherNumber(f"message {in_reply_to!r} was sent to another number")
        else:
            answered = uow.messages.latest_to(number)
        reply = Reply(
            id=_new_id("reply"),
            from_number=number,
            text=text,
            received_at=clock.now(),
            in_reply_to=answered.id if answered else None,
            sender=answered.sender if answered else None,
            reference=answered.reference if answered else None,
        )
        uow.replies.add(reply)
    return reply


def replies(uow_factory: UnitOfWorkFactory, query: ReplyQuery) -> list[Reply]:
    """Replies matching the filters, oldest first (a poller keeps the last ``received_at``)."""
    with uow_factory() as uow:
        return uow.replies.search(replace(query, limit=max(1, min(query.limit, MAX_LIMIT))))
