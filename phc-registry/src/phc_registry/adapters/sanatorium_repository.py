"""Repository of H3 over one sqlmodel session: requests, their files, the issued cards."""

from __future__ import annotations

from sqlmodel import Session, col, select

from phc_registry.adapters.orm_sanatorium import (
    SanatoriumApplicationRow,
    SanatoriumCardRow,
    SanatoriumFileRow,
)


class SanatoriumRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, application_id: str) -> SanatoriumApplicationRow | None:
        return self.session.get(SanatoriumApplicationRow, application_id)

    def by_number(self, registration_number: str) -> SanatoriumApplicationRow | None:
        return self.session.exec(
            select(SanatoriumApplicationRow).where(
                col(SanatoriumApplicationRow.registration_number) == registration_number
            )
        ).first()

    def add(self, row: SanatoriumApplicationRow) -> SanatoriumApplicationRow:
        self.session.add(row)
        self.session.flush()
        return row

    def of_organisation(self, organisation: str, limit: int = 100) -> list[SanatoriumApplicationRow]:
        """The organisation's requests, the latest registered first."""
        return list(
            self.session.exec(
                select(SanatoriumApplicationRow)
                .where(col(SanatoriumApplicationRow.organisation) == organisation)
                .order_by(col(SanatoriumApplicationRow.registered_at).desc())
                .limit(limit)
            ).all()
        )

    def add_file(self, row: SanatoriumFileRow) -> SanatoriumFileRow:
        self.session.add(row)
        self.session.flush()
        return row

    def files(self, application_id: str) -> list[SanatoriumFileRow]:
        return list(
            self.session.exec(
                select(SanatoriumFileRow)
                .where(col(SanatoriumFileRow.application_id) == application_id)
                .order_by(col(SanatoriumFileRow.position))
            ).all()
        )

    def add_card(self, row: SanatoriumCardRow) -> SanatoriumCardRow:
        self.session.add(row)
        self.session.flush()
        return row

    def card(self, card_number: str) -> SanatoriumCardRow | None:
        return self.session.get(SanatoriumCardRow, card_number)
