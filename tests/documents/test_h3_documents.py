"""H3 documents (contracts/rpn/sanatorium.xsd): round trips, the XSD, file checks, both confirmations."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime

import pytest
from egov_kit.attachments import (
    AttachmentDigestMismatch,
    AttachmentsTooLarge,
    AttachmentTooLarge,
    AttachmentTooMany,
    AttachmentTypeNotAllowed,
    MiB,
    check_file,
)
from egov_kit.clock import KZ_TZ
from egov_kit.documents import h1, h3
from egov_kit.documents.errors import IinMismatch, SignerNotAuthorised
from egov_kit.documents.h1 import Recipient
from egov_kit.dsig import SignatureInvalid, SignatureMissing
from egov_kit.pki import CertificateValidator, KeyPair
from egov_kit.shep import SchemaViolation
from egov_kit.xml import parse_xml
from lxml import etree

from tests.documents.conftest import CITIZEN_IIN, ORG, ORG_BIN, assert_only_its_own_applications, issue_pair
from tests.pki.support import Nuc

PORTAL_BIN = "091240007895"
SUBMITTED = datetime(2025, 3, 3, 10, 15, tzinfo=KZ_TZ)
PDF = b"%PDF-1.4\n" + b"clinical results " * 10
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OTP = h3.OtpConfirmation("+7 701 *** ** 78", datetime(2025, 3, 3, 10, 14, tzinfo=KZ_TZ))


def pdf(
    name: str = "analyses.pdf", content: bytes = PDF, media_type: str = "application/pdf"
) -> h3.ClinicalFile:
    checked = check_file(name, media_type, content, max_bytes=h3.MAX_FILE_BYTES)
    return h3.ClinicalFile(checked.file_name, checked.media_type, checked.sha256, checked.size, content)


def application(**overrides: object) -> etree._Element:
    values: dict[str, object] = {
        "recipient": Recipient(CITIZEN_IIN, "Ахметов", "Ерлан", "Серікович", "+77011234578"),
        "organisation_code": "ZHM-TRZ-01",
        "diagnosis_code": "M17.1",
        "diagnosis_text": "Первичный гонартроз, двусторонний",
        "examined_on": date(2025, 2, 20),
        "files": [pdf()],
        "consent": True,
        "submitted_at": SUBMITTED,
    }
    values.update(overrides)
    return h3.build_application(**values)  # type: ignore[arg-type]


def card() -> h3.SanatoriumCard:
    issued = datetime(2025, 3, 3, 11, 0, tzinfo=KZ_TZ)
    return h3.SanatoriumCard(
        card_number="SK-2025-000001",
        registration_number="RPN-2025-000007",
        application_id=str(uuid.uuid4()),
        channel="portal",
        issued_at=issued,
        valid_until=h3.card_valid_until(issued),
        organisation=ORG,
        recipient=h3.CardRecipient(
            CITIZEN_IIN,
            "Ахметов Ерлан Серікович",
            date(1988, 4, 12),
            h3.Bilingual("мужской", "ер"),
            h3.Bilingual("г. Тараз, ул. Толе би, 12", "Тараз қ., Төле би к-сі, 12"),
        ),
        diagnosis_code="M17.1",
        diagnosis_text="Первичный гонартроз, двусторонний",
        examined_on=date(2025, 2, 20),
        treatment=h3.Treatment(
            h3.Bilingual("болезни костно-мышечной системы", "сүйек-бұлшықет жүйесінің аурулары"),
            h3.Bilingual("курорты Казахстана", "Қазақстан курорттары"),
            h3.Bilingual("круглогодично", "жыл бойы"),
        ),
        doctor=h3.Signatory("Нурланов Арман Бауыржанович", "Участковый врач-терапевт", "Учаскелік терапевт"),
        head=h3.Signatory("Садыкова Гульмира Асановна", "Главный врач", "Бас дәрігер"),
    )


def refusal(code: str = h3.NO_CONSENT) -> h1.Refusal:
    return h1.Refusal(
        recipient_iin=CITIZEN_IIN,
        organisation=ORG,
        ground=h3.ground(code),
        details=h1.Bilingual("Согласие не дано", "Келісім берілмеген"),
        issued_at=datetime(2025, 3, 3, 11, 0, tzinfo=KZ_TZ),
        registration_number="RPN-2025-000007",
        application_id=str(uuid.uuid4()),
    )


# --- application ---------------------------------------------------------------------------------


def test_application_round_trip_keeps_the_files_and_the_consent() -> None:
    element = application(files=[pdf(), pdf("scan.png", PNG, "image/png")])
    parsed = h3.parse_application(parse_xml(h3.to_bytes(element)))
    assert parsed.recipient.patronymic == "Серікович" and parsed.recipient.phone == "+77011234578"
    assert (parsed.diagnosis_code, parsed.examined_on, parsed.submitted_at) == (
        "M17.1",
        date(2025, 2, 20),
        SUBMITTED,
    )
    assert [(f.file_name, f.media_type, f.size) for f in parsed.files] == [
        ("analyses.pdf", "application/pdf", len(PDF)),
        ("scan.png", "image/png", len(PNG)),
    ]
    assert parsed.files[0].content == PDF and parsed.files[1].content == PNG
    assert parsed.consent and parsed.confirmation == "eds" and parsed.otp is None and not parsed.signed
    assert parsed.channel == "portal" and parsed.signer_iin is None
    assert h3.root_name(element) == "application" and h3.root_name(h1.build_refusal(refusal())) is None
    assert parsed.same_request(h3.parse_application(element))
    assert not parsed.same_request(h3.parse_application(application(consent=False)))
    assert h3.parse_application(application(files=[], consent=False)).files == ()


def test_otp_application_carries_the_attestation() -> None:
    parsed = h3.parse_application(application(confirmation="otp", otp=OTP))
    assert parsed.confirmation == "otp" and parsed.otp == OTP


def test_confirmation_must_agree_with_the_attestation() -> None:
    with pytest.raises(h3.ConfirmationInvalid) as missing:
        application(confirmation="otp")
    assert missing.value.code == "CONFIRMATION_INVALID"
    with pytest.raises(h3.ConfirmationInvalid):
        application(otp=OTP)
    element = application(confirmation="otp", otp=OTP)
    element.remove(element.find(h3.tag("otpConfirmation")))
    with pytest.raises(h3.ConfirmationInvalid):
        h3.parse_application(element)


def test_xsd_refuses_broken_applications() -> None:
    assert_only_its_own_applications(application, h3.parse_application, h3.tag)
    with pytest.raises(SchemaViolation):
        application(diagnosis_code="гонартроз")
    element = application()
    element.find(h3.tag("consent")).text = "maybe"
    with pytest.raises(SchemaViolation):
        h3.parse_application(element)


def _file_node(element: etree._Element, index: int = 0) -> etree._Element:
    return element.find(h3.tag("clinicalResults")).findall(h3.tag("file"))[index]


def test_a_file_whose_content_differs_from_its_digest_is_refused() -> None:
    element = application()
    node = _file_node(element)
    node.find(h3.tag("content")).text = base64.b64encode(PDF + b"tampered").decode()
    with pytest.raises(AttachmentDigestMismatch) as mismatch:
        h3.parse_application(element)
    assert mismatch.value.code == "ATTACHMENT_DIGEST_MISMATCH" and mismatch.value.data == "analyses.pdf"
    element = application()
    _file_node(element).find(h3.tag("size")).text = str(len(PDF) + 1)
    with pytest.raises(AttachmentDigestMismatch):
        h3.parse_application(element)
    good = pdf()
    with pytest.raises(AttachmentDigestMismatch):  # the builder checks what it is given too
        application(files=[h3.ClinicalFile(good.file_name, good.media_type, "0" * 64, good.size, PDF)])


def test_file_limits_are_rechecked_by_the_reader() -> None:
    element = application(files=[pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf")])
    holder = element.find(h3.tag("clinicalResults"))
    holder.append(etree.fromstring(etree.tostring(_file_node(element))))
    with pytest.raises(AttachmentTooMany):
        h3.parse_application(element)

    with pytest.raises(AttachmentTooMany):
        application(files=[pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf"), pdf("d.pdf")])
    big = b"%PDF-1.4\n" + b"x" * h3.MAX_FILE_BYTES
    with pytest.raises(AttachmentTooLarge):
        application(files=[h3.ClinicalFile("big.pdf", "application/pdf", _sha(big), len(big), big)])
    near = b"%PDF-1.4\n" + b"x" * (MiB - 100)
    with pytest.raises(AttachmentsTooLarge):
        application(files=[pdf("a.pdf", near), pdf("b.pdf", near), pdf("c.pdf", near)])

    # a PNG announced as a PDF: the media type is decided from the first bytes
    element = application()
    node = _file_node(element)
    node.find(h3.tag("content")).text = base64.b64encode(PNG).decode()
    node.find(h3.tag("size")).text = str(len(PNG))
    node.find(h3.tag("sha256")).text = _sha(PNG)
    with pytest.raises(AttachmentTypeNotAllowed):
        h3.parse_application(element)


def _sha(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


# --- confirmation branches -----------------------------------------------------------------------


@pytest.fixture(scope="module")
async def portal_system(doc_nuc: Nuc) -> KeyPair:
    return await issue_pair(
        doc_nuc, kind="system", bin=PORTAL_BIN, system_id="EGOV_PORTAL", organisation="EGOV_PORTAL"
    )


@pytest.fixture(scope="module")
async def other_system(doc_nuc: Nuc) -> KeyPair:
    return await issue_pair(
        doc_nuc,
        kind="system",
        bin="200840009995",
        system_id="TEST_INTEGRATOR",
        organisation="TEST_INTEGRATOR",
    )


async def test_eds_branch_wants_the_recipients_own_signature(
    citizen: KeyPair, other_citizen: KeyPair, portal_system: KeyPair, validator: CertificateValidator
) -> None:
    element = h3.sign_with(application(), citizen)
    identity = await h3.verify_confirmation(parse_xml(h3.to_bytes(element)), validator)
    assert identity.iin == CITIZEN_IIN
    assert (await h3.verify_signed(element, validator, expected_iin=CITIZEN_IIN)).iin == CITIZEN_IIN

    with pytest.raises(IinMismatch):
        await h3.verify_confirmation(h3.sign_with(application(), other_citizen), validator)
    with pytest.raises(IinMismatch):  # the portal's key does not stand for an EDS
        await h3.verify_confirmation(h3.sign_with(application(), portal_system), validator)
    with pytest.raises(SignatureMissing):
        await h3.verify_confirmation(application(), validator)
    tampered = h3.sign_with(application(), citizen)
    tampered.find(h3.tag("consent")).text = "false"
    with pytest.raises(SignatureInvalid):
        await h3.verify_confirmation(tampered, validator)


async def test_otp_branch_wants_the_portals_system_signature(
    citizen: KeyPair,
    portal_system: KeyPair,
    other_system: KeyPair,
    validator: CertificateValidator,
) -> None:
    element = h3.sign_with(application(confirmation="otp", otp=OTP), portal_system)
    identity = await h3.verify_confirmation(parse_xml(h3.to_bytes(element)), validator)
    assert identity.kind == "system" and identity.bin == PORTAL_BIN

    with pytest.raises(SignerNotAuthorised) as foreign:
        await h3.verify_confirmation(
            h3.sign_with(application(confirmation="otp", otp=OTP), other_system), validator
        )
    assert foreign.value.code == "SIGNER_NOT_AUTHORISED"
    with pytest.raises(SignerNotAuthorised):  # the recipient's own key is not the portal's attestation
        await h3.verify_confirmation(
            h3.sign_with(application(confirmation="otp", otp=OTP), citizen), validator
        )
    with pytest.raises(SignerNotAuthorised):  # another portal БИН configured
        await h3.verify_confirmation(element, validator, portal_bin="200840009995")


# --- status, card, refusal -----------------------------------------------------------------------


def test_status_round_trip_carries_the_term() -> None:
    status = h3.SanatoriumStatus(
        application_id=str(uuid.uuid4()),
        registration_number="RPN-2025-000007",
        status="REGISTERED",
        status_at=datetime(2025, 3, 7, 18, 5, tzinfo=KZ_TZ),
        registered_for=datetime(2025, 3, 10, 9, 0, tzinfo=KZ_TZ),
        due_at=datetime(2025, 3, 11, 18, 30, tzinfo=KZ_TZ),
        message=h1.Bilingual("Зарегистрировано", "Тіркелді"),
    )
    assert h3.parse_status(parse_xml(h3.to_bytes(h3.build_status(status)))) == status
    element = h3.build_status(status)
    element.find(h3.tag("status")).text = "ATTACHED"
    with pytest.raises(SchemaViolation):
        h3.parse_status(element)


async def test_card_round_trip_fields_and_signature(
    head: KeyPair, citizen: KeyPair, validator: CertificateValidator
) -> None:
    issued = card()
    element = h3.build_card(issued)
    assert h3.parse_card(parse_xml(h3.to_bytes(element))) == issued
    assert issued.valid_until == date(2026, 3, 3)
    h3.sign_with(element, head)
    identity = await h3.verify_issued(parse_xml(h3.to_bytes(element)), validator)
    assert identity.bin == ORG_BIN
    fields = h3.card_fields(element)
    assert fields["document"] == "card" and fields["form"] == "069/у"
    assert fields["card_number"] == "SK-2025-000001" and fields["registration_number"] == "RPN-2025-000007"
    assert fields["recipient_iin"] == CITIZEN_IIN and fields["recipient_sex_kk"] == "ер"
    assert fields["diagnosis_code"] == "M17.1" and fields["valid_until"] == "2026-03-03"
    assert fields["season_ru"] == "круглогодично" and fields["head_full_name"].startswith("Садыкова")
    assert fields["signature_valid"] and fields["signer"]["bin"] == ORG_BIN

    with pytest.raises(SignerNotAuthorised):
        await h3.verify_issued(h3.sign_with(h3.build_card(card()), citizen), validator)
    tampered = h3.sign_with(h3.build_card(card()), head)
    tampered.find(h3.tag("diagnosisCode")).text = "J45.0"
    assert h3.card_fields(tampered)["signature_valid"] is False
    with pytest.raises(SignatureInvalid):
        await h3.verify_issued(tampered, validator)


async def test_refusal_names_an_h3_ground(head: KeyPair, validator: CertificateValidator) -> None:
    for code in h3.GROUNDS:
        element = h3.sign_with(h3.build_refusal(refusal(code)), head)
        parsed = h3.parse_refusal(parse_xml(h3.to_bytes(element)))
        assert parsed.ground.code == code and parsed.signed
        await h3.verify_issued(element, validator)
    fields = h3.refusal_fields(element)
    assert fields["document"] == "refusal" and fields["ground_code"] == h3.REQUIREMENTS_NOT_MET
    assert "требованиям" in fields["ground_ru"] and fields["details_kk"] == "Келісім берілмеген"
    assert h3.ground(h3.UNRELIABLE_DATA).kk.startswith("Көрсетілетін қызметті алушының")
    with pytest.raises(SchemaViolation):  # an H1 ground is not an H3 one
        h3.build_refusal(
            h1.Refusal(
                CITIZEN_IIN,
                ORG,
                h1.Ground("DECEASED", "умер", "қайтыс"),
                h1.Bilingual("a", "b"),
                card().issued_at,
            )
        )
    assert h3.card_valid_until(date(2024, 2, 29)) == date(2025, 2, 28)
