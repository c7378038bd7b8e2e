"""Certificate builders: the CA hierarchy and end-entity certificates of the НУЦ РК profile.

Used by nuc-mock to run the test CA and by test fixtures that need certificates without a server
(an unknown CA, a broken chain). End-entity certificates carry keyUsage digitalSignature +
nonRepudiation, the role OIDs in extendedKeyUsage (plus clientAuth for information systems), a CRL
distribution point and an AIA with the OCSP responder and the issuing CA certificate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from egov_kit.clock import now
from egov_kit.identifiers import validate_bin, validate_iin
from egov_kit.pki.errors import InvalidSubject
from egov_kit.pki.keys import KeyPair, PrivateKey, PublicKey, as_public_key
from egov_kit.pki.profile import (
    BIN_PREFIX,
    COUNTRY,
    EMPLOYEE_ROLES,
    IIN_PREFIX,
    KINDS,
    OID_CLIENT_AUTH,
    ROLE_EMPLOYEE,
    ROLE_INDIVIDUAL,
    ROLE_LEGAL_ENTITY,
    ROLE_OIDS,
    CertificateKind,
)

KeyKind = Literal["rsa", "ec"]

ROOT_CA_NAME = "НУЦ РК TEST ROOT"
ISSUING_CA_NAME = "НУЦ РК TEST ISSUING CA"
OCSP_RESPONDER_NAME = "НУЦ РК TEST OCSP RESPONDER"
CA_ORGANISATION = "НУЦ РК (TEST)"

# CA certificates start a year in the past so that fixtures and shifted scenario clocks stay inside
# the CA's validity; end-entity certificates start a minute in the past to absorb clock skew.
CA_BACKDATE = timedelta(days=365)
ROOT_CA_LIFETIME = timedelta(days=365 * 25)
ISSUING_CA_LIFETIME = timedelta(days=365 * 12)
OCSP_RESPONDER_LIFETIME = timedelta(days=90)
DEFAULT_LIFETIME = timedelta(days=365)
SKEW = timedelta(minutes=1)


def new_private_key(kind: KeyKind = "rsa") -> PrivateKey:
    """A fresh key: RSA 2048 (default) or EC P-256."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key kind {kind!r} (rsa or ec)")


