"""Tables of H2 «Запись на прием к врачу» (sqlmodel), prefixed ``phc_``.

* ``phc_booking``      the pre-registration journal: one row per booking; a partial unique index
                       allows one ACTIVE booking per (doctor, slot start) — two concurrent bookings of
                       the same slot give one row and one IntegrityError (``SLOT_TAKEN``)
* ``phc_appointment``  H2 requests through the portal: registration number, status history, the
                       signed request and the signed result (appointment or refusal)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel


class BookingRow(SQLModel, table=True):
    __tablename__ = "phc_booking"
    __table_args__ = (
        Index(
            "phc_booking_one_active_per_slot",
            "doctor_id",
            "slot_key",
            unique=True,
            sqlite_where=text("status = 'ACTIVE'"),
            postgresql_where=text("status = 'ACTIVE'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_number: str = Field(unique=True, max_length=20)
    doctor_id: str = Field(index=True, max_length=40)
    organisation: str = Field(index=True, max_length=40)
    slot_key: str = Field(max_length=20)  # the slot start in UTC, ISO to the second (…Z)
    slot_start: datetime = Field(sa_type=DateTime(timezone=True))
    slot_end: datetime = Field(sa_type=DateTime(timezone=True))
    iin: str = Field(index=True, max_length=12)
    full_name: str
    channel: str  # portal, in_person, phone
    status: str = "ACTIVE"  # ACTIVE or CANCELLED
    application_id: str | None = Field(default=None, index=True, max_length=36)
    registration_number: str | None = None
    booked_by: str | None = None  # the registrar's ИИН (provider channel)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    cancelled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AppointmentRow(SQLModel, table=True):
    __tablename__ = "phc_appointment"

    application_id: str = Field(primary_key=True, max_length=36)
    registration_number: str = Field(unique=True, max_length=20)
    recipient_iin: str = Field(index=True, max_length=12)
    recipient_name: str
    organisation: str = Field(index=True, max_length=40)
    doctor_id: str = Field(max_length=40)
    slot_start: datetime = Field(sa_type=DateTime(timezone=True))
    status: str
    registered_at: datetime = Field(sa_type=DateTime(timezone=True))
    history: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sender_id: str | None = None
    message_id: str | None = Field(default=None, index=True)
    signer: str | None = None
    signed_xml: str = Field(sa_column=Column(Text, nullable=False))
    booking_number: str | None = None
    result_kind: str | None = None  # "appointment" or "refusal"
    result_xml: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ground: str | None = None
    update_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    response_sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


APPOINTMENT_TABLES = (BookingRow, AppointmentRow)
