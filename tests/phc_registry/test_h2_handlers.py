"""H2's ШЭП handlers in РПН with an in-memory ШЭП client: RPN_Appointment and RPN_DoctorScheduleSync."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from egov_kit.clock import KZ_TZ, now
from egov_kit.documents import h2
from egov_kit.documents.h1 import Recipient
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.regulations import load_regulation
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from lxml import etree
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from phc_registry.domain import doctors
from phc_registry.entrypoints import shep
from phc_registry.service_layer import appointments
from phc_registry.service_layer.appointment_channel import doctor_schedule, handle_appointment_message
from phc_registry.service_layer.runtime import PhcRuntime

from tests.phc_registry.conftest import FakeShep
from tests.phc_registry.handler_support import expected_spans, step_names

NUMBER = re.compile(r"RPN-\d{4}-\d{6}")
AHMETOV = ("880412390017", "Ахметов", "Ерлан")  # attached to ZHM-TRZ-05 №1
THERAPIST = "ZHM-TRZ-05-D1"
TRZ05_HEAD = "690917350063"


def ctx(message_type: str = "REQUEST") -> ShepContext:
    return ShepContext(
        message_id=str(uuid.uuid4()),
        service_id="RPN_Appointment",
        sender_id="EGOV_PORTAL",
        message_type=message_type,
    )


def future_slot(doctor_id: str = THERAPIST, index: int = 0) -> datetime:
    today = now().astimezone(KZ_TZ).date()
    doctor = doctors.doctor(doctor_id)
    return list(doctor.slots(today + timedelta(days=1), today + timedelta(days=14)))[index].start


def request(
    key: KeyPair | None,
    person: tuple[str, str, str] = AHMETOV,
    *,
    org: str = "ZHM-TRZ-05",
    doctor_id: str = THERAPIST,
    slot: datetime | None = None,
) -> etree._Element:
    element = h2.build_application(
        recipient=Recipient(*person),
        organisation_code=org,
        doctor_id=doctor_id,
        slot_start=slot or future_slot(doctor_id),
        reason="Консультация / Кеңес",
    )
    return h2.sign_with(element, key) if key is not None else element


def expected(*steps: str) -> list[str]:
    return expected_spans("H2", *steps)


async def test_request_is_registered_checked_and_booked(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    phc_validator: CertificateValidator,
    spans: InMemorySpanExporter,
) -> None:
    context = ctx()
    slot = future_slot()
    await handle_appointment_message(request(person_keys[AHMETOV[0]], slot=slot), context, runtime=runtime)

    update, response = fake_shep.of(context.message_id)
    assert update.message_type is MessageType.UPDATE and update.service_id == "RPN_Appointment"
    status = h2.parse_status(update.element)
    assert status.status == "REGISTERED" and NUMBER.fullmatch(status.registration_number)
    assert status.registration_number in status.message.ru

    assert response.message_type is MessageType.RESPONSE
    appointment = h2.parse_appointment(response.element)
    assert appointment.registration_number == status.registration_number
    assert (
        appointment.doctor.doctor_id == THERAPIST
        and appointment.doctor.full_name == "Ли Виктория Александровна"
    )
    assert appointment.doctor.cabinet == "101" and appointment.slot_start == slot
    assert appointment.slot_end == slot + timedelta(minutes=20)
    assert appointment.organisation.code == "ZHM-TRZ-05" and appointment.recipient_iin == AHMETOV[0]
    signer = await h2.verify_issued(response.element, phc_validator)
    assert signer.iin == TRZ05_HEAD
    assert fake_shep.sync_calls == [("GBDFL_UniversalServiceSync", AHMETOV[0])]

    journal = appointments.journal(runtime.uow_factory, "ZHM-TRZ-05", slot.date())
    assert [(b.booking_number, b.channel, b.application_id) for b in journal] == [
        (appointment.booking_number, "portal", status.application_id)
    ]
    assert step_names(spans) == expected("process 6", "condition 3", "process 8")
    process_6 = next(s for s in spans.get_finished_spans() if s.name == expected("process 6")[0])
    assert process_6.attributes["egov.application"] == status.application_id
    assert process_6.attributes["egov.registration_number"] == status.registration_number

    # another request for the same slot: refused (SLOT_TAKEN), no second booking
    await handle_appointment_message(request(person_keys[AHMETOV[0]], slot=slot), ctx(), runtime=runtime)
    assert len(appointments.journal(runtime.uow_factory, "ZHM-TRZ-05", slot.date())) == 1


async def test_same_application_again_keeps_its_number(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    element = request(person_keys[AHMETOV[0]])
    first, again = ctx(), ctx()
    await handle_appointment_message(element, first, runtime=runtime)
    await handle_appointment_message(element, again, runtime=runtime)
    (u1, r1), (u2, r2) = fake_shep.of(first.message_id), fake_shep.of(again.message_id)
    assert h2.parse_status(u1.element).registration_number == h2.parse_status(u2.element).registration_number
    assert h2.parse_appointment(r1.element).booking_number == h2.parse_appointment(r2.element).booking_number
    assert len(fake_shep.sync_calls) == 1


async def refusal_of(fake_shep: FakeShep, context: ShepContext) -> h2.Refusal:
    update, response = fake_shep.of(context.message_id)
    assert h2.parse_status(update.element).status == "REGISTERED"
    assert response.message_type is MessageType.RESPONSE
    return h2.parse_refusal(response.element)


async def test_not_attached_to_this_organisation(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    phc_validator: CertificateValidator,
    spans: InMemorySpanExporter,
) -> None:
    context = ctx()
    element = request(person_keys[AHMETOV[0]], org="ZHM-TRZ-01", doctor_id="ZHM-TRZ-01-D1")
    await handle_appointment_message(element, context, runtime=runtime)
    refusal = await refusal_of(fake_shep, context)
    assert refusal.ground.code == "NOT_ATTACHED" and "ZHM-TRZ-05" in refusal.details.ru
    assert refusal.ground.ru == load_regulation("H2").refusal_ground("NOT_ATTACHED").ru
    signer = await h2.verify_issued(fake_shep.of(context.message_id)[1].element, phc_validator)
    assert signer.bin == "050240001112"
    assert step_names(spans) == expected("process 6", "condition 3", "process 7")


async def test_not_in_gbdfl(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    context = ctx()
    await handle_appointment_message(
        request(person_keys["900101390508"], ("900101390508", "Тестов", "Тест")), context, runtime=runtime
    )
    assert (await refusal_of(fake_shep, context)).ground.code == "NOT_IN_GBDFL"


async def test_signature_not_confirmed(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    context = ctx()
    await handle_appointment_message(request(person_keys["790923490082"]), context, runtime=runtime)
    refusal = await refusal_of(fake_shep, context)
    assert refusal.ground.code == "SIGNATURE_NOT_CONFIRMED" and "IIN_MISMATCH" in refusal.details.ru
    assert fake_shep.sync_calls == []


async def test_slot_taken_and_slot_freed_by_cancellation(
    runtime: PhcRuntime,
    fake_shep: FakeShep,
    person_keys: dict[str, KeyPair],
    spans: InMemorySpanExporter,
) -> None:
    slot = future_slot(index=2)
    taken = appointments.book(
        runtime.uow_factory,
        doctor_id=THERAPIST,
        slot_start=slot,
        iin="790923490082",
        full_name="Иванова Светлана",
        channel="phone",
    )
    context = ctx()
    await handle_appointment_message(request(person_keys[AHMETOV[0]], slot=slot), context, runtime=runtime)
    refusal = await refusal_of(fake_shep, context)
    assert refusal.ground.code == "SLOT_TAKEN"
    assert step_names(spans) == expected("process 6", "condition 3", "process 7")

    # the other booking is cancelled; a new request gets the slot, then the recipient cancels it
    appointments.cancel(runtime.uow_factory, taken.booking_number)
    booked = ctx()
    element = request(person_keys[AHMETOV[0]], slot=slot)
    application_id = h2.parse_application(element).application_id
    await handle_appointment_message(element, booked, runtime=runtime)
    appointment = h2.parse_appointment(fake_shep.of(booked.message_id)[1].element)

    cancellation = ctx()
    cancel = h2.sign_with(
        h2.build_cancellation(recipient_iin=AHMETOV[0], application_id=application_id),
        person_keys[AHMETOV[0]],
    )
    await handle_appointment_message(cancel, cancellation, runtime=runtime)
    (answer,) = fake_shep.of(cancellation.message_id)
    assert answer.message_type is MessageType.RESPONSE
    status = h2.parse_status(answer.element)
    assert status.status == "CANCELLED" and status.booking_number == appointment.booking_number
    assert status.application_id == application_id
    _, _, schedule = appointments.schedule(runtime.uow_factory, "ZHM-TRZ-05", doctor_id=THERAPIST)
    assert slot in [s.start for s in schedule[0].slots]


async def booked(runtime: PhcRuntime, key: KeyPair, slot: datetime) -> str:
    """Ахметов's request for ``slot``, signed with ``key`` and handled: its application id."""
    element = request(key, slot=slot)
    await handle_appointment_message(element, ctx(), runtime=runtime)
    return h2.parse_application(element).application_id


