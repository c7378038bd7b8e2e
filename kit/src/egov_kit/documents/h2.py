"""H2 «Запись на прием к врачу»: the documents of ``RPN_Appointment`` and ``RPN_DoctorScheduleSync``.

``contracts/rpn/appointment.xsd`` (namespace ``urn:egov-sandbox:rpn:appointment:v1``):

* **scheduleRequest / scheduleResponse** — ``RPN_DoctorScheduleSync``: an organisation's doctors with
  their free slots in a date range (seed 001 §3: the recipient chooses a free time of the doctor).
* **application** — the appointment request (doctor, slot), signed by the recipient like H1's
  application (enveloped XML-DSig); REQUEST to PHC_REGISTRY.
* **cancellation** — the recipient cancels a booking (by applicationId or booking number), signed by
  the recipient; also a REQUEST (the gateway routes UPDATEs only from the provider back to the sender).
* **status** — registered with its number (process 6), later BOOKED, REFUSED or CANCELLED; UPDATE.
* **appointment** — the result (process 8): booking number, doctor, cabinet, date and time,
  organisation; signed by the organisation's authorised person; RESPONSE.
* **refusal** — the motivated refusal (process 7) is H1's (:func:`egov_kit.documents.h1.build_refusal`,
  namespace ``urn:egov-sandbox:rpn:attachment:v1``) with the grounds of H2's regulation.

Builders return unsigned elements that already conform to the XSD; sign with :func:`sign_with`.
Parsers check a copy against the XSD (``SCHEMA_VIOLATION``), then read a frozen dataclass.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, cast

from lxml import etree

from egov_kit.clock import now
from egov_kit.documents import _common as common
from egov_kit.documents import _xml as x
from egov_kit.documents import h1
from egov_kit.documents._common import Bilingual, Organisation, Recipient, sign_with, to_bytes, to_text
from egov_kit.pki import CertificateIdentity, CertificateValidator
from egov_kit.xml.contracts import Contract

NS = "urn:egov-sandbox:rpn:appointment:v1"
CONTRACT = Contract("rpn", NS, "appointment.xsd")
SERVICE_ID = "H2"
SHEP_SERVICE_ID = "RPN_Appointment"
SCHEDULE_SERVICE_ID = "RPN_DoctorScheduleSync"

Channel = Literal["portal", "provider"]
Status = Literal["REGISTERED", "BOOKED", "REFUSED", "CANCELLED"]
STATUSES: tuple[Status, ...] = ("REGISTERED", "BOOKED", "REFUSED", "CANCELLED")

# the refusal is H1's document (same shape, ground code + ru/kk)
build_refusal = h1.build_refusal
parse_refusal = h1.parse_refusal
Refusal = h1.Refusal
Ground = h1.Ground

__all__ = [
    "CONTRACT",
    "NS",
    "Appointment",
    "AppointmentApplication",
    "AppointmentStatus",
    "Bilingual",
    "Cancellation",
    "DoctorInfo",
    "Ground",
    "Organisation",
    "Recipient",
    "Refusal",
    "ScheduleRequest",
    "ScheduleResponse",
    "ScheduledDoctor",
    "SlotInfo",
    "appointment_fields",
    "build_application",
    "build_appointment",
    "build_cancellation",
    "build_refusal",
    "build_schedule_request",
    "build_schedule_response",
    "build_status",
    "parse_application",
    "parse_appointment",
    "parse_cancellation",
    "parse_refusal",
    "parse_schedule_request",
    "parse_schedule_response",
    "parse_status",
    "root_name",
    "sign_with",
    "tag",
    "to_bytes",
    "to_text",
    "verify_issued",
    "verify_signed",
]


def tag(local: str) -> str:
    """``{urn:egov-sandbox:rpn:appointment:v1}local``."""
    return CONTRACT.tag(local)


def root_name(element: etree._Element) -> str | None:
    """The local name of a document of this namespace (``application``, ``cancellation`` …), else None."""
    return common.root_name(element, CONTRACT)


# --- dataclasses ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoctorInfo:
    doctor_id: str
    full_name: str
    specialty: str
    specialty_ru: str
    specialty_kk: str
    cabinet: str
    section: str | None = None


@dataclass(frozen=True, slots=True)
class SlotInfo:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ScheduledDoctor:
    doctor: DoctorInfo
    slots: tuple[SlotInfo, ...]


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    request_number: str
    organisation_code: str
    date_from: date | None = None
    date_to: date | None = None
    doctor_id: str | None = None
    specialty: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduleResponse:
    request_number: str
    response_date: datetime
    organisation_code: str
    date_from: date
    date_to: date
    doctors: tuple[ScheduledDoctor, ...]


@dataclass(frozen=True, slots=True)
class AppointmentApplication:
    application_id: str
    submitted_at: datetime
    channel: Channel
    recipient: Recipient
    organisation_code: str
    doctor_id: str
    slot_start: datetime
    reason: str | None = None
    signed: bool = False

    def same_request(self, other: AppointmentApplication) -> bool:
        """Equal in everything the signer vouches for (the signature itself aside)."""
        return common.same_fields(self, other)


@dataclass(frozen=True, slots=True)
class Cancellation:
    cancellation_id: str
    submitted_at: datetime
    recipient_iin: str
    application_id: str | None = None
    booking_number: str | None = None
    reason: str | None = None
    signed: bool = False

    def same_request(self, other: Cancellation) -> bool:
        """Equal in everything the signer vouches for (the signature itself aside)."""
        return common.same_fields(self, other)


@dataclass(frozen=True, slots=True)
class AppointmentStatus:
    application_id: str
    registration_number: str
    status: Status
    status_at: datetime
    message: Bilingual
    booking_number: str | None = None


@dataclass(frozen=True, slots=True)
class Appointment:
    booking_number: str
    channel: Channel
    recipient_iin: str
    recipient_full_name: str
    organisation: Organisation
    doctor: DoctorInfo
    slot_start: datetime
    slot_end: datetime
    issued_at: datetime
    registration_number: str | None = None
    application_id: str | None = None
    signed: bool = False


# --- helpers -------------------------------------------------------------------------------------


def _doctor(parent: etree._Element, name: str, doctor: DoctorInfo) -> etree._Element:
    node = x.node(parent, CONTRACT, name)
    x.add(node, CONTRACT, "doctorId", doctor.doctor_id)
    x.add(node, CONTRACT, "fullName", doctor.full_name)
    x.add(node, CONTRACT, "specialty", doctor.specialty)
    x.add(node, CONTRACT, "specialtyRu", doctor.specialty_ru)
    x.add(node, CONTRACT, "specialtyKk", doctor.specialty_kk)
    x.add(node, CONTRACT, "section", doctor.section)
    x.add(node, CONTRACT, "cabinet", doctor.cabinet)
    return node


def _read_doctor(node: etree._Element) -> DoctorInfo:
    return DoctorInfo(
        doctor_id=x.required_text(node, CONTRACT, "doctorId"),
        full_name=x.required_text(node, CONTRACT, "fullName"),
        specialty=x.required_text(node, CONTRACT, "specialty"),
        specialty_ru=x.required_text(node, CONTRACT, "specialtyRu"),
        specialty_kk=x.required_text(node, CONTRACT, "specialtyKk"),
        cabinet=x.required_text(node, CONTRACT, "cabinet"),
        section=x.text(node, CONTRACT, "section"),
    )


# --- RPN_DoctorScheduleSync ----------------------------------------------------------------------


def build_schedule_request(
    organisation_code: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    doctor_id: str | None = None,
    specialty: str | None = None,
    request_number: str | None = None,
) -> etree._Element:
    root = x.root(CONTRACT, "scheduleRequest")
    x.add(root, CONTRACT, "requestNumber", request_number or str(uuid.uuid4()))
    x.add(root, CONTRACT, "organisationCode", organisation_code)
    x.add(root, CONTRACT, "dateFrom", date_from.isoformat() if date_from else None)
    x.add(root, CONTRACT, "dateTo", date_to.isoformat() if date_to else None)
    x.add(root, CONTRACT, "doctorId", doctor_id)
    x.add(root, CONTRACT, "specialty", specialty)
    x.check(root, CONTRACT, "scheduleRequest", "Запрос графика", "Кесте сұрауы")
    return root


def parse_schedule_request(element: etree._Element) -> ScheduleRequest:
    x.check(element, CONTRACT, "scheduleRequest", "Запрос графика", "Кесте сұрауы")
    date_from = x.text(element, CONTRACT, "dateFrom")
    date_to = x.text(element, CONTRACT, "dateTo")
    return ScheduleRequest(
        request_number=x.required_text(element, CONTRACT, "requestNumber"),
        organisation_code=x.required_text(element, CONTRACT, "organisationCode"),
        date_from=x.read_date(date_from) if date_from else None,
        date_to=x.read_date(date_to) if date_to else None,
        doctor_id=x.text(element, CONTRACT, "doctorId"),
        specialty=x.text(element, CONTRACT, "specialty"),
    )


def build_schedule_response(
    request_number: str,
    organisation_code: str,
    date_from: date,
    date_to: date,
    doctors: Iterable[ScheduledDoctor],
    *,
    response_date: datetime | None = None,
) -> etree._Element:
    root = x.root(CONTRACT, "scheduleResponse")
    x.add(root, CONTRACT, "requestNumber", request_number)
    x.add(root, CONTRACT, "responseDate", x.xs_datetime(response_date or now()))
    x.add(root, CONTRACT, "organisationCode", organisation_code)
    x.add(root, CONTRACT, "dateFrom", date_from.isoformat())
    x.add(root, CONTRACT, "dateTo", date_to.isoformat())
    holder = x.node(root, CONTRACT, "doctors")
    for scheduled in doctors:
        node = _doctor(holder, "doctor", scheduled.doctor)
        slots = x.node(node, CONTRACT, "slots")
        for slot in scheduled.slots:
            item = x.node(slots, CONTRACT, "slot")
            x.add(item, CONTRACT, "start", x.xs_datetime(slot.start))
            x.add(item, CONTRACT, "end", x.xs_datetime(slot.end))
    x.check(root, CONTRACT, "scheduleResponse", "График приема", "Қабылдау кестесі")
    return root


def parse_schedule_response(element: etree._Element) -> ScheduleResponse:
    x.check(element, CONTRACT, "scheduleResponse", "График приема", "Қабылдау кестесі")
    holder = x.required_child(element, CONTRACT, "doctors")
    doctors: list[ScheduledDoctor] = []
    for node in holder.iterchildren(tag("doctor")):
        slots = x.required_child(node, CONTRACT, "slots")
        doctors.append(
            ScheduledDoctor(
                _read_doctor(node),
                tuple(
                    SlotInfo(
                        x.read_datetime(x.required_text(item, CONTRACT, "start")),
                        x.read_datetime(x.required_text(item, CONTRACT, "end")),
                    )
                    for item in slots.iterchildren(tag("slot"))
                ),
            )
        )
    return ScheduleResponse(
        request_number=x.required_text(element, CONTRACT, "requestNumber"),
        response_date=x.read_datetime(x.required_text(element, CONTRACT, "responseDate")),
        organisation_code=x.required_text(element, CONTRACT, "organisationCode"),
        date_from=x.read_date(x.required_text(element, CONTRACT, "dateFrom")),
        date_to=x.read_date(x.required_text(element, CONTRACT, "dateTo")),
        doctors=tuple(doctors),
    )


# --- application (REQUEST) -----------------------------------------------------------------------


def build_application(
    *,
    recipient: Recipient,
    organisation_code: str,
    doctor_id: str,
    slot_start: datetime,
    reason: str | None = None,
    channel: Channel = "portal",
    application_id: str | None = None,
    submitted_at: datetime | None = None,
) -> etree._Element:
    """The unsigned appointment request; the portal chooses ``application_id`` (a UUID)."""
    common.check_iin(recipient.iin, "recipient")
    root = common.start_application(
        CONTRACT, SERVICE_ID, application_id, submitted_at, channel, recipient, organisation_code
    )
    x.add(root, CONTRACT, "doctorId", doctor_id)
    x.add(root, CONTRACT, "slotStart", x.xs_datetime(slot_start))
    x.add(root, CONTRACT, "reason", reason or None)
    x.check(root, CONTRACT, "application", "Запрос на запись", "Жазылу сұрауы")
    return root


def parse_application(element: etree._Element) -> AppointmentApplication:
    x.check(element, CONTRACT, "application", "Запрос на запись", "Жазылу сұрауы")
    return AppointmentApplication(
        **common.read_application_head(element, CONTRACT),
        doctor_id=x.required_text(element, CONTRACT, "doctorId"),
        slot_start=x.read_datetime(x.required_text(element, CONTRACT, "slotStart")),
        reason=x.text(element, CONTRACT, "reason"),
        signed=x.is_signed(element),
    )


# --- cancellation (REQUEST) ----------------------------------------------------------------------


def build_cancellation(
    *,
    recipient_iin: str,
    application_id: str | None = None,
    booking_number: str | None = None,
    reason: str | None = None,
    cancellation_id: str | None = None,
    submitted_at: datetime | None = None,
) -> etree._Element:
    """The unsigned cancellation of a booking, by ``application_id`` or ``booking_number`` (one of them)."""
    common.check_iin(recipient_iin, "recipient")
    if (application_id is None) == (booking_number is None):
        raise ValueError("name either the applicationId or the booking number")
    root = x.root(CONTRACT, "cancellation")
    x.add(root, CONTRACT, "cancellationId", cancellation_id or str(uuid.uuid4()))
    x.add(root, CONTRACT, "submittedAt", x.xs_datetime(submitted_at or now()))
    x.add(root, CONTRACT, "recipientIin", recipient_iin)
    x.add(root, CONTRACT, "applicationId", application_id)
    x.add(root, CONTRACT, "bookingNumber", booking_number)
    x.add(root, CONTRACT, "reason", reason or None)
    x.check(root, CONTRACT, "cancellation", "Отмена записи", "Жазылудан бас тарту")
    return root


def parse_cancellation(element: etree._Element) -> Cancellation:
    x.check(element, CONTRACT, "cancellation", "Отмена записи", "Жазылудан бас тарту")
    iin = x.required_text(element, CONTRACT, "recipientIin")
    common.check_iin(iin, "recipient")
    return Cancellation(
        cancellation_id=x.required_text(element, CONTRACT, "cancellationId"),
        submitted_at=x.read_datetime(x.required_text(element, CONTRACT, "submittedAt")),
        recipient_iin=iin,
        application_id=x.text(element, CONTRACT, "applicationId"),
        booking_number=x.text(element, CONTRACT, "bookingNumber"),
        reason=x.text(element, CONTRACT, "reason"),
        signed=x.is_signed(element),
    )


# --- status (UPDATE) -----------------------------------------------------------------------------


def build_status(status: AppointmentStatus) -> etree._Element:
    return common.build_status(status, CONTRACT, {"bookingNumber": status.booking_number})


def parse_status(element: etree._Element) -> AppointmentStatus:
    return AppointmentStatus(
        **common.parse_status(element, CONTRACT),
        booking_number=x.text(element, CONTRACT, "bookingNumber"),
    )


# --- appointment (RESPONSE, process 8) -----------------------------------------------------------


def build_appointment(appointment: Appointment) -> etree._Element:
    """The unsigned ``appointment``; :func:`sign_with` the organisation's authorised person's key."""
    root = x.root(CONTRACT, "appointment")
    x.add(root, CONTRACT, "bookingNumber", appointment.booking_number)
    x.add(root, CONTRACT, "registrationNumber", appointment.registration_number)
    x.add(root, CONTRACT, "applicationId", appointment.application_id)
    x.add(root, CONTRACT, "channel", appointment.channel)
    person = x.node(root, CONTRACT, "recipient")
    x.add(person, CONTRACT, "iin", appointment.recipient_iin)
    x.add(person, CONTRACT, "fullName", appointment.recipient_full_name)
    common.write_organisation(root, appointment.organisation, CONTRACT)
    _doctor(root, "doctor", appointment.doctor)
    x.add(root, CONTRACT, "slotStart", x.xs_datetime(appointment.slot_start))
    x.add(root, CONTRACT, "slotEnd", x.xs_datetime(appointment.slot_end))
    x.add(root, CONTRACT, "issuedAt", x.xs_datetime(appointment.issued_at))
    x.check(root, CONTRACT, "appointment", "Запись на прием", "Қабылдауға жазылу")
    return root


def parse_appointment(element: etree._Element) -> Appointment:
    x.check(element, CONTRACT, "appointment", "Запись на прием", "Қабылдауға жазылу")
    person = x.required_child(element, CONTRACT, "recipient")
    return Appointment(
        booking_number=x.required_text(element, CONTRACT, "bookingNumber"),
        channel=cast(Channel, x.required_text(element, CONTRACT, "channel")),
        recipient_iin=x.required_text(person, CONTRACT, "iin"),
        recipient_full_name=x.required_text(person, CONTRACT, "fullName"),
        organisation=common.read_organisation(element, CONTRACT),
        doctor=_read_doctor(x.required_child(element, CONTRACT, "doctor")),
        slot_start=x.read_datetime(x.required_text(element, CONTRACT, "slotStart")),
        slot_end=x.read_datetime(x.required_text(element, CONTRACT, "slotEnd")),
        issued_at=x.read_datetime(x.required_text(element, CONTRACT, "issuedAt")),
        registration_number=x.text(element, CONTRACT, "registrationNumber"),
        application_id=x.text(element, CONTRACT, "applicationId"),
        signed=x.is_signed(element),
    )


# --- signatures ----------------------------------------------------------------------------------


async def verify_signed(
    element: etree._Element, validator: CertificateValidator, *, expected_iin: str
) -> CertificateIdentity:
    """The request's or cancellation's signature, the certificate, and the signer's ИИН (as in H1)."""
    return await common.verify_signed(element, validator, expected_iin=expected_iin)


