"""H3 «Выдача заключения о нуждаемости в санаторно-курортном лечении»: documents of ``PHC_SanatoriumCard``.

``contracts/rpn/sanatorium.xsd`` (namespace ``urn:egov-sandbox:rpn:sanatorium:v1``), seed 004:

* **application** — the request: the main diagnosis (ICD-10 code and text), the date of the clinical
  and diagnostic results, their electronic copies embedded base64 (item 8; at most
  :data:`MAX_FILES` files of :data:`MAX_FILE_BYTES`, :data:`MAX_TOTAL_BYTES` together, PDF/JPEG/PNG
  by their first bytes — the files travel inside the signed application and a ШЭП envelope is
  limited to 5 MB), the consent to access restricted personal data (item 9 3)) and how the request
  was confirmed (item 10):

  - ``confirmation="eds"`` — signed by the recipient's own key (portal) or, at the workstation, by
    the employee named in ``signerIin``;
  - ``confirmation="otp"`` — the recipient confirmed with a one-time password; the application
    carries ``otpConfirmation`` (the masked phone, the moment) and is signed by the PORTAL's own
    system certificate, which attests the password.

  REQUEST EGOV_PORTAL → PHC_REGISTRY.
* **status** — registered with its number (process 6), with ``registeredFor`` (the moment the one
  working day counts from: item 7, after 18:00 on a working day, on a weekend or a holiday 9:00 of
  the next working day) and ``dueAt`` (one working day later); later ISSUED or REFUSED; UPDATE.
* **card** — the result (process 8 / step 8): the sanatorium-resort card, form 069/у, signed by the
  organisation's authorised person; RESPONSE.
* **refusal** — the motivated refusal (process 7 / steps 4 and 7): H1's shape in this namespace,
  with H3's grounds (:data:`GROUNDS`); signed the same way; RESPONSE.

Builders return unsigned elements that already conform to the XSD; sign with :func:`sign_with`.
Parsers check a copy against the XSD (``SCHEMA_VIOLATION``), then read a frozen dataclass::

    element = build_application(recipient=Recipient("880412390017", "Ахметов", "Ерлан"),
                                organisation_code="ZHM-TRZ-05", diagnosis_code="M17.1",
                                diagnosis_text="Первичный гонартроз", examined_on=date(2025, 3, 1),
                                files=[checked_pdf], consent=True)
    sign_with(element, citizen_keypair)                       # eds; otp: the portal's system key
    identity = await verify_confirmation(element, validator)  # provider side, either branch
"""

from __future__ import annotations

import base64
import binascii
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol, cast

from lxml import etree

from egov_kit.attachments import (
    MEDIA_TYPES,
    AttachmentTooMany,
    MiB,
    check_files,
    verify_digest,
)
from egov_kit.documents import _common as common
from egov_kit.documents import _xml as x
from egov_kit.documents._common import (
    Bilingual,
    Ground,
    Organisation,
    Recipient,
    Refusal,
    sign_with,
    to_bytes,
    to_text,
)
from egov_kit.documents.errors import DocumentError, SignerNotAuthorised
from egov_kit.pki import CertificateIdentity, CertificateValidator
from egov_kit.shep.codes import SchemaViolation
from egov_kit.xml.contracts import Contract

NS = "urn:egov-sandbox:rpn:sanatorium:v1"
CONTRACT = Contract("rpn", NS, "sanatorium.xsd")
SERVICE_ID = "H3"
SHEP_SERVICE_ID = "PHC_SanatoriumCard"
PORTAL_BIN = "091240007895"  # EGOV_PORTAL's БИН (gateway-shep registry): the attester of an OTP

Channel = Literal["portal", "provider"]
Confirmation = Literal["eds", "otp"]
Status = Literal["REGISTERED", "ISSUED", "REFUSED"]
CHANNELS: tuple[Channel, ...] = ("portal", "provider")
CONFIRMATIONS: tuple[Confirmation, ...] = ("eds", "otp")
STATUSES: tuple[Status, ...] = ("REGISTERED", "ISSUED", "REFUSED")

