"""JSON bodies of the SMS gateway's API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sms_gateway.domain.model import Message, Reply


class MessageIn(BaseModel):
    to: str = Field(description="Kazakhstan mobile number, +7 7xx xxx xx xx", examples=["+77011234567"])
    text: str = Field(description="at most 480 characters", examples=["Бір реттік құпиясөз: 123456."])
    sender: str = Field(description="sender id shown on the phone: 1-11 characters", examples=["EGOV"])
    reference: str | None = Field(
        None, description="the caller's own id of the request (at most 200 characters; echoed in replies)"
    )


class Accepted(BaseModel):
    id: str
    accepted_at: datetime
    to: str = Field(description="the number, normalised to +77xxxxxxxxx")
    parts: int = Field(description="SMS parts on the air (GSM-7: 160/153 characters, UCS-2: 70/67)")


class MessageOut(BaseModel):
    id: str
    to: str
    sender: str
    text: str
    reference: str | None
    accepted_at: datetime
    encoding: str = Field(description="GSM-7 or UCS-2")
    parts: int

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            to=message.to,
            sender=message.sender,
            text=message.text,
            reference=message.reference,
            accepted_at=message.accepted_at,
            encoding=message.encoding,
            parts=message.parts,
        )


class OutboxPage(BaseModel):
    count: int
    messages: list[MessageOut]


class ReplyIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_number: str = Field(alias="from", description="the citizen's number", examples=["+77011234567"])
    text: str = Field(description="at most 480 characters", examples=["ИӘ"])
    in_reply_to: str | None = Field(
        None, description="id of the answered message; by default the newest one sent to that number"
    )


class ReplyOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    from_number: str = Field(alias="from")
    text: str
    received_at: datetime
    in_reply_to: str | None = Field(description="id of the answered message")
    sender: str | None = Field(description="sender id of the answered message: whom the reply is for")
    reference: str | None = Field(description="reference of the answered message")

    @classmethod
    def of(cls, reply: Reply) -> ReplyOut:
        return cls(
            id=reply.id,
            from_number=reply.from_number,
            text=reply.text,
            received_at=reply.received_at,
            in_reply_to=reply.in_reply_to,
            sender=reply.sender,
            reference=reply.reference,
        )


class RepliesPage(BaseModel):
    count: int
    replies: list[ReplyOut]
