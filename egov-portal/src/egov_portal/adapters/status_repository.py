"""Finding an application by the number a citizen quotes to «1414»: the provider's registration number."""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session, col, select

from egov_portal.adapters.orm import ApplicationRow


class ApplicationNumbers(Protocol):
    def by_registration_number(self, number: str) -> str | None: ...


class SqlApplicationNumbers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_registration_number(self, number: str) -> str | None:
        """The portal's application id of the (most recent) application the provider registered so."""
        statement = (
            select(ApplicationRow.application_id)
            .where(col(ApplicationRow.registration_number) == number)
            .order_by(col(ApplicationRow.created_at).desc())
        )
        found = self.session.exec(statement).first()
        return None if found is None else str(found)
