"""H2 through the portal (seed 001 §9): ``RPN_Appointment`` and ``RPN_DoctorScheduleSync``.

``RPN_DoctorScheduleSync`` (sync): an organisation's doctors and their free slots (the portal asks
with the recipient's organisation: only its doctors are bookable for the recipient).

``RPN_Appointment`` (async), a REQUEST whose body is

* an ``application`` (signed by the recipient):

  * **process 6** — register it with a number ``RPN-<year>-<6 digits>``, UPDATE (REGISTERED);
  * **condition 3** — the signature and the certificate (the signer is the recipient), the person in
    ГБД ФЛ through ШЭП (``NOT_IN_GBDFL``), an active attachment to this organisation
    (``NOT_ATTACHED``), the doctor's slot still free (``SLOT_TAKEN``);
  * **process 7** — a signed motivated refusal in a RESPONSE, or
  * **process 8** — the slot booked and the signed appointment in a RESPONSE;

* a ``cancellation`` (signed by the recipient): the booking is cancelled and the slot freed; the
  answer is a RESPONSE with the status CANCELLED (or a refusal when the signature is not confirmed,
  or the status REFUSED with a bilingual message when it names no active booking of the signer).
  The cancellation is a REQUEST, not an UPDATE: the gateway lets only the provider send UPDATEs on
  RPN_Appointment (``replies``) and routes them back to the original sender.

Idempotent by applicationId (a redelivered application keeps its number and gets its result again).
UPDATE / RESPONSE / NOTIFICATION messages addressed to РПН are ignored.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC

from egov_kit.clock import now
from egov_kit.documents import h2
from egov_kit.documents.errors import IinMismatch
from egov_kit.dsig import SignatureError
from egov_kit.errors import KitError
from egov_kit.identifiers import InvalidIdentifier
from egov_kit.pki import CertificateError
from egov_kit.shep.codes import SchemaViolation
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from egov_kit.shep.provider_app import handler_span
from lxml import etree

from phc_registry.adapters.orm_appointments import AppointmentRow
from phc_registry.domain import doctors as doctor_seed
from phc_registry.domain import seed
from phc_registry.domain.appointments import (
    Booking,
    BookingNotFound,
    Doctor,
    NotASlot,
    SlotTaken,
    UnknownDoctor,
)
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import MedicalOrganisation, Person
from phc_registry.service_layer import appointments, h2_steps
from phc_registry.service_layer.attachment import (
    Refusals,
    document_organisation,
    history_entry,
    history_of,
    record_refusal,
    registration_number,
    stored_result,
)
from phc_registry.service_layer.portal_replies import PortalReplies
from phc_registry.service_layer.runtime import PhcRuntime

log = logging.getLogger("phc_registry.appointments")

SERVICE_ID = h2.SHEP_SERVICE_ID
SCHEDULE_SERVICE_ID = h2.SCHEDULE_SERVICE_ID
SYSTEM = h2_steps.SYSTEM

STATUS_MESSAGES: dict[str, tuple[str, str]] = {
    "REGISTERED": (
        "Запрос зарегистрирован, присвоен номер {number}",
        "Сұраныс тіркелді, {number} нөмірі берілді",
    ),
    "BOOKED": (
        "Вы записаны на прием: {when}, запись {booking}",
        "Сіз қабылдауға жазылдыңыз: {when}, жазба {booking}",
    ),
    "REFUSED": ("Мотивированный отказ: {ground}", "Дәлелді бас тарту: {ground}"),
    "CANCELLED": ("Запись {booking} отменена", "{booking} жазбасы жойылды"),
}


# --- RPN_DoctorScheduleSync ----------------------------------------------------------------------


async def doctor_schedule(
    element: etree._Element, context: ShepContext, *, runtime: PhcRuntime
) -> etree._Element:
    """The organisation's doctors with their free slots in the range (default: the next 14 days)."""
    with handler_span(f"{SCHEDULE_SERVICE_ID}: doctors' free slots", context, system=SYSTEM) as current:
        request = h2.parse_schedule_request(element)
        start, end, found = await asyncio.to_thread(
            appointments.schedule,
            runtime.uow_factory,
            request.organisation_code,
            request.date_from,
            request.date_to,
            doctor_id=request.doctor_id,
            specialty=request.specialty,
        )
        current.set_attribute("egov.rpn.doctors", len(found))
        return h2.build_schedule_response(
            request.request_number,
            request.organisation_code,
            start,
            end,
            [
                h2.ScheduledDoctor(
                    appointments.doctor_info(item.doctor),
                    tuple(h2.SlotInfo(slot.start, slot.end) for slot in item.slots),
                )
                for item in found
            ],
        )


