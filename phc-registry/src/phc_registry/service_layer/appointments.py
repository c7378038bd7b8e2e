"""H2 «Запись на прием к врачу» in РПН, shared by both channels: schedules, booking, cancelling.

* :func:`schedule` — the doctors of an organisation with their free slots in a date range (slots
  generated from the working calendar on demand; taken ones left out).
* :func:`book` — one slot for one person: a journal entry with a number ``A-<year>-<6 digits>``.
  The database holds at most one ACTIVE booking per (doctor, slot start): a concurrent second
  booking of the same slot raises ``SLOT_TAKEN``.
* :func:`cancel` — the booking becomes CANCELLED and the slot is bookable again.
* :func:`journal` — the pre-registration journal of an organisation for one day.

Plain functions over a unit of work (the database is synchronous); async callers use a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from egov_kit.calendar import WorkingCalendar, get_calendar
from egov_kit.clock import now
from egov_kit.documents import h2
from sqlalchemy.exc import IntegrityError

from phc_registry.domain import doctors as doctor_seed
from phc_registry.domain.appointments import (
    HORIZON_DAYS,
    Booking,
    BookingChannel,
    BookingNotFound,
    Doctor,
    Slot,
    SlotTaken,
    free_slots,
)
from phc_registry.service_layer.unit_of_work import UnitOfWorkFactory


def booking_number(year: int, sequence: int) -> str:
    return f"A-{year}-{sequence:06d}"


@dataclass(frozen=True, slots=True)
class DoctorSchedule:
    doctor: Doctor
    slots: tuple[Slot, ...]


def default_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """From today (or ``date_from``) to ``date_to``, at most :data:`HORIZON_DAYS` days ahead."""
    today = now().astimezone(get_calendar().tz).date()
    start = max(date_from or today, today)
    end = date_to or start + timedelta(days=HORIZON_DAYS - 1)
    return start, min(end, today + timedelta(days=HORIZON_DAYS))


def schedule(
    uow_factory: UnitOfWorkFactory,
    organisation: str,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    doctor_id: str | None = None,
    specialty: str | None = None,
    calendar: WorkingCalendar | None = None,
) -> tuple[date, date, list[DoctorSchedule]]:
    """The organisation's doctors (optionally one, or one specialty) with their free future slots."""
    start, end = default_range(date_from, date_to)
    chosen = [
        doctor
        for doctor in doctor_seed.of_organisation(organisation)
        if (doctor_id is None or doctor.doctor_id == doctor_id)
        and (specialty is None or doctor.specialty.code == specialty)
    ]
    with uow_factory() as uow:
        taken = uow.bookings.taken([d.doctor_id for d in chosen], start, end)
    moment = now()
    return (
        start,
        end,
        [
            DoctorSchedule(
                doctor,
                tuple(
                    free_slots(
                        doctor, start, end, taken.get(doctor.doctor_id, []), after=moment, calendar=calendar
                    )
                ),
            )
            for doctor in chosen
        ],
    )


def slot_taken_error(doctor: Doctor, start: datetime) -> SlotTaken:
    local = start.astimezone(get_calendar().tz)
    return SlotTaken(
        f"Время {local:%d.%m.%Y %H:%M} у врача {doctor.full_name} уже занято / "
        f"{doctor.full_name} дәрігерінің {local:%d.%m.%Y %H:%M} уақыты бос емес",
        data=local.isoformat(),
    )


def check_free(uow_factory: UnitOfWorkFactory, doctor: Doctor, start: datetime) -> Slot:
    """The slot at ``start`` if it is one of the doctor's and free now (``NOT_A_SLOT``, ``SLOT_TAKEN``)."""
    slot = doctor.slot_at(start)
    with uow_factory() as uow:
        if uow.bookings.active_at(doctor.doctor_id, slot.start) is not None:
            raise slot_taken_error(doctor, slot.start)
    return slot


def book(
    uow_factory: UnitOfWorkFactory,
    *,
    doctor_id: str,
    slot_start: datetime,
    iin: str,
    full_name: str,
    channel: BookingChannel,
    application_id: str | None = None,
    registration_number: str | None = None,
    booked_by: str | None = None,
) -> Booking:
    """Book the slot: ``UNKNOWN_DOCTOR``, ``NOT_A_SLOT`` or ``SLOT_TAKEN`` (also when booked concurrently)."""
    doctor = doctor_seed.doctor(doctor_id)
    slot = doctor.slot_at(slot_start)
    try:
        with uow_factory() as uow:
            moment = now()
            number = booking_number(moment.year, uow.counters.next(f"A-{moment.year}"))
            if uow.bookings.active_at(doctor.doctor_id, slot.start) is not None:
                raise slot_taken_error(doctor, slot.start)
            return uow.bookings.add(
                Booking(
                    booking_number=number,
                    doctor_id=doctor.doctor_id,
                    organisation=doctor.organisation,
                    slot_start=slot.start,
                    slot_end=slot.end,
                    iin=iin,
                    full_name=full_name,
                    channel=channel,
                    application_id=application_id,
                    registration_number=registration_number,
                    booked_by=booked_by,
                    created_at=moment,
                )
            )
    except IntegrityError as exc:
        # the unique index: another booking of this slot won the race
        raise slot_taken_error(doctor, slot.start) from exc


def cancel(uow_factory: UnitOfWorkFactory, booking_number: str, *, iin: str | None = None) -> Booking:
    """CANCELLED (the slot is free again); ``iin`` (when given) must be the booking's person."""
    with uow_factory() as uow:
        found = uow.bookings.by_number(booking_number)
        if found is None or (iin is not None and found.iin != iin):
            raise BookingNotFound(
                f"Запись {booking_number} не найдена / {booking_number} жазбасы табылмады",
                data=booking_number,
            )
        cancelled = uow.bookings.cancel(booking_number, now())
        assert cancelled is not None
        return cancelled


def journal(uow_factory: UnitOfWorkFactory, organisation: str, day: date) -> list[Booking]:
    with uow_factory() as uow:
        return uow.bookings.journal(organisation, day)


def doctor_info(doctor: Doctor) -> h2.DoctorInfo:
    return h2.DoctorInfo(
        doctor_id=doctor.doctor_id,
        full_name=doctor.full_name,
        specialty=doctor.specialty.code,
        specialty_ru=doctor.specialty.ru,
        specialty_kk=doctor.specialty.kk,
        cabinet=doctor.cabinet,
        section=doctor.section,
    )
