"""JSON bodies of nuc-mock's certificate API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from nuc_mock.domain.model import CertificateRecord


class IssueRequest(BaseModel):
    """Whom to certify. The key is generated here unless ``public_key_pem`` is given."""

    kind: Literal["individual", "employee", "system"] = Field(description="individual, employee or system")
    iin: str | None = Field(
        None, description="ИИН, 12 digits with a valid check digit (individual, employee)"
    )
    bin: str | None = Field(None, description="БИН of the organisation (employee, system)")
    surname: str | None = None
    given_name: str | None = None
    organisation: str | None = None
    system_id: str | None = Field(None, description="information system id, the CN of a system certificate")
    roles: list[str] = Field(
        default_factory=list,
        description="employee roles: first_head, right_of_signature, financial_signature, hr, employee",
    )
    key_type: Literal["rsa", "ec"] = Field("rsa", description="RSA 2048 or EC P-256")
    not_before: AwareDatetime | None = Field(None, description="fixtures only: start of validity")
    not_after: AwareDatetime | None = Field(None, description="fixtures only: end of validity")
    public_key_pem: str | None = Field(None, description="certify this public key instead of generating one")
    pkcs12_password: str | None = Field(
        None, description="password of the returned PKCS#12 (random if absent)"
    )


class IssueResponse(BaseModel):
    serial: str = Field(description="serial number, lowercase hex")
    subject: str
    kind: str
    not_before: datetime
    not_after: datetime
    cert_pem: str
    key_pem: str | None = Field(description="PKCS#8 private key (absent when public_key_pem was sent)")
    chain_pem: str = Field(description="issuing CA then root")
    pkcs12_base64: str | None
    pkcs12_password: str | None


class RevokeRequest(BaseModel):
    reason: str | None = Field(
        None,
        description="unspecified, key_compromise, affiliation_changed, superseded, cessation_of_operation, …",
    )


class CertificateInfo(BaseModel):
    serial: str
    kind: str
    subject: str
    iin: str | None
    bin: str | None
    system_id: str | None
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    status: Literal["good", "revoked"]
    revoked_at: datetime | None
    revocation_reason: str | None
    cert_pem: str

    @classmethod
    def of(cls, record: CertificateRecord) -> CertificateInfo:
        return cls(
            serial=record.serial_hex,
            kind=record.kind,
            subject=record.subject,
            iin=record.iin,
            bin=record.bin,
            system_id=record.system_id,
            not_before=record.not_before,
            not_after=record.not_after,
            issued_at=record.issued_at,
            status=record.status,
            revoked_at=record.revoked_at,
            revocation_reason=record.revocation_reason,
            cert_pem=record.cert_pem,
        )