# --- RPN_Appointment -----------------------------------------------------------------------------


REPLIES = PortalReplies(
    SERVICE_ID,
    h2_steps.REGULATION_ID,
    lambda uow: uow.appointments,
    lambda row: status_document(row, "REGISTERED"),
    stored_result,
)


async def handle_appointment_message(
    element: etree._Element, context: ShepContext, *, runtime: PhcRuntime
) -> None:
    """The asynchronous handler of ``RPN_Appointment``: an application or a cancellation (REQUESTs)."""
    if context.message_type not in (None, MessageType.REQUEST.value):
        log.info("ignoring %s %s: РПН answers REQUESTs only", context.message_type, context.message_id)
        return
    kind = h2.root_name(element)
    with handler_span(f"{SERVICE_ID}: H2 {kind or 'unknown'}", context, system=SYSTEM) as current:
        try:
            if kind == "cancellation":
                cancellation = h2.parse_cancellation(element)
                current.set_attribute("egov.cancellation", cancellation.cancellation_id)
                await process_cancellation(runtime, element, cancellation, context)
                return
            application = h2.parse_application(element)
        except (SchemaViolation, InvalidIdentifier) as exc:
            # H2's regulation has no ground for an unreadable request; nothing is registered
            current.set_attribute("egov.error.code", exc.code)
            log.warning("RPN_Appointment %s unreadable: %s", context.message_id, exc.message)
            return
        current.set_attribute("egov.application", application.application_id)
        await process_application(runtime, element, application, context)


@dataclass(frozen=True)
class _Registration:
    row: AppointmentRow
    created: bool


def register(
    runtime: PhcRuntime, application: h2.AppointmentApplication, signed_xml: str, context: ShepContext
) -> _Registration:
    """Process 6: the request with its number, once per applicationId."""
    with runtime.uow_factory() as uow:
        existing = uow.appointments.get(application.application_id)
        if existing is not None:
            return _Registration(existing, False)
        moment = now()
        number = registration_number(moment.year, uow.counters.next(f"RPN-{moment.year}"))
        row = AppointmentRow(
            application_id=application.application_id,
            registration_number=number,
            recipient_iin=application.recipient.iin,
            recipient_name=application.recipient.full_name,
            organisation=application.organisation_code,
            doctor_id=application.doctor_id,
            slot_start=application.slot_start.astimezone(UTC),
            status="REGISTERED",
            registered_at=moment.astimezone(UTC),
            history=[history_entry("REGISTERED", number)],
            sender_id=context.sender_id,
            message_id=context.message_id,
            signed_xml=signed_xml,
        )
        uow.appointments.add(row)
        return _Registration(row, True)


def status_document(row: AppointmentRow, status: h2.Status, booking: Booking | None = None) -> etree._Element:
    ru, kk = STATUS_MESSAGES[status]
    values = {
        "number": row.registration_number,
        "booking": row.booking_number or "",
        "ground": "",
        "when": "",
    }
    values_kk = dict(values)
    if status == "REFUSED" and row.ground:
        wording = h2_steps.ground(row.ground)
        values["ground"], values_kk["ground"] = wording.ru, wording.kk
    if booking is not None:
        values["when"] = values_kk["when"] = f"{booking.slot_start:%d.%m.%Y %H:%M}"
    return h2.build_status(
        h2.AppointmentStatus(
            application_id=row.application_id,
            registration_number=row.registration_number,
            status=status,
            status_at=now(),
            message=h2.Bilingual(ru.format(**values), kk.format(**values_kk)),
            booking_number=row.booking_number,
        )
    )