@dataclass(frozen=True)
class SubjectSpec:
    """Whom to issue a certificate to, in the НУЦ РК profile's terms.

    ``roles`` are employee sub-roles (``first_head``, ``right_of_signature``, ``financial_signature``,
    ``hr``, ``employee``); the individual / legal-entity role follows from ``kind``.
    """

    kind: CertificateKind
    iin: str | None = None
    bin: str | None = None
    surname: str | None = None
    given_name: str | None = None
    organisation: str | None = None
    system_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def validate(self, *, check_digits: bool = True) -> SubjectSpec:
        """Raise :class:`InvalidSubject` (or ``INVALID_IIN_BIN`` with ``check_digits``) when incomplete."""
        if self.kind not in KINDS:
            raise InvalidSubject(f"unknown certificate kind {self.kind!r} (individual, employee or system)")
        unknown = set(self.roles) - set(ROLE_OIDS)
        if unknown:
            raise InvalidSubject(f"unknown roles {sorted(unknown)} (known: {sorted(ROLE_OIDS)})")
        required: dict[str, str | None]
        if self.kind == "individual":
            required = {"iin": self.iin, "surname": self.surname, "given_name": self.given_name}
            extra = set(self.roles) - {ROLE_INDIVIDUAL}
            if extra:
                raise InvalidSubject(
                    f"an individual's certificate carries no employee roles: {sorted(extra)}"
                )
        elif self.kind == "employee":
            required = {
                "iin": self.iin,
                "bin": self.bin,
                "surname": self.surname,
                "given_name": self.given_name,
                "organisation": self.organisation,
            }
            extra = set(self.roles) - EMPLOYEE_ROLES - {ROLE_LEGAL_ENTITY}
            if extra:
                raise InvalidSubject(f"roles {sorted(extra)} are not employee roles")
        else:
            required = {"system_id": self.system_id, "bin": self.bin, "organisation": self.organisation}
            extra = set(self.roles) - {ROLE_LEGAL_ENTITY}
            if extra:
                raise InvalidSubject(f"an information system's certificate carries no roles {sorted(extra)}")
        missing = [name for name, value in required.items() if not value or not value.strip()]
        if missing:
            raise InvalidSubject(f"a {self.kind} certificate needs {', '.join(missing)}")
        for label, number in (("iin", self.iin), ("bin", self.bin)):
            if number is not None and (len(number) != 12 or not number.isascii() or not number.isdigit()):
                raise InvalidSubject(f"{label} {number!r} must be 12 digits")
        if check_digits:
            if self.iin is not None:
                validate_iin(self.iin)
            if self.bin is not None:
                validate_bin(self.bin)
        return self

    def effective_roles(self) -> frozenset[str]:
        """Role names the certificate will carry as extendedKeyUsage OIDs."""
        if self.kind == "individual":
            return frozenset({ROLE_INDIVIDUAL})
        if self.kind == "employee":
            sub_roles = (set(self.roles) & EMPLOYEE_ROLES) or {ROLE_EMPLOYEE}
            return frozenset({ROLE_LEGAL_ENTITY, *sub_roles})
        return frozenset({ROLE_LEGAL_ENTITY})

    def common_name(self) -> str:
        if self.kind == "system":
            return str(self.system_id)
        return f"{self.surname} {self.given_name}".upper()

    def subject_name(self) -> x509.Name:
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, self.common_name())]
        if self.kind != "system":
            attributes += [
                x509.NameAttribute(NameOID.SURNAME, str(self.surname)),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, f"{IIN_PREFIX}{self.iin}"),
            ]
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY))
        if self.kind != "individual":
            attributes += [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(self.organisation)),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{BIN_PREFIX}{self.bin}"),
            ]
        if self.kind != "system":
            attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, str(self.given_name)))
        return x509.Name(attributes)


def _ca_name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
        ]
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _signing_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _window(
    not_before: datetime | None, not_after: datetime | None, backdate: timedelta, lifetime: timedelta
) -> tuple[datetime, datetime]:
    start = not_before if not_before is not None else now() - backdate
    end = not_after if not_after is not None else start + backdate + lifetime
    if end <= start:
        raise InvalidSubject(f"not_after {end.isoformat()} is not after not_before {start.isoformat()}")
    return start, end


