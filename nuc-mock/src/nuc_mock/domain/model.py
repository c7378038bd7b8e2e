"""The CA's model: the CA hierarchy, issued certificates and the rules of revoking them.

Pure rules only: no HTTP, SQL or files. Times are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography import x509
from egov_kit.errors import KitError
from egov_kit.pki.errors import InvalidSubject
from egov_kit.pki.keys import KeyPair

CertificateStatus = Literal["good", "revoked"]
OcspSigner = Literal["delegated", "issuer"]


class NucError(KitError):
    code = "NUC_ERROR"


class CertificateNotFound(NucError):
    code = "NUC_CERT_NOT_FOUND"


class AlreadyRevoked(NucError):
    code = "NUC_CERT_ALREADY_REVOKED"


class InvalidRevocationReason(NucError):
    code = "NUC_INVALID_REVOCATION_REASON"


class InvalidSerial(NucError):
    code = "NUC_INVALID_SERIAL"


class CaUnavailable(NucError):
    code = "NUC_CA_UNAVAILABLE"


# Accepted spellings of a revocation reason: snake_case names and the RFC 5280 camelCase values.
_REASONS: dict[str, x509.ReasonFlags] = {}
for _flag in x509.ReasonFlags:
    if _flag is x509.ReasonFlags.remove_from_crl:
        continue  # only meaningful in delta CRLs
    _REASONS[_flag.name.lower()] = _flag
    _REASONS[_flag.value.lower()] = _flag
REVOCATION_REASONS: tuple[str, ...] = tuple(
    flag.name for flag in x509.ReasonFlags if flag is not x509.ReasonFlags.remove_from_crl
)


def parse_reason(text: str | None) -> x509.ReasonFlags:
    """A revocation reason from ``key_compromise`` / ``keyCompromise`` style text (None: unspecified)."""
    if text is None or not text.strip():
        return x509.ReasonFlags.unspecified
    flag = _REASONS.get(text.strip().replace("-", "_").lower())
    if flag is None:
        raise InvalidRevocationReason(
            f"unknown revocation reason {text!r}; one of {', '.join(REVOCATION_REASONS)}"
        )
    return flag


def parse_serial(text: str) -> int:
    """A certificate serial number from hex text (``1a2b…``, ``0x1a2b…`` or ``1A:2B:…``)."""
    cleaned = text.strip().lower().removeprefix("0x").replace(":", "")
    if not cleaned or len(cleaned) > 42:
        raise InvalidSerial(f"{text!r} is not a certificate serial number (hex)")
    try:
        return int(cleaned, 16)
    except ValueError:
        raise InvalidSerial(f"{text!r} is not a certificate serial number (hex)") from None


def serial_hex(serial: int) -> str:
    return format(serial, "x")


def validity_window(
    moment: datetime,
    not_before: datetime | None,
    not_after: datetime | None,
    lifetime: timedelta,
    skew: timedelta = timedelta(minutes=1),
) -> tuple[datetime, datetime]:
    """The requested validity, defaulting to ``lifetime`` from just before ``moment``."""
    start = not_before if not_before is not None else moment - skew
    end = not_after if not_after is not None else start + skew + lifetime
    if end <= start:
        raise InvalidSubject(f"not_after {end.isoformat()} must be later than not_before {start.isoformat()}")
    return start, end


@dataclass
class CertificateRecord:
    """One certificate the CA issued and what became of it."""

    serial: int
    kind: str
    subject: str
    iin: str | None
    bin: str | None
    system_id: str | None
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    cert_pem: str
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def serial_hex(self) -> str:
        return serial_hex(self.serial)

    @property
    def status(self) -> CertificateStatus:
        return "revoked" if self.revoked_at is not None else "good"

    @property
    def reason_flag(self) -> x509.ReasonFlags | None:
        return x509.ReasonFlags(self.revocation_reason) if self.revocation_reason else None

    def revoke(self, reason: x509.ReasonFlags, at: datetime) -> None:
        """Revocation is final: revoking twice is an error (certificateHold is not offered)."""
        if self.revoked_at is not None:
            raise AlreadyRevoked(
                f"certificate {self.serial_hex} was already revoked at {self.revoked_at.isoformat()}",
                data=self.serial_hex,
            )
        if reason is x509.ReasonFlags.remove_from_crl:
            raise InvalidRevocationReason("removeFromCRL is not a revocation reason")
        self.revoked_at = at
        self.revocation_reason = reason.value


@dataclass(frozen=True)
class CaHierarchy:
    """Root CA, issuing CA and the delegated OCSP responder (issued by the issuing CA)."""

    root: KeyPair
    issuing: KeyPair
    ocsp_responder: KeyPair

    def valid_at(self, moment: datetime) -> bool:
        return all(
            pair.certificate.not_valid_before_utc <= moment <= pair.certificate.not_valid_after_utc
            for pair in (self.root, self.issuing, self.ocsp_responder)
        )

    def ocsp_signer(self, choice: OcspSigner) -> KeyPair:
        return self.ocsp_responder if choice == "delegated" else self.issuing


@dataclass(frozen=True)
class CrlState:
    """The latest CRL the CA published."""

    number: int
    der: bytes
    this_update: datetime
    next_update: datetime
    issuer_fingerprint: str

    def needs_refresh(self, moment: datetime, validity: timedelta, issuer_fingerprint: str) -> bool:
        """Stale (within a tenth of its validity of nextUpdate), from the future (the clock was moved
        back) or signed by another CA key."""
        return (
            issuer_fingerprint != self.issuer_fingerprint
            or moment >= self.next_update - validity / 10
            or moment < self.this_update
        )