# Seed 004 item 9, codes of services/h3_sanatorium_card.yaml, in the order the provider checks them.
NO_CONSENT = "NO_CONSENT"
UNRELIABLE_DATA = "UNRELIABLE_DATA"
REQUIREMENTS_NOT_MET = "REQUIREMENTS_NOT_MET"
GROUNDS: tuple[str, ...] = (NO_CONSENT, UNRELIABLE_DATA, REQUIREMENTS_NOT_MET)

# The files travel base64-embedded inside the signed application; a ШЭП envelope is at most 5 MB.
MAX_FILES = 3
MAX_FILE_BYTES = 1 * MiB
MAX_TOTAL_BYTES = 2 * MiB
FILE_MEDIA_TYPES: tuple[str, ...] = MEDIA_TYPES
DIAGNOSIS_TEXT_MAX = 1000
# Validity of a card: 12 months from issue (ours: seed 004 does not say; the form's practice).
CARD_VALIDITY_MONTHS = 12

__all__ = [
    "CARD_VALIDITY_MONTHS",
    "CHANNELS",
    "CONFIRMATIONS",
    "CONTRACT",
    "FILE_MEDIA_TYPES",
    "GROUNDS",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_TOTAL_BYTES",
    "NO_CONSENT",
    "NS",
    "PORTAL_BIN",
    "REQUIREMENTS_NOT_MET",
    "SERVICE_ID",
    "SHEP_SERVICE_ID",
    "STATUSES",
    "UNRELIABLE_DATA",
    "Bilingual",
    "CardRecipient",
    "ClinicalFile",
    "ConfirmationInvalid",
    "Ground",
    "Organisation",
    "OtpConfirmation",
    "Recipient",
    "Refusal",
    "SanatoriumApplication",
    "SanatoriumCard",
    "SanatoriumStatus",
    "Signatory",
    "Treatment",
    "build_application",
    "build_card",
    "build_refusal",
    "build_status",
    "card_fields",
    "card_valid_until",
    "ground",
    "parse_application",
    "parse_card",
    "parse_refusal",
    "parse_status",
    "refusal_fields",
    "root_name",
    "sign_with",
    "tag",
    "to_bytes",
    "to_text",
    "verify_confirmation",
    "verify_issued",
    "verify_signed",
]


def tag(local: str) -> str:
    """``{urn:egov-sandbox:rpn:sanatorium:v1}local``."""
    return CONTRACT.tag(local)


def root_name(element: etree._Element) -> str | None:
    """The local name of a document of this namespace (``application``, ``status``, ``card``,
    ``refusal``), else None."""
    return common.root_name(element, CONTRACT)


class ConfirmationInvalid(DocumentError):
    """The application's confirmation is not what it claims (seed 004 item 10): an ``otp``
    application without its ``otpConfirmation`` or an ``eds`` one with it."""

    code = "CONFIRMATION_INVALID"


# --- dataclasses ---------------------------------------------------------------------------------


