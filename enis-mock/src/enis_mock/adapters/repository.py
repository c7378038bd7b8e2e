"""Powers of attorney repository over sqlmodel."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session, col, select

from enis_mock.adapters.orm import PowerOfAttorneyRow, to_domain, to_row
from enis_mock.domain.model import PowerOfAttorney


class PowerOfAttorneyRepository(Protocol):
    def get(self, number: str) -> PowerOfAttorney | None: ...

    def add(self, power: PowerOfAttorney, registered_at: datetime) -> None: ...

    def save_revocation(self, power: PowerOfAttorney) -> None: ...

    def numbers_starting_with(self, prefix: str) -> list[str]: ...


class SqlPowerOfAttorneyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, number: str) -> PowerOfAttorney | None:
        row = self.session.get(PowerOfAttorneyRow, number)
        return to_domain(row) if row is not None else None

    def add(self, power: PowerOfAttorney, registered_at: datetime) -> None:
        self.session.add(to_row(power, registered_at))
        self.session.flush()

    def save_revocation(self, power: PowerOfAttorney) -> None:
        row = self.session.get(PowerOfAttorneyRow, power.number)
        if row is None:
            raise LookupError(power.number)
        row.revoked_at = power.revoked_at
        row.revocation_reason = power.revocation_reason
        self.session.add(row)

    def numbers_starting_with(self, prefix: str) -> list[str]:
        return list(
            self.session.exec(
                select(PowerOfAttorneyRow.number).where(col(PowerOfAttorneyRow.number).startswith(prefix))
            ).all()
        )