async def process_application(
    runtime: PhcRuntime, element: etree._Element, application: h2.AppointmentApplication, context: ShepContext
) -> AppointmentRow:
    application_id = application.application_id

    # --- process 6 ---------------------------------------------------------------------------------
    with h2_steps.step(h2_steps.PORTAL, h2_steps.PROCESS_6, application=application_id) as span:
        registration = await asyncio.to_thread(register, runtime, application, h2.to_text(element), context)
        row = registration.row
        span.set_attribute("egov.registration_number", row.registration_number)
        span.set_attribute("egov.duplicate", not registration.created)
        resubmitted = await REPLIES.tell_registered(runtime, row, registration.created, context)
    number = row.registration_number

    if await REPLIES.resend_decided(runtime, row, context, resubmitted=resubmitted):
        return row

    # --- condition 3 -------------------------------------------------------------------------------
    organisation = seed.organisation(application.organisation_code)
    with h2_steps.step(
        h2_steps.PORTAL, h2_steps.CONDITION_3, application=application_id, registration_number=number
    ) as span:
        violation, person, doctor = await _check(runtime, element, application, organisation)
        span.set_attribute("egov.decision", violation.ground if violation else "accepted")

    # --- process 8 (the booking), or process 7 ---------------------------------------------------------
    if violation is None:
        assert person is not None and doctor is not None and organisation is not None
        with h2_steps.step(
            h2_steps.PORTAL, h2_steps.PROCESS_8, application=application_id, registration_number=number
        ) as span:
            try:
                row = await asyncio.to_thread(_book, runtime, row, application, person, doctor, organisation)
            except SlotTaken as exc:
                violation = _violation(h2_steps.SLOT_TAKEN, exc)
                span.set_attribute("egov.result", "slot taken meanwhile")
            else:
                span.set_attribute("egov.result", "appointment")
                span.set_attribute("egov.booking_number", row.booking_number or "")
                await REPLIES.send_result(runtime, row, context, mark=True)
                return row
    assert violation is not None
    return await REPLIES.refuse(runtime, context, row, violation, _refuse)


def _violation(ground: str, exc: KitError) -> Violation:
    ru, _, kk = exc.message.partition(" / ")
    return Violation(ground, ru, kk or ru)


async def _check(
    runtime: PhcRuntime,
    element: etree._Element,
    application: h2.AppointmentApplication,
    organisation: MedicalOrganisation | None,
) -> tuple[Violation | None, Person | None, Doctor | None]:
    """Condition 3; the first violation found is the ground."""
    iin = application.recipient.iin
    try:
        await h2.verify_signed(element, runtime.validator, expected_iin=iin)
    except (SignatureError, CertificateError, IinMismatch) as exc:
        return (
            Violation(
                h2_steps.SIGNATURE_NOT_CONFIRMED,
                f"Подпись запроса не подтверждена ({exc.code}): {exc.message}",
                f"Сұраныстың қолтаңбасы расталмады ({exc.code}): {exc.message}",
            ),
            None,
            None,
        )
    lookup = await runtime.gbd.lookup(iin)
    if lookup.status != "found" or lookup.person is None:
        what = "умер(ла) по данным ГБД ФЛ" if lookup.status == "deceased" else "отсутствует в ГБД ФЛ"
        what_kk = "ЖТ ММБ деректері бойынша қайтыс болған" if lookup.status == "deceased" else "ЖТ ММБ-да жоқ"
        return (
            Violation(h2_steps.NOT_IN_GBDFL, f"ИИН {iin} {what}", f"ЖСН {iin} {what_kk}"),
            None,
            None,
        )
    person = lookup.person
    history = await asyncio.to_thread(history_of, runtime.uow_factory, iin)
    active = history.active
    if organisation is None or active is None or active.organisation != organisation.code:
        where = active.organisation if active is not None else "—"
        return (
            Violation(
                h2_steps.NOT_ATTACHED,
                f"ИИН {iin} не прикреплен к организации {application.organisation_code} "
                f"(текущее прикрепление: {where})",
                f"ЖСН {iin} {application.organisation_code} ұйымына бекітілмеген (қазіргі бекіту: {where})",
            ),
            person,
            None,
        )
    try:
        doctor = doctor_seed.doctor(application.doctor_id)
        if doctor.organisation != organisation.code:
            raise UnknownDoctor(
                f"Врач {doctor.doctor_id} не ведет прием в {organisation.code} / "
                f"{doctor.doctor_id} дәрігері {organisation.code} ұйымында қабылдамайды"
            )
        if application.slot_start <= now():
            raise NotASlot("Выбранное время уже прошло / Таңдалған уақыт өтіп кетті")
        await asyncio.to_thread(appointments.check_free, runtime.uow_factory, doctor, application.slot_start)
    except (UnknownDoctor, NotASlot, SlotTaken) as exc:
        return _violation(h2_steps.SLOT_TAKEN, exc), person, None
    return None, person, doctor