async def test_cancellation_signed_by_someone_else_is_refused(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    application_id = await booked(runtime, person_keys[AHMETOV[0]], future_slot(index=4))
    cancellation = ctx()
    forged = h2.sign_with(
        h2.build_cancellation(recipient_iin=AHMETOV[0], application_id=application_id),
        person_keys["790923490082"],
    )
    await handle_appointment_message(forged, cancellation, runtime=runtime)
    (answer,) = fake_shep.of(cancellation.message_id)
    assert h2.parse_refusal(answer.element).ground.code == "SIGNATURE_NOT_CONFIRMED"
    with runtime.uow_factory() as uow:
        assert uow.bookings.by_application(application_id).active  # type: ignore[union-attr]


async def test_cancellation_naming_no_booking_of_the_signer_is_answered_refused(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    application_id = await booked(runtime, person_keys[AHMETOV[0]], future_slot(index=5))
    other = "790923490082"
    unknown = str(uuid.uuid4())
    cases = {
        "unknown application": (AHMETOV[0], {"application_id": unknown}),
        "unknown booking": (AHMETOV[0], {"booking_number": "A-2025-999999"}),
        "another person's booking": (other, {"application_id": application_id}),
    }
    for case, (iin, named) in cases.items():
        context = ctx()
        signed = h2.sign_with(h2.build_cancellation(recipient_iin=iin, **named), person_keys[iin])
        await handle_appointment_message(signed, context, runtime=runtime)
        (answer,) = fake_shep.of(context.message_id)
        assert answer.message_type is MessageType.RESPONSE, case
        status = h2.parse_status(answer.element)
        assert status.status == "REFUSED", case
        assert "Отмена записи не принята" in status.message.ru, case
        assert "Жазылудан бас тарту қабылданбады" in status.message.kk, case
        assert status.booking_number is None, case
    # another person's registration number is not told; the booking stays active
    assert status.application_id == application_id and status.registration_number == "RPN-0000-000000"
    with runtime.uow_factory() as uow:
        assert uow.bookings.by_application(application_id).active  # type: ignore[union-attr]
        assert uow.appointments.get(application_id).status == "BOOKED"  # type: ignore[union-attr]


async def test_replies_and_updates_addressed_to_rpn_are_ignored(
    runtime: PhcRuntime, fake_shep: FakeShep, person_keys: dict[str, KeyPair]
) -> None:
    await handle_appointment_message(request(person_keys[AHMETOV[0]]), ctx("UPDATE"), runtime=runtime)
    assert fake_shep.replies == []


async def test_doctor_schedule_sync(runtime: PhcRuntime) -> None:
    slot = future_slot()
    appointments.book(
        runtime.uow_factory,
        doctor_id=THERAPIST,
        slot_start=slot,
        iin=AHMETOV[0],
        full_name="А",
        channel="phone",
    )
    body = h2.build_schedule_request("ZHM-TRZ-05", date_from=slot.date(), date_to=slot.date())
    context = ShepContext(
        message_id=str(uuid.uuid4()), service_id="RPN_DoctorScheduleSync", sender_id="EGOV_PORTAL"
    )
    answer = h2.parse_schedule_response(await doctor_schedule(body, context, runtime=runtime))
    assert [d.doctor.doctor_id for d in answer.doctors] == [
        d.doctor_id for d in doctors.of_organisation("ZHM-TRZ-05")
    ]
    therapist = answer.doctors[0]
    assert therapist.slots and slot not in [s.start for s in therapist.slots]
    assert all(s.start.date() == slot.date() for s in therapist.slots)

    assert set(shep.all_sync_handlers(runtime)) == {"RPN_MedicalOrganizationsSync", "RPN_DoctorScheduleSync"}
    assert set(shep.all_async_handlers(runtime)) == {
        "RPN_Attachment",
        "RPN_Appointment",
        "PHC_SanatoriumCard",
    }
