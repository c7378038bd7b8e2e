"""Repositories of the outbox and the replies over one SQL session (the unit of work's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from egov_kit.clock import KZ_TZ
from sqlmodel import Session, col, select

from sms_gateway.adapters.orm import MessageRow, ReplyRow
from sms_gateway.domain.model import Message, OutboxQuery, Reply, ReplyQuery


def _to_db(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _from_db(moment: datetime) -> datetime:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(KZ_TZ)


class MessageRepository(Protocol):
    def add(self, message: Message) -> None: ...

    def get(self, message_id: str) -> Message | None: ...

    def latest_to(self, number: str) -> Message | None: ...

    def search(self, query: OutboxQuery) -> list[Message]: ...


class ReplyRepository(Protocol):
    def add(self, reply: Reply) -> None: ...

    def search(self, query: ReplyQuery) -> list[Reply]: ...


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        to=row.to_number,
        sender=row.sender,
        text=row.text,
        reference=row.reference,
        accepted_at=_from_db(row.accepted_at),
        encoding=row.encoding,
        parts=row.parts,
    )


def _reply(row: ReplyRow) -> Reply:
    return Reply(
        id=row.id,
        from_number=row.from_number,
        text=row.text,
        received_at=_from_db(row.received_at),
        in_reply_to=row.in_reply_to,
        sender=row.sender,
        reference=row.reference,
    )


class SqlMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: Message) -> None:
        self.session.add(
            MessageRow(
                id=message.id,
                to_number=message.to,
                sender=message.sender,
                text=message.text,
                reference=message.reference,
                accepted_at=_to_db(message.accepted_at),
                encoding=message.encoding,
                parts=message.parts,
            )
        )

    def get(self, message_id: str) -> Message | None:
        row = self.session.exec(select(MessageRow).where(MessageRow.id == message_id)).first()
        return None if row is None else _message(row)

    def latest_to(self, number: str) -> Message | None:
        statement = (
            select(MessageRow)
            .where(MessageRow.to_number == number)
            .order_by(col(MessageRow.accepted_at).desc(), col(MessageRow.seq).desc())
            .limit(1)
        )
        row = self.session.exec(statement).first()
        return None if row is None else _message(row)

    def search(self, query: OutboxQuery) -> list[Message]:
        statement = select(MessageRow)
        if query.to is not None:
            statement = statement.where(MessageRow.to_number == query.to)
        if query.sender is not None:
            statement = statement.where(MessageRow.sender == query.sender)
        if query.reference is not None:
            statement = statement.where(MessageRow.reference == query.reference)
        if query.since is not None:
            statement = statement.where(col(MessageRow.accepted_at) >= _to_db(query.since))
        statement = statement.order_by(col(MessageRow.accepted_at).desc(), col(MessageRow.seq).desc())
        return [_message(row) for row in self.session.exec(statement.limit(query.limit)).all()]


class SqlReplyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, reply: Reply) -> None:
        self.session.add(
            ReplyRow(
                id=reply.id,
                from_number=reply.from_number,
                text=reply.text,
                received_at=_to_db(reply.received_at),
                in_reply_to=reply.in_reply_to,
                sender=reply.sender,
                reference=reply.reference,
            )
        )

    def search(self, query: ReplyQuery) -> list[Reply]:
        statement = select(ReplyRow)
        if query.sender is not None:
            statement = statement.where(ReplyRow.sender == query.sender)
        if query.since is not None:
            statement = statement.where(col(ReplyRow.received_at) >= _to_db(query.since))
        statement = statement.order_by(col(ReplyRow.received_at), col(ReplyRow.seq))
        return [_reply(row) for row in self.session.exec(statement.limit(query.limit)).all()]