def _book(
    runtime: PhcRuntime,
    row: AppointmentRow,
    application: h2.AppointmentApplication,
    person: Person,
    doctor: Doctor,
    organisation: MedicalOrganisation,
) -> AppointmentRow:
    """Process 8: the slot booked (``SLOT_TAKEN`` if taken meanwhile), the signed appointment stored."""
    booking = appointments.book(
        runtime.uow_factory,
        doctor_id=doctor.doctor_id,
        slot_start=application.slot_start,
        iin=person.iin,
        full_name=person.full_name,
        channel="portal",
        application_id=row.application_id,
        registration_number=row.registration_number,
    )
    element = appointment_document(runtime, booking, doctor, organisation, "portal")
    with runtime.uow_factory() as uow:
        stored = uow.appointments.get(row.application_id)
        assert stored is not None
        stored.status = "BOOKED"
        stored.booking_number = booking.booking_number
        stored.result_kind = "appointment"
        stored.result_xml = h2.to_text(element)
        stored.history = [*stored.history, history_entry("BOOKED", booking.booking_number)]
        uow.appointments.add(stored)
        return stored


def appointment_document(
    runtime: PhcRuntime,
    booking: Booking,
    doctor: Doctor,
    organisation: MedicalOrganisation,
    channel: h2.Channel,
) -> etree._Element:
    element = h2.build_appointment(
        h2.Appointment(
            booking_number=booking.booking_number,
            channel=channel,
            recipient_iin=booking.iin,
            recipient_full_name=booking.full_name,
            organisation=document_organisation(organisation),
            doctor=appointments.doctor_info(doctor),
            slot_start=booking.slot_start,
            slot_end=booking.slot_end,
            issued_at=now(),
            registration_number=booking.registration_number,
            application_id=booking.application_id,
        )
    )
    return h2.sign_with(element, runtime.signers.for_organisation(organisation.code))


REFUSALS = Refusals(h2_steps.ground, h2.build_refusal)
refusal_document = REFUSALS.signed  # H1's document with H2's ground wording


def _refuse(runtime: PhcRuntime, application_id: str, violation: Violation) -> AppointmentRow:
    """Process 7: the signed refusal kept; the request becomes REFUSED."""
    with runtime.uow_factory() as uow:
        row = uow.appointments.get(application_id)
        assert row is not None
        if row.result_xml is not None:
            return row
        element = refusal_document(
            runtime,
            violation,
            recipient_iin=row.recipient_iin,
            organisation=seed.organisation(row.organisation),
            registration_number=row.registration_number,
            application_id=row.application_id,
        )
        record_refusal(row, violation.ground, h2.to_text(element))
        uow.appointments.add(row)
        return row


# --- cancellation --------------------------------------------------------------------------------