class FileLike(Protocol):
    """What :func:`build_application` takes as a file: :class:`ClinicalFile` or
    :class:`egov_kit.attachments.CheckedFile`."""

    @property
    def file_name(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ClinicalFile:
    """An electronic copy of clinical and diagnostic results, carried inside the application."""

    file_name: str
    media_type: str
    sha256: str
    size: int
    content: bytes = b""

    def same_file(self, other: ClinicalFile) -> bool:
        return (self.file_name, self.media_type, self.sha256, self.size) == (
            other.file_name,
            other.media_type,
            other.sha256,
            other.size,
        )


@dataclass(frozen=True, slots=True)
class OtpConfirmation:
    """The portal's attestation that the recipient confirmed with a one-time password."""

    phone_masked: str
    confirmed_at: datetime


@dataclass(frozen=True, slots=True)
class SanatoriumApplication:
    application_id: str
    submitted_at: datetime
    channel: Channel
    recipient: Recipient
    organisation_code: str
    diagnosis_code: str
    diagnosis_text: str
    examined_on: date
    files: tuple[ClinicalFile, ...]
    consent: bool
    confirmation: Confirmation
    otp: OtpConfirmation | None = None
    signed: bool = False
    signer_iin: str | None = None  # provider channel: the employee who signs; absent at the portal

    def same_request(self, other: SanatoriumApplication) -> bool:
        """Equal in everything the signer vouches for (the signature itself aside); the files by
        name, type, digest and size."""
        return (
            common.same_fields(self, other, ignore=frozenset({"signed", "files"}))
            and len(self.files) == len(other.files)
            and all(a.same_file(b) for a, b in zip(self.files, other.files, strict=True))
        )


@dataclass(frozen=True, slots=True)
class SanatoriumStatus:
    application_id: str
    registration_number: str
    status: Status
    status_at: datetime
    registered_for: datetime  # seed 004 item 7: the moment the one working day counts from
    due_at: datetime  # registered_for + 1 working day (item 3)
    message: Bilingual


@dataclass(frozen=True, slots=True)
class CardRecipient:
    iin: str
    full_name: str
    birth_date: date
    sex: Bilingual
    address: Bilingual


@dataclass(frozen=True, slots=True)
class Treatment:
    """What the card recommends: the treatment profile, the climate zone, the season (ru/kk)."""

    profile: Bilingual
    climate_zone: Bilingual
    season: Bilingual


@dataclass(frozen=True, slots=True)
class Signatory:
    """A person named on the card: the doctor who issued it, the head of the organisation."""

    full_name: str
    position_ru: str
    position_kk: str


@dataclass(frozen=True, slots=True)
class SanatoriumCard:
    """Санаторно-курортная карта, форма 069/у."""

    card_number: str
    registration_number: str
    application_id: str
    channel: Channel
    issued_at: datetime
    valid_until: date
    organisation: Organisation
    recipient: CardRecipient
    diagnosis_code: str
    diagnosis_text: str
    examined_on: date
    treatment: Treatment
    doctor: Signatory
    head: Signatory
    signed: bool = False
    signer_iin: str | None = None  # provider channel: the employee who signs; absent at the portal


# --- helpers -------------------------------------------------------------------------------------


def ground(code: str) -> Ground:
    """A refusal ground of ``services/h3_sanatorium_card.yaml`` with its wording (ru, kk)."""
    from egov_kit.regulations import load_regulation  # the regulations load YAML: only when asked

    found = load_regulation(SERVICE_ID).refusal_ground(code)
    return Ground(found.code, " ".join(found.ru.split()), " ".join(found.kk.split()))


def card_valid_until(issued: date | datetime, months: int = CARD_VALIDITY_MONTHS) -> date:
    """The last day of the card's validity: the same day ``months`` later (the month's last day when
    that month is shorter), ours — see :data:`CARD_VALIDITY_MONTHS`."""
    day = issued.date() if isinstance(issued, datetime) else issued
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _bilingual(parent: etree._Element, name: str, value: Bilingual) -> None:
    common.write_bilingual(parent, CONTRACT, name, value)


def _read_bilingual(parent: etree._Element, name: str) -> Bilingual:
    return common.read_bilingual(parent, CONTRACT, name)


def _check_limits(files: list[tuple[str, str, bytes]]) -> None:
    """The limits of the form, with the kit's named codes (``ATTACHMENT_TOO_MANY`` …)."""
    check_files(
        files,
        max_bytes=MAX_FILE_BYTES,
        max_files=MAX_FILES,
        max_total_bytes=MAX_TOTAL_BYTES,
        allowed=FILE_MEDIA_TYPES,
    )


def _check_confirmation(confirmation: str, otp: OtpConfirmation | None) -> None:
    if confirmation == "otp" and otp is None:
        raise ConfirmationInvalid(
            "Запрос подтверждён одноразовым паролем, но не содержит сведений о подтверждении / "
            "Сұрау бір реттік парольмен расталған, бірақ растау туралы мәліметтер жоқ"
        )
    if confirmation == "eds" and otp is not None:
        raise ConfirmationInvalid(
            "Запрос подтверждён ЭЦП, но содержит сведения об одноразовом пароле / "
            "Сұрау ЭЦҚ-мен расталған, бірақ бір реттік пароль туралы мәліметтер бар"
        )


# --- application (REQUEST) -----------------------------------------------------------------------


def build_application(
    *,
    recipient: Recipient,
    organisation_code: str,
    diagnosis_code: str,
    diagnosis_text: str,
    examined_on: date,
    files: Iterable[FileLike],
    consent: bool,
    confirmation: Confirmation = "eds",
    otp: OtpConfirmation | None = None,
    channel: Channel = "portal",
    application_id: str | None = None,
    submitted_at: datetime | None = None,
    signer_iin: str | None = None,
) -> etree._Element:
    """The unsigned ``application``; the portal chooses ``application_id`` (a UUID).

    ``files`` are embedded base64 with their name, media type, size and SHA-256; the limits are
    checked here too (``ATTACHMENT_TOO_MANY``, ``ATTACHMENT_TOO_LARGE``, ``ATTACHMENTS_TOO_LARGE``,
    ``ATTACHMENT_TYPE_NOT_ALLOWED``, ``ATTACHMENT_DIGEST_MISMATCH``). ``confirmation="otp"`` needs
    ``otp`` (then sign with the portal's system key), ``"eds"`` must not have it
    (``CONFIRMATION_INVALID``). ``signer_iin``: at the workstation, the employee who signs.
    """
    common.check_iin(recipient.iin, "recipient")
    if signer_iin:
        common.check_iin(signer_iin, "signer")
    _check_confirmation(confirmation, otp)
    given = list(files)
    for item in given:
        verify_digest(item.file_name, item.content, sha256=item.sha256)
    _check_limits([(item.file_name, item.media_type, item.content) for item in given])
    root = common.start_application(
        CONTRACT, SERVICE_ID, application_id, submitted_at, channel, recipient, organisation_code
    )
    x.add(root, CONTRACT, "diagnosisCode", diagnosis_code)
    x.add(root, CONTRACT, "diagnosisText", diagnosis_text)
    x.add(root, CONTRACT, "examinedOn", examined_on.isoformat())
    if given:
        holder = x.node(root, CONTRACT, "clinicalResults")
        for item in given:
            node = x.node(holder, CONTRACT, "file")
            x.add(node, CONTRACT, "fileName", item.file_name)
            x.add(node, CONTRACT, "mediaType", item.media_type)
            x.add(node, CONTRACT, "size", str(len(item.content)))
            x.add(node, CONTRACT, "sha256", item.sha256.lower())
            x.add(node, CONTRACT, "content", base64.b64encode(item.content).decode("ascii"))
    x.add(root, CONTRACT, "consent", "true" if consent else "false")
    x.add(root, CONTRACT, "confirmation", confirmation)
    if otp is not None:
        node = x.node(root, CONTRACT, "otpConfirmation")
        x.add(node, CONTRACT, "phoneMasked", otp.phone_masked)
        x.add(node, CONTRACT, "confirmedAt", x.xs_datetime(otp.confirmed_at))
    x.add(root, CONTRACT, "signerIin", signer_iin or None)
    x.check(root, CONTRACT, "application", "Запрос", "Сұрау")
    return root


def _read_file(node: etree._Element) -> ClinicalFile:
    name = x.required_text(node, CONTRACT, "fileName")
    try:
        content = base64.b64decode("".join(x.required_text(node, CONTRACT, "content").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SchemaViolation(f"{CONTRACT.relative}: <content> of {name!r} is not base64") from exc
    size = int(x.required_text(node, CONTRACT, "size"))
    sha256 = x.required_text(node, CONTRACT, "sha256")
    verify_digest(name, content, sha256=sha256, size=size)
    return ClinicalFile(name, x.required_text(node, CONTRACT, "mediaType"), sha256, size, content)


def parse_application(element: etree._Element) -> SanatoriumApplication:
    """Read an ``application`` (signed or not) after checking a copy against the XSD.

    Every file's content is decoded and re-checked against its size and SHA-256
    (``ATTACHMENT_DIGEST_MISMATCH``), its type against its first bytes, and the limits
    (``ATTACHMENT_TOO_MANY`` …); the confirmation must be consistent (``CONFIRMATION_INVALID``).
    """
    x.check(element, CONTRACT, "application", "Запрос", "Сұрау")
    head = common.read_application_head(element, CONTRACT)
    signer_iin = common.read_signer_iin(element, CONTRACT)
    holder = x.child(element, CONTRACT, "clinicalResults")
    files: tuple[ClinicalFile, ...] = ()
    if holder is not None:
        nodes = list(holder.iterchildren(tag("file")))
        if len(nodes) > MAX_FILES:
            raise AttachmentTooMany(len(nodes), MAX_FILES)
        files = tuple(_read_file(node) for node in nodes)
        _check_limits([(item.file_name, item.media_type, item.content) for item in files])
    otp_node = x.child(element, CONTRACT, "otpConfirmation")
    otp = None
    if otp_node is not None:
        otp = OtpConfirmation(
            phone_masked=x.required_text(otp_node, CONTRACT, "phoneMasked"),
            confirmed_at=x.read_datetime(x.required_text(otp_node, CONTRACT, "confirmedAt")),
        )
    confirmation = cast(Confirmation, x.required_text(element, CONTRACT, "confirmation"))
    _check_confirmation(confirmation, otp)
    return SanatoriumApplication(
        **head,
        diagnosis_code=x.required_text(element, CONTRACT, "diagnosisCode"),
        diagnosis_text=x.required_text(element, CONTRACT, "diagnosisText"),
        examined_on=x.read_date(x.required_text(element, CONTRACT, "examinedOn")),
        files=files,
        consent=x.required_text(element, CONTRACT, "consent").strip() in ("true", "1"),
        confirmation=confirmation,
        otp=otp,
        signed=x.is_signed(element),
        signer_iin=signer_iin,
    )


# --- signatures ----------------------------------------------------------------------------------


async def verify_signed(
    element: etree._Element, validator: CertificateValidator, *, expected_iin: str
) -> CertificateIdentity:
    """The application's signature, the certificate, and the signer's ИИН (the EDS branch, as H1):
    the recipient's at the portal (condition 2), the employee's at the workstation."""
    return await common.verify_signed(element, validator, expected_iin=expected_iin)


async def verify_confirmation(
    element: etree._Element, validator: CertificateValidator, *, portal_bin: str = PORTAL_BIN
) -> CertificateIdentity:
    """Provider side: believe a portal application only as it was confirmed (seed 004 item 10).

    The application is read (XSD, files, ``CONFIRMATION_INVALID``), its signature and the signer's
    certificate checked (``SIGNATURE_MISSING``, ``SIGNATURE_INVALID``, ``CERT_REVOKED`` …), then:

    * ``eds`` — the certificate's ИИН must be the recipient's (``IIN_MISMATCH``);
    * ``otp`` — the signer must be a system certificate whose БИН (``OU=BIN…``) is the portal's
      (``SIGNER_NOT_AUTHORISED``): the portal attests the one-time password.

    Returns the signer's identity.
    """
    application = parse_application(element)
    if application.confirmation == "eds":
        return await common.verify_signed(element, validator, expected_iin=application.recipient.iin)
    identity = await common.signer_identity(element, validator)
    if identity.kind != "system" or identity.bin != portal_bin:
        raise SignerNotAuthorised(
            f"Запрос, подтверждённый одноразовым паролем, подписан {identity.common_name} "
            f"(БИН {identity.bin or '—'}), а не порталом (БИН {portal_bin}) / Бір реттік парольмен "
            f"расталған сұрауға портал (БСН {portal_bin}) емес, {identity.common_name} "
            f"(БСН {identity.bin or '—'}) қол қойған",
            data=identity.common_name,
        )
    return identity


async def verify_issued(element: etree._Element, validator: CertificateValidator) -> CertificateIdentity:
    """Check a card or a refusal: signature, certificate, and a signer entitled to sign for the
    organisation the document names (its БИН, right of signature or first head; or that
    organisation's own information system) — else ``SIGNER_NOT_AUTHORISED``."""
    return await common.verify_issued(element, validator, CONTRACT)


# --- status (UPDATE) -----------------------------------------------------------------------------


def build_status(status: SanatoriumStatus) -> etree._Element:
    extra = {
        "registeredFor": x.xs_datetime(status.registered_for),
        "dueAt": x.xs_datetime(status.due_at),
    }
    return common.build_status(status, CONTRACT, extra)


def parse_status(element: etree._Element) -> SanatoriumStatus:
    return SanatoriumStatus(
        **common.parse_status(element, CONTRACT),
        registered_for=x.read_datetime(x.required_text(element, CONTRACT, "registeredFor")),
        due_at=x.read_datetime(x.required_text(element, CONTRACT, "dueAt")),
    )


# --- card 069/у (RESPONSE, process 8) ------------------------------------------------------------


def build_card(card: SanatoriumCard) -> etree._Element:
    """The unsigned ``card``; :func:`sign_with` the organisation's authorised person's key."""
    root = x.root(CONTRACT, "card")
    x.add(root, CONTRACT, "cardNumber", card.card_number)
    x.add(root, CONTRACT, "registrationNumber", card.registration_number)
    x.add(root, CONTRACT, "applicationId", card.application_id)
    x.add(root, CONTRACT, "channel", card.channel)
    x.add(root, CONTRACT, "issuedAt", x.xs_datetime(card.issued_at))
    x.add(root, CONTRACT, "validUntil", card.valid_until.isoformat())
    common.write_organisation(root, card.organisation, CONTRACT)
    person = x.node(root, CONTRACT, "recipient")
    x.add(person, CONTRACT, "iin", card.recipient.iin)
    x.add(person, CONTRACT, "fullName", card.recipient.full_name)
    x.add(person, CONTRACT, "birthDate", card.recipient.birth_date.isoformat())
    _bilingual(person, "sex", card.recipient.sex)
    _bilingual(person, "address", card.recipient.address)
    x.add(root, CONTRACT, "diagnosisCode", card.diagnosis_code)
    x.add(root, CONTRACT, "diagnosisText", card.diagnosis_text)
    x.add(root, CONTRACT, "examinedOn", card.examined_on.isoformat())
    _bilingual(root, "treatmentProfile", card.treatment.profile)
    _bilingual(root, "climateZone", card.treatment.climate_zone)
    _bilingual(root, "season", card.treatment.season)
    common.write_signatory(root, CONTRACT, "doctor", card.doctor)
    common.write_signatory(root, CONTRACT, "head", card.head)
    x.add(root, CONTRACT, "signerIin", card.signer_iin)
    x.check(root, CONTRACT, "card", "Санаторно-курортная карта", "Санаторийлік-курорттық карта")
    return root


def parse_card(element: etree._Element) -> SanatoriumCard:
    x.check(element, CONTRACT, "card", "Санаторно-курортная карта", "Санаторийлік-курорттық карта")
    person = x.required_child(element, CONTRACT, "recipient")
    return SanatoriumCard(
        card_number=x.required_text(element, CONTRACT, "cardNumber"),
        registration_number=x.required_text(element, CONTRACT, "registrationNumber"),
        application_id=x.required_text(element, CONTRACT, "applicationId"),
        channel=cast(Channel, x.required_text(element, CONTRACT, "channel")),
        issued_at=x.read_datetime(x.required_text(element, CONTRACT, "issuedAt")),
        valid_until=x.read_date(x.required_text(element, CONTRACT, "validUntil")),
        organisation=common.read_organisation(element, CONTRACT),
        recipient=CardRecipient(
            iin=x.required_text(person, CONTRACT, "iin"),
            full_name=x.required_text(person, CONTRACT, "fullName"),
            birth_date=x.read_date(x.required_text(person, CONTRACT, "birthDate")),
            sex=_read_bilingual(person, "sex"),
            address=_read_bilingual(person, "address"),
        ),
        diagnosis_code=x.required_text(element, CONTRACT, "diagnosisCode"),
        diagnosis_text=x.required_text(element, CONTRACT, "diagnosisText"),
        examined_on=x.read_date(x.required_text(element, CONTRACT, "examinedOn")),
        treatment=Treatment(
            profile=_read_bilingual(element, "treatmentProfile"),
            climate_zone=_read_bilingual(element, "climateZone"),
            season=_read_bilingual(element, "season"),
        ),
        doctor=common.read_signatory(element, CONTRACT, "doctor", Signatory),
        head=common.read_signatory(element, CONTRACT, "head", Signatory),
        signed=x.is_signed(element),
        signer_iin=x.text(element, CONTRACT, "signerIin"),
    )


# --- refusal (RESPONSE, process 7) ---------------------------------------------------------------


def build_refusal(refusal: Refusal, *, signer_iin: str | None = None) -> etree._Element:
    """The unsigned ``refusal`` (H1's shape, H3's namespace and grounds); :func:`sign_with` it.

    ``signer_iin``: at the workstation (step 7), the employee who signs it (the local signer picks
    that employee's key); absent when the organisation's authorised person signs.
    """
    return common.build_refusal(refusal, CONTRACT, signer_iin=signer_iin)


def parse_refusal(element: etree._Element) -> Refusal:
    return common.parse_refusal(element, CONTRACT)


# --- views ---------------------------------------------------------------------------------------


def card_fields(element: etree._Element) -> dict[str, Any]:
    """A card as a flat dict for print views and the cabinet (dates ISO, plus the signature's facts:
    ``signed``, ``signature_valid``, ``signer`` — as :func:`egov_kit.documents.h1.talon_fields`)."""
    card = parse_card(element)
    fields: dict[str, Any] = {
        "document": "card",
        "form": "069/у",
        "card_number": card.card_number,
        "registration_number": card.registration_number,
        "application_id": card.application_id,
        "channel": card.channel,
        "issued_at": card.issued_at.isoformat(timespec="seconds"),
        "valid_until": card.valid_until.isoformat(),
        **common.organisation_fields(card.organisation),
        "recipient_iin": card.recipient.iin,
        "recipient_full_name": card.recipient.full_name,
        "recipient_birth_date": card.recipient.birth_date.isoformat(),
        "recipient_sex_ru": card.recipient.sex.ru,
        "recipient_sex_kk": card.recipient.sex.kk,
        "recipient_address_ru": card.recipient.address.ru,
        "recipient_address_kk": card.recipient.address.kk,
        "diagnosis_code": card.diagnosis_code,
        "diagnosis_text": card.diagnosis_text,
        "examined_on": card.examined_on.isoformat(),
        "treatment_profile_ru": card.treatment.profile.ru,
        "treatment_profile_kk": card.treatment.profile.kk,
        "climate_zone_ru": card.treatment.climate_zone.ru,
        "climate_zone_kk": card.treatment.climate_zone.kk,
        "season_ru": card.treatment.season.ru,
        "season_kk": card.treatment.season.kk,
        "doctor_full_name": card.doctor.full_name,
        "doctor_position_ru": card.doctor.position_ru,
        "doctor_position_kk": card.doctor.position_kk,
        "head_full_name": card.head.full_name,
        "head_position_ru": card.head.position_ru,
        "head_position_kk": card.head.position_kk,
        "signer_iin": card.signer_iin,
    }
    return common.with_signature(element, fields)


def refusal_fields(element: etree._Element) -> dict[str, Any]:
    """A refusal as a flat dict for print views and the cabinet (the keys of
    :func:`egov_kit.documents.h1.refusal_fields`)."""
    return common.refusal_fields(element, CONTRACT, signer_iin=x.text(element, CONTRACT, "signerIin"))
