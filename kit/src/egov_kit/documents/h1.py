"""H1 «Прикрепление к медицинской организации, оказывающей ПМСП»: the documents of ``RPN_Attachment``.

``contracts/rpn/attachment.xsd`` (namespace ``urn:egov-sandbox:rpn:attachment:v1``):

* **application** — signed by the recipient (portal, seed 000 §10 process 5) or by the medical
  organisation's employee (workstation, seed 002 table 2 step 5), whom it then names in the optional
  ``signerIin`` (the local signer picks that employee's key; the workstation checks it); REQUEST to
  PHC_REGISTRY.
* **status** — registered with its number (process 6), later ATTACHED or REFUSED; UPDATE back.
* **talon** — the result (process 8), signed by the organisation's authorised person; RESPONSE.
* **refusal** — the motivated refusal (process 7) naming its ground; signed the same way; RESPONSE.

Builders return unsigned elements that already conform to the XSD; sign them with :func:`sign_with`.
Parsers check a copy against the XSD (``SCHEMA_VIOLATION``), then read a frozen dataclass. The
``*_fields`` functions give flat dicts for views (print forms, the personal cabinet)::

    element = build_application(recipient=Recipient("880412390017", "Ахметов", "Ерлан"),
                                organisation_code="ZHM-TRZ-01", reason="Смена места жительства")
    sign_with(element, citizen_keypair)
    identity = await verify_signed(element, validator, expected_iin="880412390017")
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, cast

from lxml import etree

from egov_kit.clock import now
from egov_kit.documents import _xml as x
from egov_kit.documents import records
from egov_kit.documents.errors import IinMismatch, SignerNotAuthorised
from egov_kit.dsig import SignatureError, sign_document, verify_document
from egov_kit.identifiers import InvalidIdentifier, is_valid
from egov_kit.pki import CertificateIdentity, CertificateValidator, KeyPair, identity_from_certificate
from egov_kit.pki.profile import ROLE_FIRST_HEAD, ROLE_RIGHT_OF_SIGNATURE
from egov_kit.xml.contracts import Contract

NS = "urn:egov-sandbox:rpn:attachment:v1"
CONTRACT = Contract("rpn", NS, "attachment.xsd")
SERVICE_ID = "H1"
SHEP_SERVICE_ID = "RPN_Attachment"

Channel = Literal["portal", "provider"]
Status = Literal["REGISTERED", "ATTACHED", "REFUSED"]
CHANNELS: tuple[Channel, ...] = ("portal", "provider")
STATUSES: tuple[Status, ...] = ("REGISTERED", "ATTACHED", "REFUSED")
MEDIA_TYPES: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")
REASON_MAX = 500
SIGNING_ROLES = frozenset({ROLE_RIGHT_OF_SIGNATURE, ROLE_FIRST_HEAD})


def tag(local: str) -> str:
    """``{urn:egov-sandbox:rpn:attachment:v1}local``."""
    return CONTRACT.tag(local)


# --- dataclasses ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    iin: str
    surname: str
    name: str
    patronymic: str | None = None
    phone: str | None = None

    @property
    def full_name(self) -> str:
        return records.full_name(self.surname, self.name, self.patronymic)


@dataclass(frozen=True, slots=True)
class ScanReference:
    """A scanned document attached at the workstation, referenced by its SHA-256 (hex)."""

    file_name: str
    media_type: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Application:
    application_id: str
    service_id: str
    submitted_at: datetime
    channel: Channel
    recipient: Recipient
    organisation_code: str
    reason: str
    section_number: str | None = None
    attachments: tuple[ScanReference, ...] = ()
    signer_iin: str | None = None  # provider channel: the employee who signs; absent at the portal
    signed: bool = False

    def same_request(self, other: Application) -> bool:
        """Equal in everything the signer vouches for (the signature itself aside)."""
        return (
            self.application_id == other.application_id
            and self.service_id == other.service_id
            and self.channel == other.channel
            and self.recipient == other.recipient
            and self.organisation_code == other.organisation_code
            and self.reason == other.reason
            and self.section_number == other.section_number
            and self.attachments == other.attachments
            and self.signer_iin == other.signer_iin
        )


@dataclass(frozen=True, slots=True)
class Bilingual:
    ru: str
    kk: str

    def in_lang(self, lang: str) -> str:
        return self.kk if lang == "kk" else self.ru


@dataclass(frozen=True, slots=True)
class ApplicationStatus:
    application_id: str
    registration_number: str
    status: Status
    status_at: datetime
    message: Bilingual


@dataclass(frozen=True, slots=True)
class TalonRecipient:
    iin: str
    full_name: str
    birth_date: date


@dataclass(frozen=True, slots=True)
class Organisation:
    code: str
    bin: str
    name_ru: str
    name_kk: str
    address_ru: str
    address_kk: str


@dataclass(frozen=True, slots=True)
class Doctor:
    full_name: str
    position_ru: str
    position_kk: str


@dataclass(frozen=True, slots=True)
class Talon:
    talon_number: str
    registration_number: str
    application_id: str
    recipient: TalonRecipient
    organisation: Organisation
    section: str
    doctor: Doctor
    attached_from: date
    issued_at: datetime
    signed: bool = False


@dataclass(frozen=True, slots=True)
class Ground:
    """A refusal ground of the regulation (``services/h1_phc_attachment.yaml``) with its wording."""

    code: str
    ru: str
    kk: str


@dataclass(frozen=True, slots=True)
class Refusal:
    recipient_iin: str | None
    organisation: Organisation
    ground: Ground
    details: Bilingual
    issued_at: datetime
    registration_number: str | None = None
    application_id: str | None = None
    signed: bool = False


# --- helpers -------------------------------------------------------------------------------------


def check_iin(iin: str, what: str) -> None:
    """Refuse an ИИН whose check digit is wrong (named error, message in ru and kk)."""
    if not is_valid(iin):
        raise InvalidIdentifier(
            f"{what}: ИИН {iin} некорректен (контрольный разряд) / "
            f"{what}: ЖСН {iin} дұрыс емес (бақылау разряды)"
        )


def write_recipient(parent: etree._Element, recipient: Recipient, contract: Contract = CONTRACT) -> None:
    """The ``recipient`` block of an application (in ``contract``'s namespace)."""
    person = x.node(parent, contract, "recipient")
    x.add(person, contract, "iin", recipient.iin)
    x.add(person, contract, "surname", recipient.surname)
    x.add(person, contract, "name", recipient.name)
    x.add(person, contract, "patronymic", recipient.patronymic or None)
    x.add(person, contract, "phone", recipient.phone or None)


def read_recipient(parent: etree._Element, contract: Contract = CONTRACT) -> Recipient:
    """The ``recipient`` block, its ИИН's check digit checked."""
    person = x.required_child(parent, contract, "recipient")
    recipient = Recipient(
        iin=x.required_text(person, contract, "iin"),
        surname=x.required_text(person, contract, "surname"),
        name=x.required_text(person, contract, "name"),
        patronymic=x.text(person, contract, "patronymic"),
        phone=x.text(person, contract, "phone"),
    )
    check_iin(recipient.iin, "recipient")
    return recipient


def write_organisation(
    parent: etree._Element, organisation: Organisation, contract: Contract = CONTRACT
) -> None:
    """The ``organisation`` block every РПН result document carries (in ``contract``'s namespace)."""
    node = x.node(parent, contract, "organisation")
    x.add(node, contract, "code", organisation.code)
    x.add(node, contract, "bin", organisation.bin)
    x.add(node, contract, "nameRu", organisation.name_ru)
    x.add(node, contract, "nameKk", organisation.name_kk)
    x.add(node, contract, "addressRu", organisation.address_ru)
    x.add(node, contract, "addressKk", organisation.address_kk)


def read_organisation(parent: etree._Element, contract: Contract = CONTRACT) -> Organisation:
    node = x.required_child(parent, contract, "organisation")
    return Organisation(
        code=x.required_text(node, contract, "code"),
        bin=x.required_text(node, contract, "bin"),
        name_ru=x.required_text(node, contract, "nameRu"),
        name_kk=x.required_text(node, contract, "nameKk"),
        address_ru=x.required_text(node, contract, "addressRu"),
        address_kk=x.required_text(node, contract, "addressKk"),
    )


def _bilingual(parent: etree._Element, name: str, value: Bilingual) -> None:
    node = x.node(parent, CONTRACT, name)
    x.add(node, CONTRACT, "ru", value.ru)
    x.add(node, CONTRACT, "kk", value.kk)


def _read_bilingual(parent: etree._Element, name: str) -> Bilingual:
    node = x.required_child(parent, CONTRACT, name)
    return Bilingual(x.required_text(node, CONTRACT, "ru"), x.required_text(node, CONTRACT, "kk"))


def sign_with(element: etree._Element, keypair: KeyPair) -> etree._Element:
    """Append the enveloped ds:Signature of ``keypair`` (its certificate and chain in KeyInfo)."""
    return sign_document(element, keypair.private_key, keypair.certificate, chain=keypair.chain)


def to_bytes(element: etree._Element) -> bytes:
    """The document as UTF-8 with an XML declaration (no pretty printing: it may be signed)."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def to_text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


# --- application ---------------------------------------------------------------------------------


def build_application(
    *,
    recipient: Recipient,
    organisation_code: str,
    reason: str,
    channel: Channel = "portal",
    application_id: str | None = None,
    submitted_at: datetime | None = None,
    section_number: str | None = None,
    attachments: Iterable[ScanReference] = (),
    signer_iin: str | None = None,
) -> etree._Element:
    """The unsigned ``application``; the portal chooses ``application_id`` (a UUID).

    ``signer_iin``: who is to sign it when that is not the recipient — at the workstation (provider
    channel) the logged-in employee, so that the local signer picks the employee's key and the
    workstation can check the certificate against it. The portal leaves it absent.
    """
    check_iin(recipient.iin, "recipient")
    if signer_iin:
        check_iin(signer_iin, "signer")
    root = x.root(CONTRACT, "application")
    x.add(root, CONTRACT, "applicationId", application_id or str(uuid.uuid4()))
    x.add(root, CONTRACT, "serviceId", SERVICE_ID)
    x.add(root, CONTRACT, "submittedAt", x.xs_datetime(submitted_at or now()))
    x.add(root, CONTRACT, "channel", channel)
    write_recipient(root, recipient)
    x.add(root, CONTRACT, "organisationCode", organisation_code)
    x.add(root, CONTRACT, "sectionNumber", section_number or None)
    x.add(root, CONTRACT, "reason", reason)
    scans = list(attachments)
    if scans:
        holder = x.node(root, CONTRACT, "attachments")
        for scan in scans:
            item = x.node(holder, CONTRACT, "attachment")
            x.add(item, CONTRACT, "fileName", scan.file_name)
            x.add(item, CONTRACT, "mediaType", scan.media_type)
            x.add(item, CONTRACT, "sha256", scan.sha256)
    x.add(root, CONTRACT, "signerIin", signer_iin or None)
    x.check(root, CONTRACT, "application", "Заявление", "Өтініш")
    return root


def parse_application(element: etree._Element) -> Application:
    """Read an ``application`` (signed or not) after checking a copy against the XSD."""
    x.check(element, CONTRACT, "application", "Заявление", "Өтініш")
    recipient = read_recipient(element)
    signer_iin = x.text(element, CONTRACT, "signerIin")
    if signer_iin is not None:
        check_iin(signer_iin, "signer")
    holder = x.child(element, CONTRACT, "attachments")
    scans: tuple[ScanReference, ...] = ()
    if holder is not None:
        scans = tuple(
            ScanReference(
                file_name=x.required_text(item, CONTRACT, "fileName"),
                media_type=x.required_text(item, CONTRACT, "mediaType"),
                sha256=x.required_text(item, CONTRACT, "sha256"),
            )
            for item in holder.iterchildren(tag("attachment"))
        )
    return Application(
        application_id=x.required_text(element, CONTRACT, "applicationId"),
        service_id=x.required_text(element, CONTRACT, "serviceId"),
        submitted_at=x.read_datetime(x.required_text(element, CONTRACT, "submittedAt")),
        channel=cast(Channel, x.required_text(element, CONTRACT, "channel")),
        recipient=recipient,
        organisation_code=x.required_text(element, CONTRACT, "organisationCode"),
        reason=x.required_text(element, CONTRACT, "reason"),
        section_number=x.text(element, CONTRACT, "sectionNumber"),
        attachments=scans,
        signer_iin=signer_iin,
        signed=x.is_signed(element),
    )


async def verify_signed(
    element: etree._Element, validator: CertificateValidator, *, expected_iin: str
) -> CertificateIdentity:
    """Check a signed document: its enveloped signature, the signer's certificate, the signer's ИИН.

    The signature (``SIGNATURE_MISSING``, ``SIGNATURE_INVALID`` …), then the certificate's chain,
    dates and revocation (``CERT_EXPIRED``, ``CERT_REVOKED`` …), then that the certificate's ИИН is
    ``expected_iin`` — the recipient's for the portal channel (seed 000 §10 condition 2), the
    employee's at the workstation — else ``IIN_MISMATCH``. Returns the signer's identity.
    """
    verified = verify_document(element)
    identity = await validator.validate(verified.certificate, extra_chain=verified.chain)
    if identity.iin != expected_iin:
        raise IinMismatch(
            f"ИИН в регистрационном свидетельстве ЭЦП ({identity.iin or '—'}) не совпадает с ИИН "
            f"в запросе ({expected_iin}) / ЭЦҚ тіркеу куәлігіндегі ЖСН ({identity.iin or '—'}) "
            f"сұраудағы ЖСН-ге ({expected_iin}) сәйкес келмейді",
            data=identity.iin,
        )
    return identity


async def verify_issued(
    element: etree._Element, validator: CertificateValidator, *, contract: Contract = CONTRACT
) -> CertificateIdentity:
    """Check a talon or refusal (or another РПН result in ``contract``): signature, certificate,
    and a signer entitled to sign for its organisation.

    The signer is an employee of the organisation named in the document (the certificate's БИН is
    the organisation's) with the right of signature (or the first head), or that organisation's own
    information system; ``SIGNER_NOT_AUTHORISED`` otherwise.
    """
    verified = verify_document(element)
    identity = await validator.validate(verified.certificate, extra_chain=verified.chain)
    organisation = read_organisation(element, contract)
    entitled = identity.bin == organisation.bin and (
        identity.kind == "system" or bool(identity.roles & SIGNING_ROLES)
    )
    if not entitled:
        raise SignerNotAuthorised(
            f"Документ подписан {identity.common_name} (БИН {identity.bin or '—'}), а не уполномоченным "
            f"лицом организации {organisation.code} (БИН {organisation.bin}) / Құжатқа "
            f"{organisation.code} ұйымының (БСН {organisation.bin}) уәкілетті тұлғасы емес, "
            f"{identity.common_name} (БСН {identity.bin or '—'}) қол қойған",
            data=identity.common_name,
        )
    return identity


# --- status (UPDATE) -----------------------------------------------------------------------------


def build_status(status: ApplicationStatus) -> etree._Element:
    root = x.root(CONTRACT, "status")
    x.add(root, CONTRACT, "applicationId", status.application_id)
    x.add(root, CONTRACT, "registrationNumber", status.registration_number)
    x.add(root, CONTRACT, "status", status.status)
    x.add(root, CONTRACT, "statusAt", x.xs_datetime(status.status_at))
    _bilingual(root, "message", status.message)
    x.check(root, CONTRACT, "status", "Статус", "Мәртебе")
    return root


def parse_status(element: etree._Element) -> ApplicationStatus:
    x.check(element, CONTRACT, "status", "Статус", "Мәртебе")
    return ApplicationStatus(
        application_id=x.required_text(element, CONTRACT, "applicationId"),
        registration_number=x.required_text(element, CONTRACT, "registrationNumber"),
        status=cast(Status, x.required_text(element, CONTRACT, "status")),
        status_at=x.read_datetime(x.required_text(element, CONTRACT, "statusAt")),
        message=_read_bilingual(element, "message"),
    )


# --- talon (RESPONSE, process 8) -----------------------------------------------------------------


def build_talon(talon: Talon) -> etree._Element:
    """The unsigned ``talon``; :func:`sign_with` the authorised person's key."""
    root = x.root(CONTRACT, "talon")
    x.add(root, CONTRACT, "talonNumber", talon.talon_number)
    x.add(root, CONTRACT, "registrationNumber", talon.registration_number)
    x.add(root, CONTRACT, "applicationId", talon.application_id)
    person = x.node(root, CONTRACT, "recipient")
    x.add(person, CONTRACT, "iin", talon.recipient.iin)
    x.add(person, CONTRACT, "fullName", talon.recipient.full_name)
    x.add(person, CONTRACT, "birthDate", talon.recipient.birth_date.isoformat())
    write_organisation(root, talon.organisation)
    x.add(root, CONTRACT, "section", talon.section)
    doctor = x.node(root, CONTRACT, "doctor")
    x.add(doctor, CONTRACT, "fullName", talon.doctor.full_name)
    x.add(doctor, CONTRACT, "positionRu", talon.doctor.position_ru)
    x.add(doctor, CONTRACT, "positionKk", talon.doctor.position_kk)
    x.add(root, CONTRACT, "attachedFrom", talon.attached_from.isoformat())
    x.add(root, CONTRACT, "issuedAt", x.xs_datetime(talon.issued_at))
    x.check(root, CONTRACT, "talon", "Талон", "Талон")
    return root


def parse_talon(element: etree._Element) -> Talon:
    x.check(element, CONTRACT, "talon", "Талон", "Талон")
    person = x.required_child(element, CONTRACT, "recipient")
    doctor = x.required_child(element, CONTRACT, "doctor")
    return Talon(
        talon_number=x.required_text(element, CONTRACT, "talonNumber"),
        registration_number=x.required_text(element, CONTRACT, "registrationNumber"),
        application_id=x.required_text(element, CONTRACT, "applicationId"),
        recipient=TalonRecipient(
            iin=x.required_text(person, CONTRACT, "iin"),
            full_name=x.required_text(person, CONTRACT, "fullName"),
            birth_date=x.read_date(x.required_text(person, CONTRACT, "birthDate")),
        ),
        organisation=read_organisation(element),
        section=x.required_text(element, CONTRACT, "section"),
        doctor=Doctor(
            full_name=x.required_text(doctor, CONTRACT, "fullName"),
            position_ru=x.required_text(doctor, CONTRACT, "positionRu"),
            position_kk=x.required_text(doctor, CONTRACT, "positionKk"),
        ),
        attached_from=x.read_date(x.required_text(element, CONTRACT, "attachedFrom")),
        issued_at=x.read_datetime(x.required_text(element, CONTRACT, "issuedAt")),
        signed=x.is_signed(element),
    )


# --- refusal (RESPONSE, process 7) ---------------------------------------------------------------


def build_refusal(refusal: Refusal) -> etree._Element:
    """The unsigned ``refusal``; :func:`sign_with` the authorised person's key."""
    root = x.root(CONTRACT, "refusal")
    x.add(root, CONTRACT, "registrationNumber", refusal.registration_number)
    x.add(root, CONTRACT, "applicationId", refusal.application_id)
    x.add(root, CONTRACT, "recipientIin", refusal.recipient_iin)
    write_organisation(root, refusal.organisation)
    ground = x.node(root, CONTRACT, "ground")
    x.add(ground, CONTRACT, "code", refusal.ground.code)
    x.add(ground, CONTRACT, "ru", refusal.ground.ru)
    x.add(ground, CONTRACT, "kk", refusal.ground.kk)
    _bilingual(root, "details", refusal.details)
    x.add(root, CONTRACT, "issuedAt", x.xs_datetime(refusal.issued_at))
    x.check(root, CONTRACT, "refusal", "Мотивированный отказ", "Дәлелді бас тарту")
    return root


def parse_refusal(element: etree._Element) -> Refusal:
    x.check(element, CONTRACT, "refusal", "Мотивированный отказ", "Дәлелді бас тарту")
    ground = x.required_child(element, CONTRACT, "ground")
    return Refusal(
        recipient_iin=x.text(element, CONTRACT, "recipientIin"),
        organisation=read_organisation(element),
        ground=Ground(
            code=x.required_text(ground, CONTRACT, "code"),
            ru=x.required_text(ground, CONTRACT, "ru"),
            kk=x.required_text(ground, CONTRACT, "kk"),
        ),
        details=_read_bilingual(element, "details"),
        issued_at=x.read_datetime(x.required_text(element, CONTRACT, "issuedAt")),
        registration_number=x.text(element, CONTRACT, "registrationNumber"),
        application_id=x.text(element, CONTRACT, "applicationId"),
        signed=x.is_signed(element),
    )


# --- views ---------------------------------------------------------------------------------------


def signature_facts(element: etree._Element) -> dict[str, Any]:
    """The carried signature for a view: checked cryptographically; the certificate is not validated."""
    return _signer(element)


def _signer(element: etree._Element) -> dict[str, Any]:
    """The carried signature for a view: checked cryptographically; the certificate is not validated."""
    if not x.is_signed(element):
        return {"signed": False, "signature_valid": False, "signer": None}
    try:
        verified = verify_document(element)
    except SignatureError as exc:
        return {"signed": True, "signature_valid": False, "signature_error": exc.code, "signer": None}
    identity = identity_from_certificate(verified.certificate)
    return {
        "signed": True,
        "signature_valid": True,
        "signer": {
            "common_name": identity.common_name,
            "iin": identity.iin,
            "bin": identity.bin,
            "organisation": identity.organisation,
            "roles": sorted(identity.roles),
            "serial": identity.serial_hex,
            "not_after": identity.not_after.date().isoformat(),
        },
    }


def _organisation_fields(organisation: Organisation) -> dict[str, str]:
    return {
        "organisation_code": organisation.code,
        "organisation_bin": organisation.bin,
        "organisation_name_ru": organisation.name_ru,
        "organisation_name_kk": organisation.name_kk,
        "organisation_address_ru": organisation.address_ru,
        "organisation_address_kk": organisation.address_kk,
    }


def talon_fields(element: etree._Element) -> dict[str, Any]:
    """A talon as a flat dict for print views and the cabinet (dates ISO, plus the signature's facts)."""
    talon = parse_talon(element)
    fields: dict[str, Any] = {
        "document": "talon",
        "talon_number": talon.talon_number,
        "registration_number": talon.registration_number,
        "application_id": talon.application_id,
        "recipient_iin": talon.recipient.iin,
        "recipient_full_name": talon.recipient.full_name,
        "recipient_birth_date": talon.recipient.birth_date.isoformat(),
        **_organisation_fields(talon.organisation),
        "section": talon.section,
        "doctor_full_name": talon.doctor.full_name,
        "doctor_position_ru": talon.doctor.position_ru,
        "doctor_position_kk": talon.doctor.position_kk,
        "attached_from": talon.attached_from.isoformat(),
        "issued_at": talon.issued_at.isoformat(timespec="seconds"),
    }
    fields.update(_signer(element))
    return fields


def refusal_fields(element: etree._Element) -> dict[str, Any]:
    """A refusal as a flat dict for print views and the cabinet."""
    refusal = parse_refusal(element)
    fields: dict[str, Any] = {
        "document": "refusal",
        "registration_number": refusal.registration_number,
        "application_id": refusal.application_id,
        "recipient_iin": refusal.recipient_iin,
        **_organisation_fields(refusal.organisation),
        "ground_code": refusal.ground.code,
        "ground_ru": refusal.ground.ru,
        "ground_kk": refusal.ground.kk,
        "details_ru": refusal.details.ru,
        "details_kk": refusal.details.kk,
        "issued_at": refusal.issued_at.isoformat(timespec="seconds"),
    }
    fields.update(_signer(element))
    return fields
