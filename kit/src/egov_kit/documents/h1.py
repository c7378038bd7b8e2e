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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from lxml import etree

from egov_kit.documents import _common as common
from egov_kit.documents import _xml as x
from egov_kit.documents._common import SIGNING_ROLES as SIGNING_ROLES
from egov_kit.documents._common import Bilingual as Bilingual
from egov_kit.documents._common import Ground as Ground
from egov_kit.documents._common import Organisation as Organisation
from egov_kit.documents._common import Recipient as Recipient
from egov_kit.documents._common import Refusal as Refusal
from egov_kit.documents._common import check_iin as check_iin
from egov_kit.documents._common import sign_with as sign_with
from egov_kit.documents._common import signature_facts as signature_facts
from egov_kit.documents._common import to_bytes as to_bytes
from egov_kit.documents._common import to_text as to_text
from egov_kit.pki import CertificateIdentity, CertificateValidator
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


def tag(local: str) -> str:
    """``{urn:egov-sandbox:rpn:attachment:v1}local``."""
    return CONTRACT.tag(local)


# --- dataclasses ---------------------------------------------------------------------------------


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
        """Equal in everything the signer vouches for (the signature and the submission moment aside)."""
        return common.same_fields(self, other, ignore=frozenset({"signed", "submitted_at"}))


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


# --- helpers (the shared blocks of egov_kit.documents._common, in H1's namespace by default) -----


def write_recipient(parent: etree._Element, recipient: Recipient, contract: Contract = CONTRACT) -> None:
    """The ``recipient`` block of an application (in ``contract``'s namespace)."""
    common.write_recipient(parent, recipient, contract)


def read_recipient(parent: etree._Element, contract: Contract = CONTRACT) -> Recipient:
    """The ``recipient`` block, its ИИН's check digit checked."""
    return common.read_recipient(parent, contract)


def write_organisation(
    parent: etree._Element, organisation: Organisation, contract: Contract = CONTRACT
) -> None:
    """The ``organisation`` block every РПН result document carries (in ``contract``'s namespace)."""
    common.write_organisation(parent, organisation, contract)


def read_organisation(parent: etree._Element, contract: Contract = CONTRACT) -> Organisation:
    return common.read_organisation(parent, contract)


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
    root = common.start_application(
        CONTRACT, SERVICE_ID, application_id, submitted_at, channel, recipient, organisation_code
    )
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
    head = common.read_application_head(element, CONTRACT)
    signer_iin = common.read_signer_iin(element, CONTRACT)
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
        **head,
        service_id=x.required_text(element, CONTRACT, "serviceId"),
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
    return await common.verify_signed(element, validator, expected_iin=expected_iin)


async def verify_issued(
    element: etree._Element, validator: CertificateValidator, *, contract: Contract = CONTRACT
) -> CertificateIdentity:
    """Check a talon or refusal (or another РПН result in ``contract``): signature, certificate,
    and a signer entitled to sign for its organisation.

    The signer is an employee of the organisation named in the document (the certificate's БИН is
    the organisation's) with the right of signature (or the first head), or that organisation's own
    information system; ``SIGNER_NOT_AUTHORISED`` otherwise.
    """
    return await common.verify_issued(element, validator, contract)


# --- status (UPDATE) -----------------------------------------------------------------------------


def build_status(status: ApplicationStatus) -> etree._Element:
    return common.build_status(status, CONTRACT)


def parse_status(element: etree._Element) -> ApplicationStatus:
    return ApplicationStatus(**common.parse_status(element, CONTRACT))


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
    common.write_signatory(root, CONTRACT, "doctor", talon.doctor)
    x.add(root, CONTRACT, "attachedFrom", talon.attached_from.isoformat())
    x.add(root, CONTRACT, "issuedAt", x.xs_datetime(talon.issued_at))
    x.check(root, CONTRACT, "talon", "Талон", "Талон")
    return root


def parse_talon(element: etree._Element) -> Talon:
    x.check(element, CONTRACT, "talon", "Талон", "Талон")
    person = x.required_child(element, CONTRACT, "recipient")
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
        doctor=common.read_signatory(element, CONTRACT, "doctor", Doctor),
        attached_from=x.read_date(x.required_text(element, CONTRACT, "attachedFrom")),
        issued_at=x.read_datetime(x.required_text(element, CONTRACT, "issuedAt")),
        signed=x.is_signed(element),
    )


# --- refusal (RESPONSE, process 7) ---------------------------------------------------------------


def build_refusal(refusal: Refusal) -> etree._Element:
    """The unsigned ``refusal``; :func:`sign_with` the authorised person's key."""
    return common.build_refusal(refusal, CONTRACT)


def parse_refusal(element: etree._Element) -> Refusal:
    return common.parse_refusal(element, CONTRACT)


# --- views ---------------------------------------------------------------------------------------


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
        **common.organisation_fields(talon.organisation),
        "section": talon.section,
        "doctor_full_name": talon.doctor.full_name,
        "doctor_position_ru": talon.doctor.position_ru,
        "doctor_position_kk": talon.doctor.position_kk,
        "attached_from": talon.attached_from.isoformat(),
        "issued_at": talon.issued_at.isoformat(timespec="seconds"),
    }
    return common.with_signature(element, fields)


def refusal_fields(element: etree._Element) -> dict[str, Any]:
    """A refusal as a flat dict for print views and the cabinet."""
    return common.refusal_fields(element, CONTRACT)
