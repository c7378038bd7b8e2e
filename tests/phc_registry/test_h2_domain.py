"""H2 in РПН without ШЭП: slots on the working calendar, the journal, one booking per slot, cancelling."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from egov_kit.calendar import get_calendar
from egov_kit.clock import KZ_TZ, now
from egov_kit.db import create_engine_for, create_tables
from phc_registry.adapters.orm import TABLES
from phc_registry.domain import doctors
from phc_registry.domain.appointments import (
    SLOT_MINUTES,
    Booking,
    BookingNotFound,
    NotASlot,
    SlotTaken,
    UnknownDoctor,
    free_slots,
    slot_key,
)
from phc_registry.service_layer import appointments
from phc_registry.service_layer.unit_of_work import UnitOfWorkFactory, sql_unit_of_work_factory
from sqlalchemy.exc import IntegrityError

THERAPIST = "ZHM-TRZ-05-D1"  # Ли Виктория Александровна, every working day 9:00–18:30
PEDIATRICIAN = "ZHM-TRZ-05-D3"  # Кенжебаева Асем Толегеновна: Mon/Wed/Fri mornings, Tue/Thu afternoons


@pytest.fixture
def uow_factory(tmp_path: Path) -> UnitOfWorkFactory:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'h2.sqlite'}")
    create_tables(engine, *TABLES)
    return sql_unit_of_work_factory(engine)


def future_slot(doctor_id: str = THERAPIST, index: int = 0) -> datetime:
    doctor = doctors.doctor(doctor_id)
    today = now().astimezone(KZ_TZ).date()
    return list(doctor.slots(today + timedelta(days=1), today + timedelta(days=14)))[index].start


def local_times(doctor_id: str, day: date) -> list[str]:
    return [f"{slot.start:%H:%M}" for slot in doctors.doctor(doctor_id).slots_on(day)]


# --- the seed ------------------------------------------------------------------------------------


def test_every_organisation_has_two_to_four_named_doctors() -> None:
    from phc_registry.domain import seed

    for organisation in seed.ORGANISATIONS:
        found = doctors.of_organisation(organisation.code)
        assert 2 <= len(found) <= 4, organisation.code
        assert all(d.surname and d.given_name for d in found)
        assert {d.specialty.code for d in found} >= {"therapist", "pediatrician"}
    assert doctors.doctor(THERAPIST).full_name == "Ли Виктория Александровна"
    assert doctors.doctor(THERAPIST).section == "1"
    with pytest.raises(UnknownDoctor):
        doctors.doctor("NOPE-D1")


# --- slots on the calendar -----------------------------------------------------------------------


def test_slots_of_a_working_day_skip_the_lunch() -> None:
    times = local_times(THERAPIST, date(2025, 3, 4))  # Tuesday
    assert times[0] == "09:00" and times[-1] == "18:10"
    assert "12:40" in times and "13:00" not in times and "14:00" not in times and "14:30" in times
    assert len(times) == 24  # 9:00–13:00 and 14:30–18:30 in 20-minute slots
    slot = doctors.doctor(THERAPIST).slots_on(date(2025, 3, 4))[0]
    assert slot.end - slot.start == timedelta(minutes=SLOT_MINUTES)
    assert slot.start.utcoffset() == timedelta(hours=5)


def test_weekends_and_holidays_have_no_slots() -> None:
    assert local_times(THERAPIST, date(2025, 3, 1)) == []  # Saturday
    assert local_times(THERAPIST, date(2025, 3, 2)) == []  # Sunday
    assert local_times(THERAPIST, date(2025, 3, 21)) == []  # Nauryz (Friday)
    assert local_times(THERAPIST, date(2025, 3, 10)) == []  # day off transferred from 8 March
    assert get_calendar().is_working_day(date(2025, 3, 11))
    assert len(local_times(THERAPIST, date(2025, 3, 11))) == 24


def test_a_doctors_weekly_schedule() -> None:
    tuesday = local_times(PEDIATRICIAN, date(2025, 3, 4))
    wednesday = local_times(PEDIATRICIAN, date(2025, 3, 5))
    assert tuesday[0] == "14:30" and len(tuesday) == 12
    assert wednesday[0] == "09:00" and wednesday[-1] == "12:40" and len(wednesday) == 12


def test_slot_at_accepts_only_schedule_times() -> None:
    doctor = doctors.doctor(THERAPIST)
    assert doctor.slot_at(datetime(2025, 3, 4, 9, 20, tzinfo=KZ_TZ)).end.time() == time(9, 40)
    # the same moment in UTC is the same slot
    assert doctor.slot_at(datetime(2025, 3, 4, 4, 20, tzinfo=UTC)).start == datetime(
        2025, 3, 4, 9, 20, tzinfo=KZ_TZ
    )
    for wrong in (
        datetime(2025, 3, 4, 13, 0, tzinfo=KZ_TZ),  # lunch
        datetime(2025, 3, 4, 9, 10, tzinfo=KZ_TZ),  # not on the grid
        datetime(2025, 3, 4, 18, 30, tzinfo=KZ_TZ),  # closed
        datetime(2025, 3, 8, 10, 0, tzinfo=KZ_TZ),  # holiday
    ):
        with pytest.raises(NotASlot):
            doctor.slot_at(wrong)


def test_free_slots_leave_out_taken_and_past_ones() -> None:
    doctor = doctors.doctor(THERAPIST)
    day = date(2025, 3, 4)
    taken = [datetime(2025, 3, 4, 9, 0, tzinfo=KZ_TZ)]
    free = free_slots(doctor, day, day, taken, after=datetime(2025, 3, 4, 15, 0, tzinfo=KZ_TZ))
    assert [f"{s.start:%H:%M}" for s in free][:2] == ["15:10", "15:30"]
    assert len(free_slots(doctor, day, day, taken)) == 23
    assert slot_key(datetime(2025, 3, 4, 9, 0, tzinfo=KZ_TZ)) == "2025-03-04T04:00:00Z"


# --- booking -------------------------------------------------------------------------------------


def book(uow_factory: UnitOfWorkFactory, start: datetime, iin: str = "880412390017") -> Booking:
    return appointments.book(
        uow_factory,
        doctor_id=THERAPIST,
        slot_start=start,
        iin=iin,
        full_name="Ахметов Ерлан",
        channel="phone",
    )


def test_a_booking_takes_the_slot_and_cancelling_frees_it(uow_factory: UnitOfWorkFactory) -> None:
    start = future_slot()
    booking = book(uow_factory, start)
    assert booking.booking_number.startswith(f"A-{now().year}-") and booking.active
    assert booking.slot_start == start and booking.organisation == "ZHM-TRZ-05"

    _, _, schedule = appointments.schedule(uow_factory, "ZHM-TRZ-05", doctor_id=THERAPIST)
    assert start not in [slot.start for slot in schedule[0].slots]
    with pytest.raises(SlotTaken) as taken:
        book(uow_factory, start, iin="790923490082")
    assert taken.value.code == "SLOT_TAKEN"

    journal = appointments.journal(uow_factory, "ZHM-TRZ-05", start.date())
    assert [(b.booking_number, b.status) for b in journal] == [(booking.booking_number, "ACTIVE")]

    with pytest.raises(BookingNotFound):
        appointments.cancel(uow_factory, booking.booking_number, iin="790923490082")
    cancelled = appointments.cancel(uow_factory, booking.booking_number)
    assert cancelled.status == "CANCELLED" and cancelled.cancelled_at is not None
    _, _, schedule = appointments.schedule(uow_factory, "ZHM-TRZ-05", doctor_id=THERAPIST)
    assert start in [slot.start for slot in schedule[0].slots]

    again = book(uow_factory, start, iin="790923490082")  # bookable again
    assert again.active and again.booking_number != booking.booking_number
    statuses = [b.status for b in appointments.journal(uow_factory, "ZHM-TRZ-05", start.date())]
    assert sorted(statuses) == ["ACTIVE", "CANCELLED"]


def test_the_database_refuses_a_second_active_booking(uow_factory: UnitOfWorkFactory) -> None:
    """Even without the service layer's check, the partial unique index holds."""
    start = future_slot()
    first = book(uow_factory, start)
    duplicate = Booking(
        booking_number="A-2099-999999",
        doctor_id=THERAPIST,
        organisation="ZHM-TRZ-05",
        slot_start=start,
        slot_end=start + timedelta(minutes=20),
        iin="790923490082",
        full_name="Иванова Светлана",
        channel="portal",
    )
    with pytest.raises(IntegrityError), uow_factory() as uow:
        uow.bookings.add(duplicate)
    appointments.cancel(uow_factory, first.booking_number)
    with uow_factory() as uow:
        assert uow.bookings.add(duplicate).active


