"""H2 documents (contracts/rpn/appointment.xsd): round trips, the XSD, signatures."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.documents import h2
from egov_kit.documents.errors import IinMismatch, SignerNotAuthorised
from egov_kit.documents.h1 import Recipient
from egov_kit.dsig import SignatureInvalid, SignatureMissing
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep import SchemaViolation
from egov_kit.xml import parse_xml
from lxml import etree

from tests.documents.conftest import CITIZEN_IIN, HEAD_IIN, ORG, ORG_BIN, assert_only_its_own_applications

SLOT = datetime(2025, 3, 4, 9, 20, tzinfo=KZ_TZ)
DOCTOR = h2.DoctorInfo(
    "ZHM-TRZ-01-D1", "Нурланов Арман Бауыржанович", "therapist", "Терапевт", "Терапевт", "101", "1"
)


def application(**overrides: object) -> etree._Element:
    values: dict[str, object] = {
        "recipient": Recipient(CITIZEN_IIN, "Ахметов", "Ерлан", phone="+77011234567"),
        "organisation_code": "ZHM-TRZ-01",
        "doctor_id": "ZHM-TRZ-01-D1",
        "slot_start": SLOT,
        "reason": "Консультация",
    }
    values.update(overrides)
    return h2.build_application(**values)  # type: ignore[arg-type]


def appointment() -> h2.Appointment:
    return h2.Appointment(
        booking_number="A-2025-000001",
        channel="portal",
        recipient_iin=CITIZEN_IIN,
        recipient_full_name="Ахметов Ерлан",
        organisation=ORG,
        doctor=DOCTOR,
        slot_start=SLOT,
        slot_end=SLOT + timedelta(minutes=20),
        issued_at=datetime(2025, 3, 3, 10, 0, tzinfo=KZ_TZ),
        registration_number="RPN-2025-000007",
        application_id=str(uuid.uuid4()),
    )


def test_application_round_trip() -> None:
    element = application()
    parsed = h2.parse_application(parse_xml(h2.to_bytes(element)))
    assert parsed.recipient.iin == CITIZEN_IIN and parsed.recipient.phone == "+77011234567"
    assert (parsed.organisation_code, parsed.doctor_id, parsed.slot_start) == (
        "ZHM-TRZ-01",
        "ZHM-TRZ-01-D1",
        SLOT,
    )
    assert parsed.reason == "Консультация" and parsed.channel == "portal" and not parsed.signed
    assert h2.root_name(element) == "application"
    assert h2.parse_application(application(reason=None)).reason is None


def test_invalid_documents_are_refused() -> None:
    assert_only_its_own_applications(application, h2.parse_application, h2.tag)
    with pytest.raises(SchemaViolation):
        application(doctor_id="no spaces allowed")


async def test_signed_application_verifies(citizen: KeyPair, validator: CertificateValidator) -> None:
    element = h2.sign_with(application(), citizen)
    assert h2.parse_application(element).signed
    identity = await h2.verify_signed(parse_xml(h2.to_bytes(element)), validator, expected_iin=CITIZEN_IIN)
    assert identity.iin == CITIZEN_IIN
    with pytest.raises(IinMismatch):
        await h2.verify_signed(element, validator, expected_iin="790923490082")
    element.find(h2.tag("doctorId")).text = "ZHM-TRZ-01-D2"
    with pytest.raises(SignatureInvalid):
        await h2.verify_signed(element, validator, expected_iin=CITIZEN_IIN)
    with pytest.raises(SignatureMissing):
        await h2.verify_signed(application(), validator, expected_iin=CITIZEN_IIN)


async def test_cancellation_round_trip_and_signature(
    citizen: KeyPair, validator: CertificateValidator
) -> None:
    application_id = str(uuid.uuid4())
    element = h2.sign_with(
        h2.build_cancellation(recipient_iin=CITIZEN_IIN, application_id=application_id, reason="Не смогу"),
        citizen,
    )
    parsed = h2.parse_cancellation(element)
    assert (parsed.application_id, parsed.booking_number, parsed.signed) == (application_id, None, True)
    assert h2.root_name(element) == "cancellation"
    await h2.verify_signed(element, validator, expected_iin=CITIZEN_IIN)
    by_number = h2.parse_cancellation(
        h2.build_cancellation(recipient_iin=CITIZEN_IIN, booking_number="A-2025-000001")
    )
    assert by_number.booking_number == "A-2025-000001" and by_number.application_id is None
    with pytest.raises(ValueError):
        h2.build_cancellation(recipient_iin=CITIZEN_IIN)
    with pytest.raises(SchemaViolation):
        h2.build_cancellation(recipient_iin=CITIZEN_IIN, booking_number="B-1")


def test_schedule_bodies_round_trip() -> None:
    request = h2.build_schedule_request(
        "ZHM-TRZ-01", date_from=date(2025, 3, 3), date_to=date(2025, 3, 7), specialty="therapist"
    )
    parsed = h2.parse_schedule_request(request)
    assert (parsed.organisation_code, parsed.date_from, parsed.date_to) == (
        "ZHM-TRZ-01",
        date(2025, 3, 3),
        date(2025, 3, 7),
    )
    assert parsed.specialty == "therapist" and parsed.doctor_id is None
    slots = (h2.SlotInfo(SLOT, SLOT + timedelta(minutes=20)),)
    response = h2.build_schedule_response(
        parsed.request_number,
        "ZHM-TRZ-01",
        date(2025, 3, 3),
        date(2025, 3, 7),
        [h2.ScheduledDoctor(DOCTOR, slots), h2.ScheduledDoctor(DOCTOR, ())],
    )
    answer = h2.parse_schedule_response(parse_xml(h2.to_bytes(response)))
    assert answer.request_number == parsed.request_number
    assert answer.doctors[0].doctor == DOCTOR and answer.doctors[0].slots == slots
    assert answer.doctors[1].slots == ()


def test_status_round_trip() -> None:
    status = h2.AppointmentStatus(
        application_id=str(uuid.uuid4()),
        registration_number="RPN-2025-000001",
        status="BOOKED",
        status_at=datetime(2025, 3, 3, 10, 0, tzinfo=KZ_TZ),
        message=h2.Bilingual("Вы записаны", "Сіз жазылдыңыз"),
        booking_number="A-2025-000001",
    )
    assert h2.parse_status(h2.build_status(status)) == status


async def test_appointment_signed_by_the_authorised_person(
    head: KeyPair, citizen: KeyPair, validator: CertificateValidator
) -> None:
    element = h2.sign_with(h2.build_appointment(appointment()), head)
    parsed = h2.parse_appointment(parse_xml(h2.to_bytes(element)))
    assert parsed.signed and parsed.doctor.cabinet == "101" and parsed.slot_start == SLOT
    assert parsed.organisation == ORG and parsed.booking_number == "A-2025-000001"
    signer = await h2.verify_issued(element, validator)
    assert (signer.iin, signer.bin) == (HEAD_IIN, ORG_BIN)
    with pytest.raises(SignerNotAuthorised):
        await h2.verify_issued(h2.sign_with(h2.build_appointment(appointment()), citizen), validator)


async def test_refusal_is_h1s_shape_with_h2_grounds(head: KeyPair, validator: CertificateValidator) -> None:
    refusal = h2.Refusal(
        recipient_iin=CITIZEN_IIN,
        organisation=ORG,
        ground=h2.Ground("SLOT_TAKEN", "Время занято", "Уақыт бос емес"),
        details=h2.Bilingual("занято", "бос емес"),
        issued_at=datetime(2025, 3, 3, 10, 0, tzinfo=KZ_TZ),
        registration_number="RPN-2025-000002",
        application_id=str(uuid.uuid4()),
    )
    element = h2.sign_with(h2.build_refusal(refusal), head)
    assert h2.parse_refusal(element).ground.code == "SLOT_TAKEN"
    signer = await h2.verify_issued(element, validator)
    assert signer.iin == HEAD_IIN
