"""Tables of H3 «Выдача заключения о нуждаемости в санаторно-курортном лечении» (sqlmodel), ``phc_``.

* ``phc_sanatorium_application`` H3 requests of both channels: registration number, the term
                                 (``registered_for``, ``due_at``), status history, the signed request,
                                 the decision found at condition 3 / step 6, the signed result
* ``phc_sanatorium_file``        the clinical results a request carried (name, type, size, SHA-256);
                                 the content lies in the scan store (``var/phc-registry/scans/<sha256>``)
* ``phc_sanatorium_card``        the issued cards 069/у by number (signed XML), for the print view
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class SanatoriumApplicationRow(SQLModel, table=True):
    __tablename__ = "phc_sanatorium_application"

    application_id: str = Field(primary_key=True, max_length=36)
    registration_number: str = Field(unique=True, max_length=20)
    channel: str  # portal or provider
    recipient_iin: str = Field(index=True, max_length=12)
    recipient_name: str
    organisation: str = Field(index=True, max_length=40)
    diagnosis_code: str = Field(max_length=12)
    diagnosis_text: str
    examined_on: date
    consent: bool
    confirmation: str  # eds or otp
    submitted_at: datetime = Field(sa_type=DateTime(timezone=True))
    registered_at: datetime = Field(sa_type=DateTime(timezone=True))
    registered_for: datetime = Field(sa_type=DateTime(timezone=True))
    due_at: datetime = Field(sa_type=DateTime(timezone=True))
    status: str  # REGISTERED, ISSUED, REFUSED
    history: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sender_id: str | None = None  # ШЭП sender of a portal request
    message_id: str | None = Field(default=None, index=True)  # its ШЭП messageId
    registered_by: str | None = None  # the employee's ИИН at the workstation
    signer: str | None = None  # who signed (or attested) the request
    signed_xml: str = Field(sa_column=Column(Text, nullable=False))
    # the person as ГБД ФЛ described them at condition 3 / step 6 (what the card 069/у shows)
    person: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # condition 3 / step 6: the ground found (None: none), with its details (ru, kk)
    checked: bool = False
    found_ground: str | None = None
    found_details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pending_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # draft to sign
    result_kind: str | None = None  # card or refusal
    result_number: str | None = None  # the card's number
    result_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    decided_by: str | None = None  # the employee who signed the result (provider channel)
    ground: str | None = None
    update_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    response_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class SanatoriumFileRow(SQLModel, table=True):
    __tablename__ = "phc_sanatorium_file"
    __table_args__ = (UniqueConstraint("application_id", "position", name="phc_sanatorium_file_once"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(index=True, max_length=36)
    position: int
    sha256: str = Field(index=True, max_length=64)
    file_name: str
    media_type: str
    size: int


class SanatoriumCardRow(SQLModel, table=True):
    __tablename__ = "phc_sanatorium_card"

    card_number: str = Field(primary_key=True, max_length=20)
    application_id: str = Field(unique=True, max_length=36)
    registration_number: str = Field(max_length=20)
    organisation: str = Field(index=True, max_length=40)
    recipient_iin: str = Field(index=True, max_length=12)
    channel: str
    issued_at: datetime = Field(sa_type=DateTime(timezone=True))
    valid_until: date
    signed_xml: str = Field(sa_column=Column(Text, nullable=False))


SANATORIUM_TABLES = (SanatoriumApplicationRow, SanatoriumFileRow, SanatoriumCardRow)
