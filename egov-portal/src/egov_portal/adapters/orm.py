"""Tables of egov-portal (sqlmodel), prefixed ``portal_``: one metadata is shared by every package.

Moments are kept as ISO 8601 text with their offset, so SQLite and PostgreSQL read back the same
aware datetimes; nested parts (the person's places, an organisation, a result's fields) are JSON.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class UserRow(SQLModel, table=True):
    __tablename__ = "portal_user"

    iin: str = Field(primary_key=True, max_length=12)
    password_hash: str
    phone: str
    person: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    registered_at: str
    person_checked_at: str
    failed_logins: int = 0
    locked_until: str | None = None


class SessionRow(SQLModel, table=True):
    __tablename__ = "portal_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    csrf_token: str
    created_at: str
    last_seen_at: str
    expires_at: str = Field(index=True)
    user_iin: str | None = Field(default=None, index=True)
    traceparent: str | None = None


class ApplicationRow(SQLModel, table=True):
    __tablename__ = "portal_application"

    application_id: str = Field(primary_key=True, max_length=64)
    service_id: str
    user_iin: str = Field(index=True)
    status: str = Field(index=True)
    created_at: str
    organisation: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    reason: str
    unsigned_xml: str = Field(sa_column=Column(Text, nullable=False))
    signed_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    message_id: str | None = Field(default=None, index=True)
    registration_number: str | None = Field(default=None, index=True)  # «1414» looks it up
    traceparent: str | None = None
    refusal: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    refusal_step: str | None = None
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    result_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0


class ApplicationEventRow(SQLModel, table=True):
    __tablename__ = "portal_application_event"

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(index=True)
    seq: int
    status: str
    at: str
    step: str | None = None
    number: str | None = None
    reason: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    message_id: str | None = None


class SurveyAnswerRow(SQLModel, table=True):
    """Seed 002 appendix 3: one answer per application (the primary key), no personal data."""

    __tablename__ = "portal_survey_answer"

    application_id: str = Field(primary_key=True, max_length=64)
    service_id: str = Field(index=True)
    answers: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    answered_at: str


TABLES = (UserRow, SessionRow, ApplicationRow, ApplicationEventRow, SurveyAnswerRow)
