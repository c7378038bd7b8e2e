"""H2 at the registry desk (seed 001 §5, provider channel) as JSON: ``/api/workstation/h2/…``.

The registry clerk (staff session + ``X-CSRF-Token`` as in the H1 workstation API) books a free time
of a doctor of their organisation in the pre-registration journal, for a recipient who came in
person or called (seed 001 §3 1), §5 actions 1–2):

* ``GET  /h2/doctors?date_from=&date_to=`` — the organisation's doctors and their free slots;
* ``POST /h2/bookings`` {iin, doctor_id, slot_start, channel: in_person|phone, full_name?} — step 1
  (the recipient's documents accepted) and step 2 (the journal entry; the date and time told);
  409 ``SLOT_TAKEN`` when the slot is no longer free;
* ``POST /h2/bookings/{number}/cancel`` — the booking cancelled, the slot free again;
* ``GET  /h2/journal?date=`` — the journal of the day.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Literal

from egov_kit.identifiers import validate_iin
from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from phc_registry.domain import doctors as doctor_seed
from phc_registry.domain.appointments import Booking, BookingNotFound, UnknownDoctor
from phc_registry.domain.errors import PhcError
from phc_registry.entrypoints.web import (
    CSRF_HEADER,
    STATUS_BY_CODE,
    Sessions,
)
from phc_registry.service_layer import appointments, h2_steps
from phc_registry.service_layer.runtime import PhcRuntime

TAG = "workstation API"

for _code, _status in (
    ("SLOT_TAKEN", 409),
    ("UNKNOWN_DOCTOR", 404),
    ("BOOKING_NOT_FOUND", 404),
    ("PERSON_NOT_FOUND", 404),
):
    STATUS_BY_CODE.setdefault(_code, _status)


class PersonNotFound(PhcError):
    code = "PERSON_NOT_FOUND"


class BookingIn(BaseModel):
    iin: str = Field(min_length=12, max_length=12, examples=["880412390017"])
    doctor_id: str = Field(alias="doctorId", examples=["ZHM-TRZ-05-D1"])
    slot_start: datetime = Field(alias="slotStart", description="the slot's start (timezone-aware)")
    channel: Literal["in_person", "phone"] = "in_person"
    full_name: str | None = Field(None, alias="fullName", max_length=300)

    model_config = {"populate_by_name": True}


class BookingOut(BaseModel):
    booking_number: str
    status: str
    channel: str
    iin: str
    full_name: str
    organisation: str
    doctor_id: str
    doctor_full_name: str
    specialty_ru: str
    specialty_kk: str
    cabinet: str
    slot_start: datetime
    slot_end: datetime
    registration_number: str | None = None
    application_id: str | None = None
    booked_by: str | None = None
    cancelled_at: datetime | None = None


class SlotOut(BaseModel):
    start: datetime
    end: datetime


class DoctorOut(BaseModel):
    doctor_id: str
    full_name: str
    specialty: str
    specialty_ru: str
    specialty_kk: str
    section: str | None = None
    cabinet: str
    slots: list[SlotOut]


class ScheduleOut(BaseModel):
    organisation: str
    date_from: date
    date_to: date
    doctors: list[DoctorOut]


class JournalOut(BaseModel):
    organisation: str
    day: date
    bookings: list[BookingOut]


def booking_out(booking: Booking) -> BookingOut:
    doctor = doctor_seed.doctor(booking.doctor_id)
    return BookingOut(
        booking_number=booking.booking_number,
        status=booking.status,
        channel=booking.channel,
        iin=booking.iin,
        full_name=booking.full_name,
        organisation=booking.organisation,
        doctor_id=doctor.doctor_id,
        doctor_full_name=doctor.full_name,
        specialty_ru=doctor.specialty.ru,
        specialty_kk=doctor.specialty.kk,
        cabinet=doctor.cabinet,
        slot_start=booking.slot_start,
        slot_end=booking.slot_end,
        registration_number=booking.registration_number,
        application_id=booking.application_id,
        booked_by=booking.booked_by,
        cancelled_at=booking.cancelled_at,
    )


def h2_api_router(runtime: PhcRuntime) -> APIRouter:
    router = APIRouter(prefix="/api/workstation/h2", tags=[TAG])

    sessions = Sessions(runtime)
    current_user, checked, acting = sessions.current, sessions.checked, sessions.acting

    @router.get("/doctors", response_model=ScheduleOut)
    def doctors(request: Request, date_from: date | None = None, date_to: date | None = None) -> ScheduleOut:
        """The organisation's doctors with their free slots (default: the next 14 days)."""
        user = current_user(request)
        start, end, found = appointments.schedule(
            runtime.uow_factory, user.organisation.code, date_from, date_to
        )
        return ScheduleOut(
            organisation=user.organisation.code,
            date_from=start,
            date_to=end,
            doctors=[
                DoctorOut(
                    doctor_id=item.doctor.doctor_id,
                    full_name=item.doctor.full_name,
                    specialty=item.doctor.specialty.code,
                    specialty_ru=item.doctor.specialty.ru,
                    specialty_kk=item.doctor.specialty.kk,
                    section=item.doctor.section,
                    cabinet=item.doctor.cabinet,
                    slots=[SlotOut(start=slot.start, end=slot.end) for slot in item.slots],
                )
                for item in found
            ],
        )

    @router.post("/bookings", response_model=BookingOut, status_code=201)
    async def book(
        request: Request,
        body: BookingIn,
        x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    ) -> BookingOut:
        """Steps 1–2: the recipient's documents accepted, the free time booked in the journal."""
        with acting(request, x_csrf_token) as user:
            with h2_steps.step(
                h2_steps.PROVIDER, h2_steps.STEP_1, employee=user.iin, channel_kind=body.channel
            ):
                iin = validate_iin(body.iin)
                doctor = doctor_seed.doctor(body.doctor_id)
                if doctor.organisation != user.organisation.code:
                    raise UnknownDoctor(
                        f"Врач {doctor.doctor_id} не ведет прием в {user.organisation.code} / "
                        f"{doctor.doctor_id} дәрігері {user.organisation.code} ұйымында қабылдамайды",
                        data=doctor.doctor_id,
                    )
                full_name = body.full_name or await _name_of(runtime, iin)
            with h2_steps.step(h2_steps.PROVIDER, h2_steps.STEP_2, employee=user.iin) as span:
                booking = await asyncio.to_thread(
                    appointments.book,
                    runtime.uow_factory,
                    doctor_id=doctor.doctor_id,
                    slot_start=body.slot_start,
                    iin=iin,
                    full_name=full_name,
                    channel=body.channel,
                    booked_by=user.iin,
                )
                span.set_attribute("egov.booking_number", booking.booking_number)
        return booking_out(booking)

    @router.post("/bookings/{number}/cancel", response_model=BookingOut)
    async def cancel(
        request: Request,
        number: str,
        x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
    ) -> BookingOut:
        """The booking cancelled (the recipient called off); the slot is bookable again."""
        user = checked(request, x_csrf_token)
        with runtime.uow_factory() as uow:
            found = uow.bookings.by_number(number)
        if found is None or found.organisation != user.organisation.code:
            raise BookingNotFound(f"Запись {number} не найдена / {number} жазбасы табылмады", data=number)
        cancelled = await asyncio.to_thread(appointments.cancel, runtime.uow_factory, number)
        return booking_out(cancelled)

    @router.get("/journal", response_model=JournalOut)
    def journal(request: Request, day: Annotated[date, Query(alias="date")]) -> JournalOut:
        """The pre-registration journal of the organisation for one day (active and cancelled)."""
        user = current_user(request)
        entries = appointments.journal(runtime.uow_factory, user.organisation.code, day)
        return JournalOut(
            organisation=user.organisation.code, day=day, bookings=[booking_out(b) for b in entries]
        )

    return router


async def _name_of(runtime: PhcRuntime, iin: str) -> str:
    """The recipient's name when the clerk did not type it: ГБД ФЛ through ШЭП."""
    lookup = await runtime.gbd.lookup(iin)
    if lookup.person is None:
        raise PersonNotFound(
            f"ИИН {iin} не найден в ГБД ФЛ: укажите ФИО / "
            f"ЖСН {iin} ЖТ ММБ-да табылмады: аты-жөнін көрсетіңіз",
            data=iin,
        )
    return lookup.person.full_name
