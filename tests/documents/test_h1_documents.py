"""egov_kit.documents.h1: builders and parsers round trip, the XSD, signatures that survive ШЭП envelopes."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from datetime import date, datetime, timedelta

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.documents import h1
from egov_kit.documents.errors import IinMismatch, SignerNotAuthorised
from egov_kit.documents.h1 import (
    Application,
    ApplicationStatus,
    Bilingual,
    Doctor,
    Ground,
    Organisation,
    Recipient,
    Refusal,
    ScanReference,
    Talon,
    TalonRecipient,
)
from egov_kit.dsig import SignatureInvalid, SignatureMissing, verify_document
from egov_kit.identifiers import InvalidIdentifier
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep import (
    AsyncMessageInfo,
    AsyncSendMessageRequest,
    MessageData,
    MessageType,
    SchemaViolation,
    SenderInfo,
    build_envelope,
    envelope_bytes,
    parse_envelope,
)
from egov_kit.xml import parse_xml
from lxml import etree

from tests.documents.conftest import CITIZEN_IIN, HEAD_IIN, ORG_BIN

RECIPIENT = Recipient(CITIZEN_IIN, "Ахметов", "Ерлан", "Серікович", "+77011234567")
MOMENT = datetime(2025, 3, 3, 10, 15, 30, tzinfo=KZ_TZ)
ORGANISATION = Organisation(
    "ZHM-TRZ-01",
    ORG_BIN,
    "Городская поликлиника №1 г. Тараз",
    "Тараз қаласының №1 қалалық емханасы",
    "г. Тараз, ул. Толе би, 80",
    "Тараз қ., Төле би көшесі, 80",
)
SCAN = ScanReference("удостоверение.pdf", "application/pdf", "a" * 64)


def application(**overrides: object) -> etree._Element:
    values: dict[str, object] = {
        "recipient": RECIPIENT,
        "organisation_code": "ZHM-TRZ-01",
        "reason": "Смена места жительства / Тұрғылықты жерін ауыстыру",
        "application_id": "3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11",
        "submitted_at": MOMENT,
    }
    values.update(overrides)
    return h1.build_application(**values)  # type: ignore[arg-type]


def talon() -> Talon:
    return Talon(
        talon_number="T-2025-000001",
        registration_number="RPN-2025-000001",
        application_id="3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11",
        recipient=TalonRecipient(CITIZEN_IIN, "Ахметов Ерлан Серікович", date(1988, 4, 12)),
        organisation=ORGANISATION,
        section="1",
        doctor=Doctor(
            "Нурланов Арман Бауыржанович", "Участковый врач-терапевт", "Учаскелік терапевт дәрігер"
        ),
        attached_from=date(2025, 3, 3),
        issued_at=MOMENT,
    )


def refusal(**overrides: object) -> Refusal:
    values: dict[str, object] = {
        "recipient_iin": CITIZEN_IIN,
        "organisation": ORGANISATION,
        "ground": Ground(
            "OUT_OF_SERVICE_AREA",
            "Медицинская организация не обслуживает территорию проживания услугополучателя",
            "Медициналық ұйым көрсетілетін қызметті алушының тұрғылықты жерінің аумағына қызмет көрсетпейді",
        ),
        "details": Bilingual("Адрес: г. Уральск", "Мекенжайы: Орал қ."),
        "issued_at": MOMENT,
        "registration_number": "RPN-2025-000002",
        "application_id": "3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11",
    }
    values.update(overrides)
    return Refusal(**values)  # type: ignore[arg-type]


# --- application ---------------------------------------------------------------------------------


def test_application_round_trip() -> None:
    element = application(section_number="2", attachments=[SCAN], channel="provider")
    parsed = h1.parse_application(element)
    assert parsed == Application(
        application_id="3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11",
        service_id="H1",
        submitted_at=MOMENT,
        channel="provider",
        recipient=RECIPIENT,
        organisation_code="ZHM-TRZ-01",
        reason="Смена места жительства / Тұрғылықты жерін ауыстыру",
        section_number="2",
        attachments=(SCAN,),
        signed=False,
    )
    assert element.tag == f"{{{h1.NS}}}application"
    reparsed = h1.parse_application(parse_xml(h1.to_bytes(element)))
    assert reparsed == parsed


def test_application_defaults_choose_an_id_and_the_time() -> None:
    parsed = h1.parse_application(
        h1.build_application(recipient=RECIPIENT, organisation_code="X", reason="r")
    )
    uuid.UUID(parsed.application_id)
    assert parsed.channel == "portal" and parsed.attachments == () and parsed.section_number is None
    assert abs(parsed.submitted_at - datetime.now(KZ_TZ)) < timedelta(minutes=1)


def test_application_names_the_employee_who_signs_it_at_the_workstation() -> None:
    element = application(channel="provider", section_number="1", signer_iin=HEAD_IIN)
    signer = element.find(h1.tag("signerIin"))
    assert signer is not None and signer.text == HEAD_IIN
    parsed = h1.parse_application(element)
    assert parsed.signer_iin == HEAD_IIN and parsed.recipient.iin == CITIZEN_IIN
    assert h1.parse_application(parse_xml(h1.to_bytes(element))) == parsed
    # the portal's application names nobody: the recipient signs it
    portal = application()
    assert portal.find(h1.tag("signerIin")) is None and h1.parse_application(portal).signer_iin is None
    # the signer is part of what is signed
    assert not parsed.same_request(h1.parse_application(application(channel="provider", section_number="1")))


def test_application_with_a_wrong_signer_iin_is_refused() -> None:
    with pytest.raises(InvalidIdentifier):
        application(channel="provider", signer_iin="720314450018")
    element = application(channel="provider", signer_iin=HEAD_IIN)
    element.find(h1.tag("signerIin")).text = "720314450018"
    with pytest.raises(InvalidIdentifier):
        h1.parse_application(element)
    element.find(h1.tag("signerIin")).text = "7203144500"
    with pytest.raises(SchemaViolation):
        h1.parse_application(element)


async def test_application_signed_by_the_named_employee_verifies(
    head: KeyPair, validator: CertificateValidator
) -> None:
    element = h1.sign_with(application(channel="provider", signer_iin=HEAD_IIN), head)
    assert etree.QName(element[-1]).localname == "Signature"
    parsed = h1.parse_application(element)
    assert parsed.signed and parsed.signer_iin == HEAD_IIN
    identity = await h1.verify_signed(element, validator, expected_iin=HEAD_IIN)
    assert identity.kind == "employee" and identity.bin == ORG_BIN


def test_application_breaking_the_xsd_is_refused_with_a_named_error() -> None:
    with pytest.raises(SchemaViolation, match=r"attachment\.xsd"):
        application(reason="x" * 501)
    element = application()
    element.remove(element.find(h1.tag("serviceId")))
    with pytest.raises(SchemaViolation) as caught:
        h1.parse_application(element)
    assert caught.value.code == "SCHEMA_VIOLATION"
    assert "Заявление" in caught.value.message and "Өтініш" in caught.value.message
    with pytest.raises(SchemaViolation):
        h1.parse_application(h1.build_talon(talon()))  # another document


def test_application_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidIdentifier):
        application(recipient=Recipient("880412390018", "Ахметов", "Ерлан"))
    element = application()
    element.find(f"{h1.tag('recipient')}/{h1.tag('iin')}").text = "880412390018"
    with pytest.raises(InvalidIdentifier) as caught:
        h1.parse_application(element)
    assert caught.value.code == "INVALID_IIN_BIN"


def test_parsing_validates_a_copy_inside_another_tree() -> None:
    holder = etree.Element("{urn:other}holder", nsmap={"o": "urn:other"})
    holder.append(application())
    parsed = h1.parse_application(holder[0])
    assert parsed.recipient == RECIPIENT
    assert holder[0].getparent() is holder, "the caller's tree is untouched"


async def test_signed_application_verifies_with_the_recipients_certificate(
    citizen: KeyPair, validator: CertificateValidator
) -> None:
    element = h1.sign_with(application(), citizen)
    assert h1.parse_application(element).signed
    assert etree.QName(element[-1]).localname == "Signature"
    identity = await h1.verify_signed(element, validator, expected_iin=CITIZEN_IIN)
    assert identity.iin == CITIZEN_IIN and identity.kind == "individual"
    assert h1.parse_application(element).same_request(h1.parse_application(application()))


async def test_iin_mismatch_is_a_named_error(other_citizen: KeyPair, validator: CertificateValidator) -> None:
    element = h1.sign_with(application(), other_citizen)
    with pytest.raises(IinMismatch) as caught:
        await h1.verify_signed(element, validator, expected_iin=CITIZEN_IIN)
    assert caught.value.code == "IIN_MISMATCH"
    assert "ИИН" in caught.value.message and "ЖСН" in caught.value.message


async def test_tampered_or_unsigned_application_is_refused(
    citizen: KeyPair, validator: CertificateValidator
) -> None:
    element = h1.sign_with(application(), citizen)
    element.find(h1.tag("organisationCode")).text = "ZHM-TRZ-05"
    with pytest.raises(SignatureInvalid):
        await h1.verify_signed(element, validator, expected_iin=CITIZEN_IIN)
    with pytest.raises(SignatureMissing):
        await h1.verify_signed(application(), validator, expected_iin=CITIZEN_IIN)


async def test_signature_survives_the_shep_envelope(
    citizen: KeyPair, validator: CertificateValidator
) -> None:
    signed = h1.sign_with(application(attachments=[SCAN], channel="provider"), citizen)
    request = AsyncSendMessageRequest(
        message_info=AsyncMessageInfo(
            message_id=str(uuid.uuid4()),
            service_id=h1.SHEP_SERVICE_ID,
            message_type=MessageType.REQUEST,
            message_date=MOMENT,
            sender=SenderInfo(sender_id="EGOV_PORTAL", password="secret"),
        ),
        message_data=MessageData.of(signed),
    )
    raw = envelope_bytes(build_envelope(request))
    # a second hop: parsed and re-serialised under other ancestors, as the gateway forwards it
    parsed = parse_envelope(raw)
    again = parse_envelope(envelope_bytes(parsed.envelope))
    assert isinstance(again.model, AsyncSendMessageRequest)
    document = again.model.message_data.document()
    verify_document(document)
    assert h1.parse_application(document) == h1.parse_application(signed)
    identity = await h1.verify_signed(document, validator, expected_iin=CITIZEN_IIN)
    assert identity.iin == CITIZEN_IIN


# --- status --------------------------------------------------------------------------------------


def test_status_round_trip() -> None:
    status = ApplicationStatus(
        "3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11",
        "RPN-2025-000001",
        "REGISTERED",
        MOMENT,
        Bilingual("Зарегистрировано", "Тіркелді"),
    )
    assert h1.parse_status(h1.build_status(status)) == status
    with pytest.raises(SchemaViolation):
        h1.build_status(ApplicationStatus(status.application_id, "42", "REGISTERED", MOMENT, status.message))


# --- talon and refusal ---------------------------------------------------------------------------


async def test_talon_round_trip_signed_by_the_authorised_person(
    head: KeyPair, validator: CertificateValidator
) -> None:
    element = h1.sign_with(h1.build_talon(talon()), head)
    parsed = h1.parse_talon(element)
    assert parsed == dataclasses.replace(talon(), signed=True)
    assert parsed.talon_number == "T-2025-000001" and parsed.signed and parsed.organisation == ORGANISATION
    identity = await h1.verify_issued(element, validator)
    assert identity.iin == HEAD_IIN and identity.bin == ORG_BIN and "right_of_signature" in identity.roles

    fields = h1.talon_fields(element)
    assert fields["talon_number"] == "T-2025-000001"
    assert fields["organisation_name_kk"] == ORGANISATION.name_kk
    assert fields["recipient_birth_date"] == "1988-04-12"
    assert fields["signed"] and fields["signature_valid"]
    assert fields["signer"]["iin"] == HEAD_IIN and fields["signer"]["bin"] == ORG_BIN


async def test_result_signed_by_someone_else_is_not_authorised(
    citizen: KeyPair, validator: CertificateValidator
) -> None:
    element = h1.sign_with(h1.build_talon(talon()), citizen)
    with pytest.raises(SignerNotAuthorised) as caught:
        await h1.verify_issued(element, validator)
    assert caught.value.code == "SIGNER_NOT_AUTHORISED"


async def test_refusal_round_trip(head: KeyPair, validator: CertificateValidator) -> None:
    element = h1.sign_with(h1.build_refusal(refusal()), head)
    parsed = h1.parse_refusal(element)
    assert parsed.ground.code == "OUT_OF_SERVICE_AREA"
    assert parsed.details == Bilingual("Адрес: г. Уральск", "Мекенжайы: Орал қ.")
    assert parsed.registration_number == "RPN-2025-000002" and parsed.signed
    await h1.verify_issued(element, validator)
    fields = h1.refusal_fields(element)
    assert fields["ground_code"] == "OUT_OF_SERVICE_AREA" and fields["ground_kk"].startswith("Медициналық")
    assert fields["signature_valid"]


def test_refusal_before_registration_has_no_number() -> None:
    """Step 4 of the provider channel: ГБД ФЛ has no data, nothing is registered yet."""
    element = h1.build_refusal(refusal(registration_number=None, application_id=None))
    parsed = h1.parse_refusal(element)
    assert parsed.registration_number is None and parsed.application_id is None and not parsed.signed
    fields = h1.refusal_fields(element)
    assert fields["signed"] is False and fields["signer"] is None


def test_views_report_a_broken_signature(head: KeyPair) -> None:
    element = h1.sign_with(h1.build_talon(talon()), head)
    broken = copy.deepcopy(element)
    broken.find(h1.tag("section")).text = "3"
    fields = h1.talon_fields(broken)
    assert fields["signed"] and not fields["signature_valid"]
    assert fields["signature_error"] == "SIGNATURE_INVALID"
