"""Tables of the SMS gateway: ``sms_message`` (the outbox) and ``sms_reply`` (citizens' answers).

Times are stored in UTC; ``seq`` orders rows that share a moment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Text
from sqlmodel import Field, SQLModel


class MessageRow(SQLModel, table=True):
    __tablename__ = "sms_message"
    __table_args__ = (
        Index("ix_sms_message_to_accepted", "to_number", "accepted_at"),
        Index("ix_sms_message_sender_accepted", "sender", "accepted_at"),
        Index("ix_sms_message_accepted", "accepted_at"),
        Index("ix_sms_message_reference", "reference"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=40, unique=True)
    to_number: str = Field(max_length=16)
    sender: str = Field(max_length=11)
    text: str = Field(sa_type=Text)
    reference: str | None = Field(default=None, max_length=200)
    accepted_at: datetime = Field(sa_type=DateTime(timezone=True))
    encoding: str = Field(max_length=8)
    parts: int


class ReplyRow(SQLModel, table=True):
    __tablename__ = "sms_reply"
    __table_args__ = (
        Index("ix_sms_reply_received", "received_at"),
        Index("ix_sms_reply_sender_received", "sender", "received_at"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=40, unique=True)
    from_number: str = Field(max_length=16)
    text: str = Field(sa_type=Text)
    received_at: datetime = Field(sa_type=DateTime(timezone=True))
    in_reply_to: str | None = Field(default=None, max_length=40)
    sender: str | None = Field(default=None, max_length=11)
    reference: str | None = Field(default=None, max_length=200)