async def process_cancellation(
    runtime: PhcRuntime, element: etree._Element, cancellation: h2.Cancellation, context: ShepContext
) -> None:
    """Cancel a portal booking of the signer: RESPONSE status CANCELLED (or a refusal)."""
    try:
        await h2.verify_signed(element, runtime.validator, expected_iin=cancellation.recipient_iin)
    except (SignatureError, CertificateError, IinMismatch) as exc:
        refusal = await asyncio.to_thread(
            refusal_document,
            runtime,
            Violation(
                h2_steps.SIGNATURE_NOT_CONFIRMED,
                f"Подпись отмены не подтверждена ({exc.code}): {exc.message}",
                f"Бас тарту қолтаңбасы расталмады ({exc.code}): {exc.message}",
            ),
            recipient_iin=cancellation.recipient_iin,
            organisation=None,
            application_id=cancellation.application_id,
        )
        await REPLIES.reply(runtime, refusal, MessageType.RESPONSE, context)
        return
    try:
        row, booking = await asyncio.to_thread(_cancel, runtime, cancellation)
    except BookingNotFound as exc:
        log.warning("cancellation %s: %s", cancellation.cancellation_id, exc.message)
        refused = await asyncio.to_thread(cancellation_refused, runtime, cancellation)
        await REPLIES.reply(runtime, refused, MessageType.RESPONSE, context)
        return
    await REPLIES.reply(runtime, status_document(row, "CANCELLED", booking), MessageType.RESPONSE, context)


# The status schema wants a registration number; a cancellation naming no booking of the signer has
# none of ours to give (another person's number is not told), so its refusal carries this one.
NO_REGISTRATION = "RPN-0000-000000"

CANCELLATION_REFUSED = (
    "Отмена записи не принята: запись для отмены не найдена{what}",
    "Жазылудан бас тарту қабылданбады: жоюға арналған жазба табылмады{what}",
)


def cancellation_refused(runtime: PhcRuntime, cancellation: h2.Cancellation) -> etree._Element:
    """The RESPONSE to a cancellation naming no active booking of the signer: status REFUSED.

    An unknown applicationId or booking number, an application that booked nothing, or another
    person's booking; the message tells which booking was named, nothing of someone else's. (A
    booking already cancelled is answered CANCELLED again: :func:`_cancel` is idempotent.)
    """
    with runtime.uow_factory() as uow:
        row = uow.appointments.get(cancellation.application_id) if cancellation.application_id else None
    own = row is not None and row.recipient_iin == cancellation.recipient_iin
    named = cancellation.application_id or cancellation.booking_number or ""
    ru, kk = CANCELLATION_REFUSED
    what = f" ({named})" if named else ""
    return h2.build_status(
        h2.AppointmentStatus(
            application_id=cancellation.application_id or cancellation.cancellation_id,
            registration_number=row.registration_number if own and row is not None else NO_REGISTRATION,
            status="REFUSED",
            status_at=now(),
            message=h2.Bilingual(ru.format(what=what), kk.format(what=what)),
        )
    )


def _cancel(runtime: PhcRuntime, cancellation: h2.Cancellation) -> tuple[AppointmentRow, Booking]:
    with runtime.uow_factory() as uow:
        row: AppointmentRow | None = None
        number = cancellation.booking_number
        if cancellation.application_id is not None:
            row = uow.appointments.get(cancellation.application_id)
            number = row.booking_number if row is not None else None
        elif number is not None:
            found = uow.bookings.by_number(number)
            if found is not None and found.application_id is not None:
                row = uow.appointments.get(found.application_id)
    if row is None or number is None or row.recipient_iin != cancellation.recipient_iin:
        raise BookingNotFound(
            "Запись для отмены не найдена / Жоюға арналған жазба табылмады",
            data=cancellation.application_id or cancellation.booking_number,
        )
    booking = appointments.cancel(runtime.uow_factory, number, iin=cancellation.recipient_iin)
    with runtime.uow_factory() as uow:
        stored = uow.appointments.get(row.application_id)
        assert stored is not None
        if stored.status != "CANCELLED":
            stored.status = "CANCELLED"
            stored.history = [*stored.history, history_entry("CANCELLED", cancellation.cancellation_id)]
            uow.appointments.add(stored)
        return stored, booking
