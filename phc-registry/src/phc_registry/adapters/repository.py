"""Repositories of РПН over one sqlmodel session (the unit of work's)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from phc_registry.adapters.orm import (
    AccountRow,
    ApplicationRow,
    AttachmentRow,
    CounterRow,
    ScanRow,
    SessionRow,
)
from phc_registry.domain.model import Attachment, AttachmentHistory


def _to_domain(row: AttachmentRow) -> Attachment:
    return Attachment(
        iin=row.iin,
        organisation=row.organisation,
        section=row.section,
        doctor=row.doctor,
        attached_from=row.attached_from,
        detached_on=row.detached_on,
        registration_number=row.registration_number,
        talon_number=row.talon_number,
        application_id=row.application_id,
        id=row.id,
    )


class AttachmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def history(self, iin: str) -> AttachmentHistory:
        rows = self.session.exec(
            select(AttachmentRow)
            .where(col(AttachmentRow.iin) == iin)
            .order_by(col(AttachmentRow.attached_from), col(AttachmentRow.id))
        ).all()
        return AttachmentHistory(iin, [_to_domain(row) for row in rows])

    def save(self, history: AttachmentHistory) -> list[Attachment]:
        """Write changed and new attachments; closings first, so one active row at a time."""
        saved: list[Attachment] = []
        for item in sorted(history.attachments, key=lambda a: (a.active, a.id is None)):
            if item.id is not None:
                row = self.session.get(AttachmentRow, item.id)
                if row is not None and row.detached_on != item.detached_on:
                    row.detached_on = item.detached_on
                    self.session.add(row)
                    self.session.flush()
                saved.append(item)
                continue
            row = AttachmentRow(
                iin=item.iin,
                organisation=item.organisation,
                section=item.section,
                doctor=item.doctor,
                attached_from=item.attached_from,
                detached_on=item.detached_on,
                registration_number=item.registration_number,
                talon_number=item.talon_number,
                application_id=item.application_id,
            )
            self.session.add(row)
            self.session.flush()
            saved.append(_to_domain(row))
        history.attachments = sorted(saved, key=lambda a: (a.attached_from, a.id or 0))
        return history.attachments

    def count(self) -> int:
        return len(self.session.exec(select(AttachmentRow.id)).all())

    def active_in(self, organisation: str, limit: int = 200) -> list[Attachment]:
        rows = self.session.exec(
            select(AttachmentRow)
            .where(col(AttachmentRow.organisation) == organisation, col(AttachmentRow.detached_on).is_(None))
            .order_by(col(AttachmentRow.attached_from).desc())
            .limit(limit)
        ).all()
        return [_to_domain(row) for row in rows]


class ApplicationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, application_id: str) -> ApplicationRow | None:
        return self.session.get(ApplicationRow, application_id)

    def by_number(self, registration_number: str) -> ApplicationRow | None:
        return self.session.exec(
            select(ApplicationRow).where(col(ApplicationRow.registration_number) == registration_number)
        ).first()

    def add(self, row: ApplicationRow) -> ApplicationRow:
        self.session.add(row)
        self.session.flush()
        return row

    def recent(self, organisation: str, limit: int = 50) -> list[ApplicationRow]:
        return list(
            self.session.exec(
                select(ApplicationRow)
                .where(col(ApplicationRow.organisation) == organisation)
                .order_by(col(ApplicationRow.registered_at).desc())
                .limit(limit)
            ).all()
        )


class CounterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next(self, name: str) -> int:
        """The next value of a named sequence (the row is locked by the update until commit)."""
        if self.session.get(CounterRow, name) is None:
            self.session.add(CounterRow(name=name, value=0))
            self.session.flush()
        self.session.execute(
            update(CounterRow).where(col(CounterRow.name) == name).values(value=CounterRow.value + 1)
        )
        row = self.session.exec(select(CounterRow).where(col(CounterRow.name) == name)).one()
        self.session.refresh(row)
        return row.value


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, iin: str) -> AccountRow | None:
        return self.session.get(AccountRow, iin)

    def add(self, row: AccountRow) -> None:
        self.session.add(row)

    def save(self, row: AccountRow) -> None:
        self.session.add(row)

    def existing(self, iins: Iterable[str]) -> set[str]:
        wanted = list(iins)
        rows = self.session.exec(select(AccountRow.iin).where(col(AccountRow.iin).in_(wanted))).all()
        return set(rows)


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, token_hash: str) -> SessionRow | None:
        return self.session.get(SessionRow, token_hash)

    def add(self, row: SessionRow) -> None:
        self.session.add(row)

    def save(self, row: SessionRow) -> None:
        self.session.add(row)

    def delete(self, token_hash: str) -> None:
        row = self.session.get(SessionRow, token_hash)
        if row is not None:
            self.session.delete(row)

    def purge_expired(self, moment: datetime) -> None:
        for row in self.session.exec(select(SessionRow).where(col(SessionRow.expires_at) < moment)).all():
            self.session.delete(row)


class ScanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ScanRow) -> ScanRow:
        self.session.add(row)
        self.session.flush()
        return row

    def find(
        self, sha256: str, uploaded_by: str | None = None, file_name: str | None = None
    ) -> ScanRow | None:
        """The latest upload of this content (by this employee, under this name when given)."""
        query = select(ScanRow).where(col(ScanRow.sha256) == sha256)
        if uploaded_by is not None:
            query = query.where(col(ScanRow.uploaded_by) == uploaded_by)
        if file_name is not None:
            query = query.where(col(ScanRow.file_name) == file_name)
        return self.session.exec(query.order_by(col(ScanRow.id).desc())).first()

    def count(self) -> int:
        return len(self.session.exec(select(ScanRow.id)).all())
