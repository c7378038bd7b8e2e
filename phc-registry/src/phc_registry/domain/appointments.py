"""H2 «Запись на прием к врачу»: doctors, their weekly schedules, slots, bookings. Pure rules, no I/O.

A doctor works on some weekdays between given hours (:class:`WorkingHours`); the bookable slots of
a day are the doctor's hours cut by the working calendar (:class:`egov_kit.calendar.WorkingCalendar`:
lunch, weekends and public holidays are skipped) into slots of :data:`SLOT_MINUTES` minutes. Slots
are generated on demand, never stored; a booking takes one slot (at most one ACTIVE booking per
doctor and slot start, enforced by the database), a cancelled booking frees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from egov_kit.calendar import WorkingCalendar, get_calendar
from egov_kit.documents.records import full_name

from phc_registry.domain.errors import PhcError

SLOT_MINUTES = 20
HORIZON_DAYS = 14

BookingChannel = Literal["portal", "in_person", "phone"]
BOOKING_CHANNELS: tuple[BookingChannel, ...] = ("portal", "in_person", "phone")
BookingStatus = Literal["ACTIVE", "CANCELLED"]


class SlotTaken(PhcError):
    """The chosen time of the doctor is not free (booked meanwhile): refusal ground ``SLOT_TAKEN``."""

    code = "SLOT_TAKEN"


class NotASlot(PhcError):
    """The time is not a slot of the doctor's schedule (outside hours, lunch, day off, past)."""

    code = "NOT_A_SLOT"


class UnknownDoctor(PhcError):
    code = "UNKNOWN_DOCTOR"


class BookingNotFound(PhcError):
    code = "BOOKING_NOT_FOUND"


@dataclass(frozen=True, slots=True)
class Specialty:
    code: str
    ru: str
    kk: str


THERAPIST = Specialty("therapist", "Терапевт / врач общей практики", "Терапевт / жалпы практика дәрігері")
PEDIATRICIAN = Specialty("pediatrician", "Педиатр", "Педиатр")
GYNECOLOGIST = Specialty("gynecologist", "Акушер-гинеколог", "Акушер-гинеколог")
SPECIALTIES: dict[str, Specialty] = {s.code: s for s in (THERAPIST, PEDIATRICIAN, GYNECOLOGIST)}


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """The doctor's reception on one weekday (``date.weekday()``: 0 Monday … 6 Sunday)."""

    weekday: int
    start: time
    end: time


def weekly(days: Iterable[int], start: time, end: time) -> tuple[WorkingHours, ...]:
    return tuple(WorkingHours(day, start, end) for day in days)


@dataclass(frozen=True, slots=True)
class Slot:
    doctor_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Doctor:
    doctor_id: str
    organisation: str
    surname: str
    given_name: str
    patronymic: str | None
    specialty: Specialty
    cabinet: str
    hours: tuple[WorkingHours, ...]
    section: str | None = None
    iin: str | None = None

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.given_name, self.patronymic)

    def slots_on(self, day: date, calendar: WorkingCalendar | None = None) -> list[Slot]:
        """The slots of ``day``: the doctor's hours within the calendar's working periods."""
        calendar = calendar or get_calendar()
        length = timedelta(minutes=SLOT_MINUTES)
        found: list[Slot] = []
        for period_start, period_end in calendar.working_periods(day):
            for hours in self.hours:
                if hours.weekday != day.weekday():
                    continue
                start = max(period_start, datetime.combine(day, hours.start, tzinfo=calendar.tz))
                end = min(period_end, datetime.combine(day, hours.end, tzinfo=calendar.tz))
                while start + length <= end:
                    found.append(Slot(self.doctor_id, start, start + length))
                    start += length
        return sorted(found, key=lambda slot: slot.start)

    def slots(
        self, date_from: date, date_to: date, calendar: WorkingCalendar | None = None
    ) -> Iterator[Slot]:
        day = date_from
        while day <= date_to:
            yield from self.slots_on(day, calendar)
            day += timedelta(days=1)

    def slot_at(self, start: datetime, calendar: WorkingCalendar | None = None) -> Slot:
        """The slot starting at ``start``, or ``NOT_A_SLOT``."""
        calendar = calendar or get_calendar()
        local = start.astimezone(calendar.tz)
        for slot in self.slots_on(local.date(), calendar):
            if slot.start == local:
                return slot
        raise NotASlot(
            f"{local:%d.%m.%Y %H:%M} не является временем приема врача {self.full_name} по графику / "
            f"{local:%d.%m.%Y %H:%M} кестеге сәйкес {self.full_name} дәрігерінің қабылдау уақыты емес",
            data=local.isoformat(),
        )


def slot_key(start: datetime) -> str:
    """The slot's start as the database compares it: UTC, to the second (``2025-03-04T04:00:00Z``)."""
    if start.tzinfo is None:
        raise ValueError("a timezone-aware slot start is required")
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def free_slots(
    doctor: Doctor,
    date_from: date,
    date_to: date,
    taken: Iterable[datetime],
    *,
    after: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[Slot]:
    """The doctor's slots in the range that are not ``taken`` and start after ``after`` (now)."""
    busy = {slot_key(moment) for moment in taken}
    return [
        slot
        for slot in doctor.slots(date_from, date_to, calendar)
        if slot_key(slot.start) not in busy and (after is None or slot.start > after)
    ]


@dataclass(frozen=True, slots=True)
class Booking:
    """One entry of the pre-registration journal (seed 001 §5 action 2)."""

    booking_number: str
    doctor_id: str
    organisation: str
    slot_start: datetime
    slot_end: datetime
    iin: str
    full_name: str
    channel: BookingChannel
    status: BookingStatus = "ACTIVE"
    application_id: str | None = None
    registration_number: str | None = None
    booked_by: str | None = None
    created_at: datetime | None = None
    cancelled_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"