def test_unknown_doctor_and_not_a_slot(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(UnknownDoctor):
        appointments.book(
            uow_factory,
            doctor_id="X-D9",
            slot_start=future_slot(),
            iin="880412390017",
            full_name="A",
            channel="phone",
        )
    with pytest.raises(NotASlot):
        book(uow_factory, future_slot() + timedelta(minutes=7))


# --- concurrency ---------------------------------------------------------------------------------


def test_two_threads_booking_the_same_slot_get_one_booking_and_one_slot_taken(
    uow_factory: UnitOfWorkFactory,
) -> None:
    start = future_slot(index=3)
    barrier = threading.Barrier(2)
    results: list[Booking | BaseException] = []
    lock = threading.Lock()

    def attempt(iin: str) -> None:
        barrier.wait()
        try:
            outcome: Booking | BaseException = book(uow_factory, start, iin=iin)
        except BaseException as exc:
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(iin,)) for iin in ("880412390017", "790923490082")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    bookings = [r for r in results if isinstance(r, Booking)]
    refusals = [r for r in results if not isinstance(r, Booking)]
    assert len(bookings) == 1 and len(refusals) == 1, results
    assert isinstance(refusals[0], SlotTaken) and refusals[0].code == "SLOT_TAKEN"
    journal = appointments.journal(uow_factory, "ZHM-TRZ-05", start.date())
    assert [b.booking_number for b in journal if b.active] == [bookings[0].booking_number]


async def test_many_concurrent_tasks_one_winner(uow_factory: UnitOfWorkFactory) -> None:
    start = future_slot(index=5)
    iins = ["880412390017", "790923490082", "541130390295", "920205490157", "150601590223"]
    outcomes = await asyncio.gather(
        *(asyncio.to_thread(book, uow_factory, start, iin) for iin in iins), return_exceptions=True
    )
    assert sum(isinstance(o, Booking) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, SlotTaken) for o in outcomes if not isinstance(o, Booking)), outcomes