async def verify_issued(element: etree._Element, validator: CertificateValidator) -> CertificateIdentity:
    """Check an appointment (or H2's refusal): signed by the organisation's authorised person.

    The refusal is H1's document: :func:`egov_kit.documents.h1.verify_issued` reads it.
    """
    contract = CONTRACT if root_name(element) == "appointment" else h1.CONTRACT
    return await common.verify_issued(element, validator, contract)


# --- views ---------------------------------------------------------------------------------------


def appointment_fields(element: etree._Element) -> dict[str, Any]:
    """An appointment as a flat dict for the cabinet and print views (same key style as
    :func:`egov_kit.documents.h1.talon_fields`; moments ISO with their offset, plus the signature's facts).
    """
    appointment = parse_appointment(element)
    doctor = appointment.doctor
    fields: dict[str, Any] = {
        "document": "appointment",
        "booking_number": appointment.booking_number,
        "registration_number": appointment.registration_number,
        "application_id": appointment.application_id,
        "channel": appointment.channel,
        "recipient_iin": appointment.recipient_iin,
        "recipient_full_name": appointment.recipient_full_name,
        **common.organisation_fields(appointment.organisation),
        "doctor_id": doctor.doctor_id,
        "doctor_full_name": doctor.full_name,
        "doctor_specialty": doctor.specialty,
        "doctor_specialty_ru": doctor.specialty_ru,
        "doctor_specialty_kk": doctor.specialty_kk,
        "doctor_section": doctor.section,
        "cabinet": doctor.cabinet,
        "slot_start": appointment.slot_start.isoformat(timespec="seconds"),
        "slot_end": appointment.slot_end.isoformat(timespec="seconds"),
        "issued_at": appointment.issued_at.isoformat(timespec="seconds"),
    }
    return common.with_signature(element, fields)