def _skeleton(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: PublicKey,
    start: datetime,
    end: datetime,
    *,
    ca: bool,
    path_length: int | None,
    serial: int | None = None,
) -> x509.CertificateBuilder:
    """What every certificate of ours starts with: names, key, serial, validity, basic constraints."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
    )


def build_root_ca(
    common_name: str = ROOT_CA_NAME,
    *,
    organisation: str = CA_ORGANISATION,
    key: PrivateKey | None = None,
    key_kind: KeyKind = "rsa",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> KeyPair:
    """A self-signed root CA (pathLen 1) as a key pair with an empty chain."""
    key = key or new_private_key(key_kind)
    name = _ca_name(common_name, organisation)
    start, end = _window(not_before, not_after, CA_BACKDATE, ROOT_CA_LIFETIME)
    public_key = key.public_key()
    cert = (
        _skeleton(name, name, public_key, start, end, ca=True, path_length=1)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(key, cert, [])


def build_issuing_ca(
    root_key: PrivateKey,
    root_cert: x509.Certificate,
    common_name: str = ISSUING_CA_NAME,
    *,
    organisation: str = CA_ORGANISATION,
    key: PrivateKey | None = None,
    key_kind: KeyKind = "rsa",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    ca_issuers_url: str | None = None,
) -> KeyPair:
    """An issuing CA (pathLen 0) signed by the root, as a key pair whose chain is ``[root]``."""
    key = key or new_private_key(key_kind)
    start, end = _window(not_before, not_after, CA_BACKDATE, ISSUING_CA_LIFETIME)
    public_key = key.public_key()
    builder = (
        _skeleton(
            _ca_name(common_name, organisation),
            root_cert.subject,
            public_key,
            start,
            end,
            ca=True,
            path_length=0,
        )
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(as_public_key(root_cert.public_key())),
            critical=False,
        )
    )
    if ca_issuers_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(ca_issuers_url),
                    )
                ]
            ),
            critical=False,
        )
    cert = builder.sign(root_key, hashes.SHA256())
    return KeyPair(key, cert, [root_cert])


def build_ocsp_responder(
    issuer_key: PrivateKey,
    issuer_cert: x509.Certificate,
    common_name: str = OCSP_RESPONDER_NAME,
    *,
    organisation: str = CA_ORGANISATION,
    key: PrivateKey | None = None,
    key_kind: KeyKind = "rsa",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> KeyPair:
    """A delegated OCSP responder certificate (id-kp-OCSPSigning, ocsp-nocheck) issued by the CA."""
    key = key or new_private_key(key_kind)
    start, end = _window(not_before, not_after, SKEW, OCSP_RESPONDER_LIFETIME)
    public_key = key.public_key()
    cert = (
        _skeleton(
            _ca_name(common_name, organisation),
            issuer_cert.subject,
            public_key,
            start,
            end,
            ca=False,
            path_length=None,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(as_public_key(issuer_cert.public_key())),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return KeyPair(key, cert, [issuer_cert])


def issue_certificate(
    issuer_key: PrivateKey,
    issuer_cert: x509.Certificate,
    spec: SubjectSpec,
    public_key: PublicKey,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    crl_url: str | None = None,
    ocsp_url: str | None = None,
    serial: int | None = None,
    *,
    ca_issuers_url: str | None = None,
    check_digits: bool = False,
) -> x509.Certificate:
    """An end-entity certificate of the НУЦ РК profile for ``spec``'s subject and ``public_key``.

    ``crl_url`` / ``ocsp_url`` / ``ca_issuers_url`` become the CRL distribution point and the AIA
    entries; leaving them out makes a certificate whose revocation status nobody can tell. The
    subject's structure is always checked; ИИН/БИН check digits only with ``check_digits``.
    """
    spec.validate(check_digits=check_digits)
    start, end = _window(not_before, not_after, SKEW, DEFAULT_LIFETIME)
    usages = [ROLE_OIDS[role] for role in sorted(spec.effective_roles())]
    if spec.kind == "system":
        usages.append(OID_CLIENT_AUTH)
    builder = (
        _skeleton(
            spec.subject_name(),
            issuer_cert.subject,
            public_key,
            start,
            end,
            ca=False,
            path_length=None,
            serial=serial,
        )
        .add_extension(_signing_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(as_public_key(issuer_cert.public_key())),
            critical=False,
        )
    )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    access = []
    if ocsp_url:
        access.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
            )
        )
    if ca_issuers_url:
        access.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(ca_issuers_url)
            )
        )
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def issue_key_pair(
    issuer: KeyPair,
    spec: SubjectSpec,
    *,
    key_kind: KeyKind = "rsa",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    crl_url: str | None = None,
    ocsp_url: str | None = None,
    ca_issuers_url: str | None = None,
    check_digits: bool = False,
) -> KeyPair:
    """A new key and its certificate issued by ``issuer``; the chain is the issuer and its chain."""
    key = new_private_key(key_kind)
    cert = issue_certificate(
        issuer.private_key,
        issuer.certificate,
        spec,
        as_public_key(key.public_key()),
        not_before,
        not_after,
        crl_url,
        ocsp_url,
        ca_issuers_url=ca_issuers_url,
        check_digits=check_digits,
    )
    return KeyPair(key, cert, [issuer.certificate, *issuer.chain])
