"""Table of enis-mock (sqlmodel); the name is prefixed since one metadata serves every package.

Times are timezone-aware: sqlmodel stores them in UTC; they are read back in Kazakhstan's zone.
"""

from __future__ import annotations

from datetime import date, datetime

from egov_kit.clock import KZ_TZ
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from enis_mock.domain.model import Notary, PowerOfAttorney


class PowerOfAttorneyRow(SQLModel, table=True):
    __tablename__ = "enis_power_of_attorney"

    number: str = Field(primary_key=True, max_length=50)
    principal_iin: str = Field(index=True, max_length=12)
    representative_iin: str = Field(index=True, max_length=12)
    notary_full_name: str
    notary_licence_number: str
    notary_office_id: str = Field(max_length=12)
    issue_date: date
    valid_until: date
    scope: list[str] = Field(sa_column=Column(JSON, nullable=False))
    scope_text: str | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    registered_at: datetime


def in_kz(moment: datetime | None) -> datetime | None:
    return moment.astimezone(KZ_TZ) if moment is not None else None


def to_row(power: PowerOfAttorney, registered_at: datetime) -> PowerOfAttorneyRow:
    return PowerOfAttorneyRow(
        number=power.number,
        principal_iin=power.principal_iin,
        representative_iin=power.representative_iin,
        notary_full_name=power.notary.full_name,
        notary_licence_number=power.notary.licence_number,
        notary_office_id=power.notary.office_id,
        issue_date=power.issue_date,
        valid_until=power.valid_until,
        scope=list(power.scope),
        scope_text=power.scope_text,
        revoked_at=power.revoked_at,
        revocation_reason=power.revocation_reason,
        registered_at=registered_at,
    )


def to_domain(row: PowerOfAttorneyRow) -> PowerOfAttorney:
    return PowerOfAttorney(
        number=row.number,
        principal_iin=row.principal_iin,
        representative_iin=row.representative_iin,
        notary=Notary(row.notary_full_name, row.notary_licence_number, row.notary_office_id),
        issue_date=row.issue_date,
        valid_until=row.valid_until,
        scope=tuple(row.scope),
        scope_text=row.scope_text,
        revoked_at=in_kz(row.revoked_at),
        revocation_reason=row.revocation_reason,
    )
