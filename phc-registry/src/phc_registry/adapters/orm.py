"""Tables of РПН (sqlmodel), prefixed ``phc_``: one metadata is shared by every package.

* ``phc_attachment``   the register of attachments, history kept; a partial unique index allows one
                       active attachment (``detached_on`` NULL) per ИИН
* ``phc_application``  H1 applications with their registration number, status history, documents
* ``phc_counter``      yearly sequences of registration and talon numbers
* ``phc_account``      workstation accounts: argon2 hash, failed attempts, lockout
* ``phc_session``      workstation sessions (the token stored as SHA-256), their ГБД ФЛ look-ups
* ``phc_scan``         scanned documents uploaded at the workstation (files under var/…/scans/)
* ``phc_booking``, ``phc_appointment``  H2: see :mod:`phc_registry.adapters.orm_appointments`
* ``phc_sanatorium_*``  H3: see :mod:`phc_registry.adapters.orm_sanatorium`
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel

from phc_registry.adapters.orm_appointments import APPOINTMENT_TABLES
from phc_registry.adapters.orm_sanatorium import SANATORIUM_TABLES


class AttachmentRow(SQLModel, table=True):
    __tablename__ = "phc_attachment"
    __table_args__ = (
        Index(
            "phc_attachment_one_active",
            "iin",
            unique=True,
            sqlite_where=text("detached_on IS NULL"),
            postgresql_where=text("detached_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    iin: str = Field(index=True, max_length=12)
    organisation: str = Field(index=True, max_length=40)
    section: str = Field(max_length=40)
    doctor: str
    attached_from: date
    detached_on: date | None = None
    registration_number: str | None = None
    talon_number: str | None = None
    application_id: str | None = None


class ApplicationRow(SQLModel, table=True):
    __tablename__ = "phc_application"

    application_id: str = Field(primary_key=True, max_length=36)
    registration_number: str = Field(unique=True, max_length=20)
    channel: str
    recipient_iin: str = Field(index=True, max_length=12)
    recipient_name: str
    organisation: str = Field(index=True, max_length=40)
    section: str | None = None
    reason: str
    status: str
    registered_at: datetime = Field(sa_type=DateTime(timezone=True))
    history: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sender_id: str | None = None  # ШЭП sender of a portal application
    message_id: str | None = Field(default=None, index=True)  # its ШЭП messageId
    registered_by: str | None = None  # the employee's ИИН at the workstation
    signer: str | None = None  # who signed the application (certificate CN and ИИН)
    signed_xml: str = Field(sa_column=Column(Text, nullable=False))
    result_kind: str | None = None  # "talon" or "refusal"
    result_number: str | None = None  # the talon's number
    result_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ground: str | None = None
    update_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    response_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class CounterRow(SQLModel, table=True):
    __tablename__ = "phc_counter"

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0


class AccountRow(SQLModel, table=True):
    __tablename__ = "phc_account"

    iin: str = Field(primary_key=True, max_length=12)
    organisation: str = Field(max_length=40)
    password_hash: str
    failed_attempts: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class SessionRow(SQLModel, table=True):
    __tablename__ = "phc_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    employee_iin: str = Field(index=True, max_length=12)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    service: str | None = None  # the service chosen at step 2
    lookups: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    trace: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ScanRow(SQLModel, table=True):
    __tablename__ = "phc_scan"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True, max_length=64)
    file_name: str
    media_type: str
    size: int
    uploaded_by: str = Field(max_length=12)
    uploaded_at: datetime = Field(sa_type=DateTime(timezone=True))


TABLES = (
    AttachmentRow,
    ApplicationRow,
    CounterRow,
    AccountRow,
    SessionRow,
    ScanRow,
    *APPOINTMENT_TABLES,
    *SANATORIUM_TABLES,
)
