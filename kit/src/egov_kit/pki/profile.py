"""The certificate profile of НУЦ РК (the national certification authority of Kazakhstan).

Subjects:

* individual: ``CN=<SURNAME NAME>, SN=<surname>, GN=<given name>, SERIALNUMBER=IIN<12 digits>, C=KZ``
* organisation employee: the same plus ``O=<organisation>, OU=BIN<12 digits>``
* information system: ``CN=<systemId>, O=<organisation>, OU=BIN<12 digits>, C=KZ``

Roles are key-purpose OIDs in extendedKeyUsage under ``1.2.398.3.3.4.1``: ``.1`` individual, ``.2``
legal entity, and the employee sub-roles ``.2.1`` first head, ``.2.2`` right of signature, ``.2.3``
financial signature, ``.2.4`` HR, ``.2.5`` employee. Information systems also carry TLS clientAuth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from egov_kit.pki.errors import CertificateProfileError

CertificateKind = Literal["individual", "employee", "system"]
KINDS: tuple[CertificateKind, ...] = ("individual", "employee", "system")

IIN_PREFIX = "IIN"
BIN_PREFIX = "BIN"
COUNTRY = "KZ"

# Role key-purpose OIDs (extendedKeyUsage).
OID_ROLE_INDIVIDUAL = x509.ObjectIdentifier("1.2.398.3.3.4.1.1")
OID_ROLE_LEGAL_ENTITY = x509.ObjectIdentifier("1.2.398.3.3.4.1.2")
OID_ROLE_FIRST_HEAD = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.1")
OID_ROLE_RIGHT_OF_SIGNATURE = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.2")
OID_ROLE_FINANCIAL_SIGNATURE = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.3")
OID_ROLE_HR = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.4")
OID_ROLE_EMPLOYEE = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.5")
OID_CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH

# Role names as they appear in ``CertificateIdentity.roles`` and in nuc-mock's API.
ROLE_INDIVIDUAL = "individual"
ROLE_LEGAL_ENTITY = "legal_entity"
ROLE_FIRST_HEAD = "first_head"
ROLE_RIGHT_OF_SIGNATURE = "right_of_signature"
ROLE_FINANCIAL_SIGNATURE = "financial_signature"
ROLE_HR = "hr"
ROLE_EMPLOYEE = "employee"

ROLE_OIDS: dict[str, x509.ObjectIdentifier] = {
    ROLE_INDIVIDUAL: OID_ROLE_INDIVIDUAL,
    ROLE_LEGAL_ENTITY: OID_ROLE_LEGAL_ENTITY,
    ROLE_FIRST_HEAD: OID_ROLE_FIRST_HEAD,
    ROLE_RIGHT_OF_SIGNATURE: OID_ROLE_RIGHT_OF_SIGNATURE,
    ROLE_FINANCIAL_SIGNATURE: OID_ROLE_FINANCIAL_SIGNATURE,
    ROLE_HR: OID_ROLE_HR,
    ROLE_EMPLOYEE: OID_ROLE_EMPLOYEE,
}
OID_ROLES: dict[x509.ObjectIdentifier, str] = {oid: name for name, oid in ROLE_OIDS.items()}

# The employee sub-roles (under the legal-entity OID); an employee certificate carries at least one.
EMPLOYEE_ROLES: frozenset[str] = frozenset(
    {ROLE_FIRST_HEAD, ROLE_RIGHT_OF_SIGNATURE, ROLE_FINANCIAL_SIGNATURE, ROLE_HR, ROLE_EMPLOYEE}
)


@dataclass(frozen=True)
class CertificateIdentity:
    """Who a certificate names, read from its subject and extendedKeyUsage."""

    kind: CertificateKind
    iin: str | None
    bin: str | None
    common_name: str
    surname: str | None
    given_name: str | None
    organisation: str | None
    roles: frozenset[str]
    serial_number: int
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str

    @property
    def system_id(self) -> str | None:
        """The information system's id (its CN) for system certificates, else None."""
        return self.common_name if self.kind == "system" else None

    @property
    def serial_hex(self) -> str:
        return format(self.serial_number, "x")

    def has_role(self, role: str) -> bool:
        return role in self.roles


# Short names used when a subject is shown (OpenSSL style, in certificate order).
NAME_LABELS: dict[x509.ObjectIdentifier, str] = {
    NameOID.COMMON_NAME: "CN",
    NameOID.SURNAME: "SN",
    NameOID.GIVEN_NAME: "GN",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.COUNTRY_NAME: "C",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.EMAIL_ADDRESS: "E",
}


def format_name(name: x509.Name) -> str:
    """``CN=…, SN=…, SERIALNUMBER=IIN…, C=KZ, …`` in certificate order with RFC 4514 escaping."""
    return ", ".join(rdn.rfc4514_string(NAME_LABELS) for rdn in name.rdns)


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value.decode() if isinstance(value, bytes) else value


def _prefixed_number(value: str | None, prefix: str) -> str | None:
    if value is None:
        return None
    if not value.startswith(prefix):
        return None
    number = value[len(prefix) :]
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise CertificateProfileError(f"subject value {value!r} is not {prefix} followed by 12 digits")
    return number


def certificate_roles(cert: x509.Certificate) -> frozenset[str]:
    """Names of the НУЦ РК role OIDs found in the certificate's extendedKeyUsage."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return frozenset()
    return frozenset(OID_ROLES[oid] for oid in eku if oid in OID_ROLES)


def fingerprint_sha256(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def identity_from_certificate(cert: x509.Certificate) -> CertificateIdentity:
    """Parse ``SERIALNUMBER=IIN…`` and ``OU=BIN…`` (and names, roles) from a certificate.

    Raises :class:`CertificateProfileError` when the subject names neither an ИИН nor a БИН.
    """
    subject = cert.subject
    iin = _prefixed_number(_attribute(subject, NameOID.SERIAL_NUMBER), IIN_PREFIX)
    bin_ = None
    for attribute in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        value = attribute.value.decode() if isinstance(attribute.value, bytes) else attribute.value
        bin_ = _prefixed_number(value, BIN_PREFIX)
        if bin_ is not None:
            break
    common_name = _attribute(subject, NameOID.COMMON_NAME)
    if common_name is None:
        raise CertificateProfileError("certificate subject has no CN")
    kind: CertificateKind
    if iin is not None:
        kind = "employee" if bin_ is not None else "individual"
    elif bin_ is not None:
        kind = "system"
    else:
        raise CertificateProfileError(
            f"certificate subject {format_name(subject)!r} names neither SERIALNUMBER=IIN… nor OU=BIN…"
        )
    return CertificateIdentity(
        kind=kind,
        iin=iin,
        bin=bin_,
        common_name=common_name,
        surname=_attribute(subject, NameOID.SURNAME),
        given_name=_attribute(subject, NameOID.GIVEN_NAME),
        organisation=_attribute(subject, NameOID.ORGANIZATION_NAME),
        roles=certificate_roles(cert),
        serial_number=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        fingerprint_sha256=fingerprint_sha256(cert),
    )
