"""What the portal needs of the H2 and RPN bodies: the signed request is the prepared one
(``same_request``), the appointment as a flat view (``appointment_fields``), and the organisations
request by ``recipientIin`` with the attachment in the answer.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from egov_kit.documents import h2, rpn
from egov_kit.pki import KeyPair
from lxml import etree

from tests.documents.conftest import CITIZEN_IIN, ORG_BIN
from tests.documents.test_h2_documents import DOCTOR, SLOT, application, appointment


def test_a_signed_application_is_the_same_request_but_not_a_changed_one(citizen: KeyPair) -> None:
    prepared = application()
    signed = h2.sign_with(etree.fromstring(h2.to_bytes(prepared)), citizen)
    assert h2.parse_application(prepared).same_request(h2.parse_application(signed))
    other_slot = application(slot_start=SLOT.replace(minute=40))
    assert not h2.parse_application(prepared).same_request(h2.parse_application(other_slot))


def test_a_cancellation_is_the_same_request_only_for_the_same_id(citizen: KeyPair) -> None:
    prepared = h2.build_cancellation(
        recipient_iin=CITIZEN_IIN, application_id="3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11"
    )
    signed = h2.sign_with(etree.fromstring(h2.to_bytes(prepared)), citizen)
    assert h2.parse_cancellation(prepared).same_request(h2.parse_cancellation(signed))
    another = h2.build_cancellation(
        recipient_iin=CITIZEN_IIN, application_id="3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11"
    )
    assert not h2.parse_cancellation(prepared).same_request(h2.parse_cancellation(another))


def test_appointment_fields_for_the_cabinet(head: KeyPair) -> None:
    element = h2.sign_with(h2.build_appointment(appointment()), head)
    fields = h2.appointment_fields(element)
    assert fields["document"] == "appointment" and fields["booking_number"] == "A-2025-000001"
    assert (fields["doctor_id"], fields["doctor_full_name"], fields["cabinet"]) == (
        DOCTOR.doctor_id,
        DOCTOR.full_name,
        "101",
    )
    assert (fields["doctor_specialty_ru"], fields["doctor_specialty_kk"]) == ("Терапевт", "Терапевт")
    assert (
        fields["slot_start"] == "2025-03-04T09:20:00+05:00"
        and fields["slot_end"] == "2025-03-04T09:40:00+05:00"
    )
    assert fields["organisation_bin"] == ORG_BIN and fields["recipient_iin"] == CITIZEN_IIN
    assert fields["signature_valid"] is True and fields["signer"]["bin"] == ORG_BIN


def test_organisations_request_by_recipient_iin_and_the_attachment_in_the_answer() -> None:
    request = rpn.parse_request(rpn.build_request(recipient_iin=CITIZEN_IIN))
    assert request.recipient_iin == CITIZEN_IIN and request.region_code is None
    organisation = rpn.OrganisationInfo(
        code="ZHM-TRZ-05",
        bin="070340002128",
        name_ru="Поликлиника №5",
        name_kk="№5 емхана",
        address_ru="г. Тараз",
        address_kk="Тараз қ.",
        region_code="310000000",
        locality_code="311001000",
        sections=(rpn.SectionInfo("1", "Участок 1", "1-учаске", "311001000", "Тараз", "Тараз"),),
        attached_section="1",
        attached_from=date(2016, 2, 1),
    )
    answer = rpn.parse_response(rpn.build_response(request.request_number, [organisation]))
    assert answer.organisations == (organisation,)
    plain = rpn.parse_response(
        rpn.build_response(
            request.request_number, [replace(organisation, attached_section=None, attached_from=None)]
        )
    )
    assert plain.organisations[0].attached_section is None and plain.organisations[0].attached_from is None
