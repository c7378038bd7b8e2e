"""Repositories of H2 over one sqlmodel session: the pre-registration journal and portal requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from egov_kit.calendar import get_calendar
from egov_kit.clock import now
from sqlmodel import Session, col, select

from phc_registry.adapters.orm_appointments import AppointmentRow, BookingRow
from phc_registry.domain.appointments import Booking, BookingChannel, BookingStatus, slot_key


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_booking(row: BookingRow) -> Booking:
    tz = get_calendar().tz
    start = _utc(row.slot_start)
    end = _utc(row.slot_end)
    assert start is not None and end is not None
    channel: BookingChannel = (
        "portal" if row.channel == "portal" else ("phone" if row.channel == "phone" else "in_person")
    )
    status: BookingStatus = "ACTIVE" if row.status == "ACTIVE" else "CANCELLED"
    return Booking(
        booking_number=row.booking_number,
        doctor_id=row.doctor_id,
        organisation=row.organisation,
        slot_start=start.astimezone(tz),
        slot_end=end.astimezone(tz),
        iin=row.iin,
        full_name=row.full_name,
        channel=channel,
        status=status,
        application_id=row.application_id,
        registration_number=row.registration_number,
        booked_by=row.booked_by,
        created_at=_utc(row.created_at),
        cancelled_at=_utc(row.cancelled_at),
        id=row.id,
    )


class BookingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, booking: Booking) -> Booking:
        """Insert an ACTIVE booking; the partial unique index refuses a second one for the slot.

        Raises :class:`sqlalchemy.exc.IntegrityError` (at the flush, or at the commit) when the slot
        is taken; the service layer turns it into ``SLOT_TAKEN``.
        """
        row = BookingRow(
            booking_number=booking.booking_number,
            doctor_id=booking.doctor_id,
            organisation=booking.organisation,
            slot_key=slot_key(booking.slot_start),
            slot_start=booking.slot_start.astimezone(UTC),
            slot_end=booking.slot_end.astimezone(UTC),
            iin=booking.iin,
            full_name=booking.full_name,
            channel=booking.channel,
            status=booking.status,
            application_id=booking.application_id,
            registration_number=booking.registration_number,
            booked_by=booking.booked_by,
            created_at=(booking.created_at or now()).astimezone(UTC),
        )
        self.session.add(row)
        self.session.flush()
        return to_booking(row)

    def active_at(self, doctor_id: str, start: datetime) -> Booking | None:
        row = self.session.exec(
            select(BookingRow).where(
                col(BookingRow.doctor_id) == doctor_id,
                col(BookingRow.slot_key) == slot_key(start),
                col(BookingRow.status) == "ACTIVE",
            )
        ).first()
        return to_booking(row) if row is not None else None

    def by_number(self, booking_number: str) -> Booking | None:
        row = self._row(booking_number)
        return to_booking(row) if row is not None else None

    def by_application(self, application_id: str) -> Booking | None:
        row = self.session.exec(
            select(BookingRow)
            .where(col(BookingRow.application_id) == application_id)
            .order_by(col(BookingRow.id).desc())
        ).first()
        return to_booking(row) if row is not None else None

    def cancel(self, booking_number: str, moment: datetime) -> Booking | None:
        row = self._row(booking_number)
        if row is None:
            return None
        if row.status == "ACTIVE":
            row.status = "CANCELLED"
            row.cancelled_at = moment.astimezone(UTC)
            self.session.add(row)
            self.session.flush()
        return to_booking(row)

    def taken(self, doctor_ids: list[str], date_from: date, date_to: date) -> dict[str, list[datetime]]:
        """The ACTIVE bookings' slot starts per doctor in the (local) date range."""
        tz = get_calendar().tz
        start = datetime.combine(date_from, datetime.min.time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        rows = self.session.exec(
            select(BookingRow).where(
                col(BookingRow.doctor_id).in_(doctor_ids),
                col(BookingRow.status) == "ACTIVE",
                col(BookingRow.slot_key) >= slot_key(start),
                col(BookingRow.slot_key) < slot_key(end),
            )
        ).all()
        found: dict[str, list[datetime]] = {doctor_id: [] for doctor_id in doctor_ids}
        for row in rows:
            found.setdefault(row.doctor_id, []).append(to_booking(row).slot_start)
        return found

    def journal(self, organisation: str, day: date) -> list[Booking]:
        """The organisation's bookings (active and cancelled) whose slot is on ``day`` (local)."""
        tz = get_calendar().tz
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        end = start + timedelta(days=1)
        rows = self.session.exec(
            select(BookingRow)
            .where(
                col(BookingRow.organisation) == organisation,
                col(BookingRow.slot_key) >= slot_key(start),
                col(BookingRow.slot_key) < slot_key(end),
            )
            .order_by(col(BookingRow.slot_key), col(BookingRow.doctor_id), col(BookingRow.id))
        ).all()
        return [to_booking(row) for row in rows]

    def _row(self, booking_number: str) -> BookingRow | None:
        return self.session.exec(
            select(BookingRow).where(col(BookingRow.booking_number) == booking_number)
        ).first()


class AppointmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, application_id: str) -> AppointmentRow | None:
        return self.session.get(AppointmentRow, application_id)

    def add(self, row: AppointmentRow) -> AppointmentRow:
        self.session.add(row)
        self.session.flush()
        return row
