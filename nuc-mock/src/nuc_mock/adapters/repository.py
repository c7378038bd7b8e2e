"""Issued certificates, revocations and the latest CRL in the service's database (sqlmodel).

Times go in and come back timezone-aware (UTC).
Serial numbers are stored as lowercase hex text: they are up to 159 bits long.
"""

from __future__ import annotations

from datetime import UTC, datetime

from egov_kit.db import create_tables, session_scope
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, col, select

from nuc_mock.domain.model import CertificateRecord, CrlState, serial_hex


class CertificateRow(SQLModel, table=True):
    __tablename__ = "nuc_certificates"

    serial: str = Field(primary_key=True)
    kind: str
    subject: str
    iin: str | None = Field(default=None, index=True)
    bin: str | None = Field(default=None, index=True)
    system_id: str | None = Field(default=None, index=True)
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    cert_pem: str
    revoked_at: datetime | None = Field(default=None, index=True)
    revocation_reason: str | None = None


class CrlRow(SQLModel, table=True):
    __tablename__ = "nuc_crl"

    id: int = Field(default=1, primary_key=True)
    number: int
    der: bytes
    this_update: datetime
    next_update: datetime
    issuer_fingerprint: str


def _to_db(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _from_db(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _record(row: CertificateRow) -> CertificateRecord:
    return CertificateRecord(
        serial=int(row.serial, 16),
        kind=row.kind,
        subject=row.subject,
        iin=row.iin,
        bin=row.bin,
        system_id=row.system_id,
        not_before=_from_db(row.not_before),
        not_after=_from_db(row.not_after),
        issued_at=_from_db(row.issued_at),
        cert_pem=row.cert_pem,
        revoked_at=_from_db(row.revoked_at) if row.revoked_at is not None else None,
        revocation_reason=row.revocation_reason,
    )


def _row(record: CertificateRecord) -> CertificateRow:
    return CertificateRow(
        serial=serial_hex(record.serial),
        kind=record.kind,
        subject=record.subject,
        iin=record.iin,
        bin=record.bin,
        system_id=record.system_id,
        not_before=_to_db(record.not_before),
        not_after=_to_db(record.not_after),
        issued_at=_to_db(record.issued_at),
        cert_pem=record.cert_pem,
        revoked_at=_to_db(record.revoked_at) if record.revoked_at is not None else None,
        revocation_reason=record.revocation_reason,
    )


class SqlCertificateRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine, CertificateRow, CrlRow)

    def add(self, record: CertificateRecord) -> None:
        with session_scope(self.engine) as session:
            session.add(_row(record))

    def update(self, record: CertificateRecord) -> None:
        with session_scope(self.engine) as session:
            session.merge(_row(record))

    def get(self, serial: int) -> CertificateRecord | None:
        with session_scope(self.engine) as session:
            row = session.get(CertificateRow, serial_hex(serial))
            return _record(row) if row is not None else None

    def revoked(self) -> list[CertificateRecord]:
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(CertificateRow).where(col(CertificateRow.revoked_at).is_not(None))
            ).all()
            return [_record(row) for row in rows]

    def find(
        self,
        *,
        iin: str | None = None,
        bin: str | None = None,
        system_id: str | None = None,
        limit: int = 100,
    ) -> list[CertificateRecord]:
        query = select(CertificateRow)
        if iin is not None:
            query = query.where(CertificateRow.iin == iin)
        if bin is not None:
            query = query.where(CertificateRow.bin == bin)
        if system_id is not None:
            query = query.where(CertificateRow.system_id == system_id)
        query = query.order_by(col(CertificateRow.issued_at).desc()).limit(limit)
        with session_scope(self.engine) as session:
            return [_record(row) for row in session.exec(query).all()]

    def crl_state(self) -> CrlState | None:
        with session_scope(self.engine) as session:
            row = session.get(CrlRow, 1)
            if row is None:
                return None
            return CrlState(
                number=row.number,
                der=row.der,
                this_update=_from_db(row.this_update),
                next_update=_from_db(row.next_update),
                issuer_fingerprint=row.issuer_fingerprint,
            )

    def save_crl_state(self, state: CrlState) -> None:
        with session_scope(self.engine) as session:
            session.merge(
                CrlRow(
                    id=1,
                    number=state.number,
                    der=state.der,
                    this_update=_to_db(state.this_update),
                    next_update=_to_db(state.next_update),
                    issuer_fingerprint=state.issuer_fingerprint,
                )
            )
