"""Persons repository over sqlmodel: look-up by ИИН, search by attributes, bulk load."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from gbd_fl_mock.adapters.orm import PersonRow, PopulationRow, person_to_row, row_to_person
from gbd_fl_mock.domain.model import Person

BULK_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class PersonFilter:
    """Search criteria; every given one must hold. Names match by case-insensitive prefix."""

    iin: str | None = None
    surname: str | None = None
    name: str | None = None
    region: str | None = None  # region code
    life_status: str | None = None  # life status code
    birth_date_from: date | None = None
    birth_date_to: date | None = None


class PersonRepository(Protocol):
    def get(self, iin: str) -> Person | None: ...

    def archetype(self, iin: str) -> str | None: ...

    def add(self, person: Person, archetype: str | None = None) -> None: ...

    def add_many(self, rows: Iterable[dict[str, Any]]) -> int: ...

    def search(self, criteria: PersonFilter, *, limit: int, offset: int) -> tuple[int, list[Person]]: ...

    def count(self) -> int: ...

    def population(self) -> PopulationRow | None: ...

    def mark_populated(self, record: PopulationRow) -> None: ...


class SqlPersonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, iin: str) -> Person | None:
        row = self.session.get(PersonRow, iin)
        return row_to_person(row) if row is not None else None

    def archetype(self, iin: str) -> str | None:
        row = self.session.get(PersonRow, iin)
        return row.archetype if row is not None else None

    def add(self, person: Person, archetype: str | None = None) -> None:
        self.session.add(PersonRow.model_validate(person_to_row(person, archetype)))
        self.session.flush()

    def add_many(self, rows: Iterable[dict[str, Any]]) -> int:
        """Bulk insert of :func:`person_to_row` dicts in chunks (executemany); returns the count."""
        total = 0
        iterator = iter(rows)
        while chunk := list(islice(iterator, BULK_CHUNK)):
            self.session.execute(insert(PersonRow), chunk)
            total += len(chunk)
        return total

    def search(self, criteria: PersonFilter, *, limit: int, offset: int) -> tuple[int, list[Person]]:
        conditions: list[Any] = []
        if criteria.iin:
            conditions.append(col(PersonRow.iin) == criteria.iin)
        if criteria.surname:
            conditions.append(
                col(PersonRow.surname_ci).startswith(criteria.surname.casefold(), autoescape=True)
            )
        if criteria.name:
            conditions.append(col(PersonRow.name_ci).startswith(criteria.name.casefold(), autoescape=True))
        if criteria.region:
            conditions.append(col(PersonRow.region) == criteria.region)
        if criteria.life_status:
            conditions.append(col(PersonRow.life_status) == criteria.life_status)
        if criteria.birth_date_from:
            conditions.append(col(PersonRow.birth_date) >= criteria.birth_date_from)
        if criteria.birth_date_to:
            conditions.append(col(PersonRow.birth_date) <= criteria.birth_date_to)
        total = self.session.exec(select(func.count()).select_from(PersonRow).where(*conditions)).one()
        rows = self.session.exec(
            select(PersonRow)
            .where(*conditions)
            .order_by(col(PersonRow.surname_ci), col(PersonRow.name_ci), col(PersonRow.iin))
            .limit(limit)
            .offset(offset)
        ).all()
        return int(total), [row_to_person(row) for row in rows]

    def count(self) -> int:
        return int(self.session.exec(select(func.count()).select_from(PersonRow)).one())

    def population(self) -> PopulationRow | None:
        return self.session.get(PopulationRow, 1)

    def mark_populated(self, record: PopulationRow) -> None:
        self.session.add(record)
