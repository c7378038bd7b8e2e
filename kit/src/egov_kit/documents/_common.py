"""What the РПН documents (H1, H2, H3) share: one implementation, parameterised by the ``Contract``.

The three schemas (``attachment.xsd``, ``appointment.xsd``, ``sanatorium.xsd``) repeat the same blocks
in their own namespaces: the recipient, the organisation, ru/kk texts, a signatory, the head of an
application, the head of a status, and the motivated refusal (H1's shape). The public modules
:mod:`egov_kit.documents.h1`, :mod:`~egov_kit.documents.h2` and :mod:`~egov_kit.documents.h3`
re-export the dataclasses and wrap these functions with their own contract.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

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

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SIGNING_ROLES = frozenset({ROLE_RIGHT_OF_SIGNATURE, ROLE_FIRST_HEAD})
REFUSAL_RU, REFUSAL_KK = "Мотивированный отказ", "Дәлелді бас тарту"
STATUS_RU, STATUS_KK = "Статус", "Мәртебе"

T = TypeVar("T")
Channel = Literal["portal", "provider"]


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
class Bilingual:
    ru: str
    kk: str


@dataclass(frozen=True, slots=True)
class Organisation:
    code: str
    bin: str
    name_ru: str
    name_kk: str
    address_ru: str
    address_kk: str


@dataclass(frozen=True, slots=True)
class Ground:
    """A refusal ground of a regulation (``services/*.yaml`` ``refusal_grounds``) with its wording."""

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


class OrganisationLike(Protocol):
    """An organisation as the documents name it (:class:`Organisation`, РПН's directory entries)."""

    @property
    def code(self) -> str: ...
    @property
    def bin(self) -> str: ...
    @property
    def name_ru(self) -> str: ...
    @property
    def name_kk(self) -> str: ...
    @property
    def address_ru(self) -> str: ...
    @property
    def address_kk(self) -> str: ...


class Positioned(Protocol):
    """A person named on a result document with a position (H1's doctor, H3's doctor and head)."""

    @property
    def full_name(self) -> str: ...
    @property
    def position_ru(self) -> str: ...
    @property
    def position_kk(self) -> str: ...


class StatusLike(Protocol):
    """What every status (UPDATE) carries before its service's own elements."""

    @property
    def application_id(self) -> str: ...
    @property
    def registration_number(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def status_at(self) -> datetime: ...
    @property
    def message(self) -> Bilingual: ...


# --- names, equality -----------------------------------------------------------------------------


def root_name(element: etree._Element, contract: Contract) -> str | None:
    """The local name of a document of ``contract``'s namespace, else None."""
    qname = etree.QName(element)
    return qname.localname if qname.namespace == contract.namespace else None


def same_fields(
    one: DataclassInstance, other: DataclassInstance, *, ignore: frozenset[str] = frozenset({"signed"})
) -> bool:
    """Two dataclasses equal in every field but ``ignore`` (by default the ``signed`` flag): what a
    signer vouches for, the signature itself aside."""
    return all(
        getattr(one, field.name) == getattr(other, field.name)
        for field in dataclasses.fields(one)
        if field.name not in ignore
    )


# --- blocks --------------------------------------------------------------------------------------


def check_iin(iin: str, what: str) -> None:
    """Refuse an ИИН whose check digit is wrong (named error, message in ru and kk)."""
    if not is_valid(iin):
        raise InvalidIdentifier(
            f"{what}: ИИН {iin} некорректен (контрольный разряд) / "
            f"{what}: ЖСН {iin} дұрыс емес (бақылау разряды)"
        )


def write_recipient(parent: etree._Element, recipient: Recipient, contract: Contract) -> None:
    """The ``recipient`` block of an application (in ``contract``'s namespace)."""
    person = x.node(parent, contract, "recipient")
    x.add(person, contract, "iin", recipient.iin)
    x.add(person, contract, "surname", recipient.surname)
    x.add(person, contract, "name", recipient.name)
    x.add(person, contract, "patronymic", recipient.patronymic or None)
    x.add(person, contract, "phone", recipient.phone or None)


def read_recipient(parent: etree._Element, contract: Contract) -> Recipient:
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


def write_organisation_body(node: etree._Element, contract: Contract, organisation: OrganisationLike) -> None:
    """Into ``node``: the organisation's ``code``, ``bin``, ``nameRu``, ``nameKk``, ``addressRu``,
    ``addressKk``."""
    x.add(node, contract, "code", organisation.code)
    x.add(node, contract, "bin", organisation.bin)
    x.add(node, contract, "nameRu", organisation.name_ru)
    x.add(node, contract, "nameKk", organisation.name_kk)
    x.add(node, contract, "addressRu", organisation.address_ru)
    x.add(node, contract, "addressKk", organisation.address_kk)


def read_organisation_body(node: etree._Element, contract: Contract) -> dict[str, str]:
    """What :func:`write_organisation_body` wrote, as keyword arguments of :class:`Organisation`."""
    return {
        "code": x.required_text(node, contract, "code"),
        "bin": x.required_text(node, contract, "bin"),
        "name_ru": x.required_text(node, contract, "nameRu"),
        "name_kk": x.required_text(node, contract, "nameKk"),
        "address_ru": x.required_text(node, contract, "addressRu"),
        "address_kk": x.required_text(node, contract, "addressKk"),
    }


def write_organisation(parent: etree._Element, organisation: Organisation, contract: Contract) -> None:
    """The ``organisation`` block every РПН result document carries (in ``contract``'s namespace)."""
    write_organisation_body(x.node(parent, contract, "organisation"), contract, organisation)


def read_organisation(parent: etree._Element, contract: Contract) -> Organisation:
    node = x.required_child(parent, contract, "organisation")
    return Organisation(**read_organisation_body(node, contract))


def write_bilingual(parent: etree._Element, contract: Contract, name: str, value: Bilingual) -> None:
    """``<name><ru>…</ru><kk>…</kk></name>``."""
    node = x.node(parent, contract, name)
    x.add(node, contract, "ru", value.ru)
    x.add(node, contract, "kk", value.kk)


def read_bilingual(parent: etree._Element, contract: Contract, name: str) -> Bilingual:
    node = x.required_child(parent, contract, name)
    return Bilingual(x.required_text(node, contract, "ru"), x.required_text(node, contract, "kk"))


def write_signatory(parent: etree._Element, contract: Contract, name: str, person: Positioned) -> None:
    """``<name><fullName/><positionRu/><positionKk/></name>``."""
    node = x.node(parent, contract, name)
    x.add(node, contract, "fullName", person.full_name)
    x.add(node, contract, "positionRu", person.position_ru)
    x.add(node, contract, "positionKk", person.position_kk)


def read_signatory(
    parent: etree._Element, contract: Contract, name: str, factory: Callable[[str, str, str], T]
) -> T:
    """The block :func:`write_signatory` writes, as ``factory(full_name, position_ru, position_kk)``."""
    node = x.required_child(parent, contract, name)
    return factory(
        x.required_text(node, contract, "fullName"),
        x.required_text(node, contract, "positionRu"),
        x.required_text(node, contract, "positionKk"),
    )


# --- applications --------------------------------------------------------------------------------


def start_application(
    contract: Contract,
    service_id: str,
    application_id: str | None,
    submitted_at: datetime | None,
    channel: Channel,
    recipient: Recipient,
    organisation_code: str,
) -> etree._Element:
    """A new ``application`` root with how every РПН application begins, in this order:
    ``applicationId`` (a new UUID when None), ``serviceId``, ``submittedAt`` (now when None),
    ``channel``, the ``recipient`` block and ``organisationCode``."""
    root = x.root(contract, "application")
    x.add(root, contract, "applicationId", application_id or str(uuid.uuid4()))
    x.add(root, contract, "serviceId", service_id)
    x.add(root, contract, "submittedAt", x.xs_datetime(submitted_at or now()))
    x.add(root, contract, "channel", channel)
    write_recipient(root, recipient, contract)
    x.add(root, contract, "organisationCode", organisation_code)
    return root


def read_application_head(element: etree._Element, contract: Contract) -> dict[str, Any]:
    """What :func:`start_application` wrote (``serviceId`` aside), as keyword arguments of the
    application's dataclass; the recipient's ИИН checked."""
    recipient = read_recipient(element, contract)
    return {
        "application_id": x.required_text(element, contract, "applicationId"),
        "submitted_at": x.read_datetime(x.required_text(element, contract, "submittedAt")),
        "channel": x.required_text(element, contract, "channel"),
        "recipient": recipient,
        "organisation_code": x.required_text(element, contract, "organisationCode"),
    }


def read_signer_iin(element: etree._Element, contract: Contract) -> str | None:
    """The optional ``signerIin`` (the employee who signs at the workstation), its check digit checked."""
    signer_iin = x.text(element, contract, "signerIin")
    if signer_iin is not None:
        check_iin(signer_iin, "signer")
    return signer_iin


# --- signatures ----------------------------------------------------------------------------------


def sign_with(element: etree._Element, keypair: KeyPair) -> etree._Element:
    """Append the enveloped ds:Signature of ``keypair`` (its certificate and chain in KeyInfo)."""
    return sign_document(element, keypair.private_key, keypair.certificate, chain=keypair.chain)


def to_bytes(element: etree._Element) -> bytes:
    """The document as UTF-8 with an XML declaration (no pretty printing: it may be signed)."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def to_text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


async def signer_identity(element: etree._Element, validator: CertificateValidator) -> CertificateIdentity:
    """The enveloped signature (``SIGNATURE_MISSING``, ``SIGNATURE_INVALID`` …), then the signer's
    certificate: chain, dates, revocation (``CERT_EXPIRED``, ``CERT_REVOKED`` …)."""
    verified = verify_document(element)
    return await validator.validate(verified.certificate, extra_chain=verified.chain)


async def verify_signed(
    element: etree._Element, validator: CertificateValidator, *, expected_iin: str
) -> CertificateIdentity:
    """:func:`signer_identity`, then the certificate's ИИН must be ``expected_iin`` (``IIN_MISMATCH``)."""
    identity = await signer_identity(element, validator)
    if identity.iin != expected_iin:
        raise IinMismatch(
            f"ИИН в регистрационном свидетельстве ЭЦП ({identity.iin or '—'}) не совпадает с ИИН "
            f"в запросе ({expected_iin}) / ЭЦҚ тіркеу куәлігіндегі ЖСН ({identity.iin or '—'}) "
            f"сұраудағы ЖСН-ге ({expected_iin}) сәйкес келмейді",
            data=identity.iin,
        )
    return identity


async def verify_issued(
    element: etree._Element, validator: CertificateValidator, contract: Contract
) -> CertificateIdentity:
    """:func:`signer_identity`, then a signer entitled to sign for the organisation the document (of
    ``contract``) names: its БИН with the right of signature or as first head, or that organisation's
    own information system; ``SIGNER_NOT_AUTHORISED`` otherwise."""
    identity = await signer_identity(element, validator)
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


def build_status(
    status: StatusLike, contract: Contract, extra: Mapping[str, str | None] | None = None
) -> etree._Element:
    """``applicationId``, ``registrationNumber``, ``status``, ``statusAt``, then the service's own
    ``extra`` elements (in order; None leaves one out), then the ru/kk ``message``."""
    root = x.root(contract, "status")
    x.add(root, contract, "applicationId", status.application_id)
    x.add(root, contract, "registrationNumber", status.registration_number)
    x.add(root, contract, "status", status.status)
    x.add(root, contract, "statusAt", x.xs_datetime(status.status_at))
    for name, value in (extra or {}).items():
        x.add(root, contract, name, value)
    write_bilingual(root, contract, "message", status.message)
    x.check(root, contract, "status", STATUS_RU, STATUS_KK)
    return root


def parse_status(element: etree._Element, contract: Contract) -> dict[str, Any]:
    """A status checked against the XSD; what every status carries, as keyword arguments of the
    service's status dataclass (the service reads its own elements)."""
    x.check(element, contract, "status", STATUS_RU, STATUS_KK)
    return {
        "application_id": x.required_text(element, contract, "applicationId"),
        "registration_number": x.required_text(element, contract, "registrationNumber"),
        "status": x.required_text(element, contract, "status"),
        "status_at": x.read_datetime(x.required_text(element, contract, "statusAt")),
        "message": read_bilingual(element, contract, "message"),
    }


# --- refusal (RESPONSE, process 7) ---------------------------------------------------------------


def build_refusal(refusal: Refusal, contract: Contract, *, signer_iin: str | None = None) -> etree._Element:
    """The unsigned ``refusal`` (H1's shape) in ``contract``'s namespace; ``signerIin`` where given."""
    root = x.root(contract, "refusal")
    x.add(root, contract, "registrationNumber", refusal.registration_number)
    x.add(root, contract, "applicationId", refusal.application_id)
    x.add(root, contract, "recipientIin", refusal.recipient_iin)
    write_organisation(root, refusal.organisation, contract)
    node = x.node(root, contract, "ground")
    x.add(node, contract, "code", refusal.ground.code)
    x.add(node, contract, "ru", refusal.ground.ru)
    x.add(node, contract, "kk", refusal.ground.kk)
    write_bilingual(root, contract, "details", refusal.details)
    x.add(root, contract, "issuedAt", x.xs_datetime(refusal.issued_at))
    x.add(root, contract, "signerIin", signer_iin)
    x.check(root, contract, "refusal", REFUSAL_RU, REFUSAL_KK)
    return root


def parse_refusal(element: etree._Element, contract: Contract) -> Refusal:
    x.check(element, contract, "refusal", REFUSAL_RU, REFUSAL_KK)
    node = x.required_child(element, contract, "ground")
    return Refusal(
        recipient_iin=x.text(element, contract, "recipientIin"),
        organisation=read_organisation(element, contract),
        ground=Ground(
            code=x.required_text(node, contract, "code"),
            ru=x.required_text(node, contract, "ru"),
            kk=x.required_text(node, contract, "kk"),
        ),
        details=read_bilingual(element, contract, "details"),
        issued_at=x.read_datetime(x.required_text(element, contract, "issuedAt")),
        registration_number=x.text(element, contract, "registrationNumber"),
        application_id=x.text(element, contract, "applicationId"),
        signed=x.is_signed(element),
    )


# --- views ---------------------------------------------------------------------------------------


def signature_facts(element: etree._Element) -> dict[str, Any]:
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


def organisation_fields(organisation: Organisation) -> dict[str, str]:
    return {
        "organisation_code": organisation.code,
        "organisation_bin": organisation.bin,
        "organisation_name_ru": organisation.name_ru,
        "organisation_name_kk": organisation.name_kk,
        "organisation_address_ru": organisation.address_ru,
        "organisation_address_kk": organisation.address_kk,
    }


def with_signature(element: etree._Element, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` of a view plus the facts of the document's signature (:func:`signature_facts`)."""
    fields.update(signature_facts(element))
    return fields


def refusal_fields(element: etree._Element, contract: Contract, **extra: Any) -> dict[str, Any]:
    """A refusal of ``contract`` as a flat dict for print views and the cabinet (``extra`` keys last,
    before the signature's facts)."""
    refusal = parse_refusal(element, contract)
    fields: dict[str, Any] = {
        "document": "refusal",
        "registration_number": refusal.registration_number,
        "application_id": refusal.application_id,
        "recipient_iin": refusal.recipient_iin,
        **organisation_fields(refusal.organisation),
        "ground_code": refusal.ground.code,
        "ground_ru": refusal.ground.ru,
        "ground_kk": refusal.ground.kk,
        "details_ru": refusal.details.ru,
        "details_kk": refusal.details.kk,
        "issued_at": refusal.issued_at.isoformat(timespec="seconds"),
        **extra,
    }
    return with_signature(element, fields)
