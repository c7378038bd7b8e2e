"""Tables of gbd-fl-mock (sqlmodel). Names are prefixed: one metadata is shared by every package.

A person is one row: searchable attributes are columns, the nested parts (birthplace, address,
documents, disability) are JSON with dictionary codes only; names come from the domain dictionaries.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from gbd_fl_mock.domain.model import Address, BirthPlace, Disability, IdentityDocument, Person


class PersonRow(SQLModel, table=True):
    __tablename__ = "gbdfl_person"

    iin: str = Field(primary_key=True, max_length=12)
    surname: str
    name: str
    patronymic: str | None = None
    # casefolded copies: SQLite compares only ASCII case-insensitively
    surname_ci: str = Field(index=True)
    name_ci: str = Field(index=True)
    birth_date: date = Field(index=True)
    gender: str
    citizenship: str
    nationality: str
    life_status: str = Field(index=True)
    death_date: date | None = None
    capable_status: str
    region: str | None = Field(default=None, index=True)
    birth_place: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    reg_address: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    documents: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    disability: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    archetype: str | None = None  # set for the documented test persons


class PopulationRow(SQLModel, table=True):
    """One row once the synthetic population is stored: start-up is idempotent."""

    __tablename__ = "gbdfl_population"

    id: int = Field(default=1, primary_key=True)
    seed: int
    size: int
    reference_date: date
    generated_at: datetime
    duration_ms: int


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def person_to_row(person: Person, archetype: str | None = None) -> dict[str, Any]:
    """A plain dict for bulk inserts (SQLAlchemy Core executemany)."""
    address = person.reg_address
    return {
        "iin": person.iin,
        "surname": person.surname,
        "name": person.name,
        "patronymic": person.patronymic,
        "surname_ci": person.surname.casefold(),
        "name_ci": person.name.casefold(),
        "birth_date": person.birth_date,
        "gender": person.gender,
        "citizenship": person.citizenship,
        "nationality": person.nationality,
        "life_status": person.life_status,
        "death_date": person.death_date,
        "capable_status": person.capable_status,
        "region": person.region,
        "birth_place": {
            "country": person.birth_place.country,
            "region": person.birth_place.region,
            "locality": person.birth_place.locality,
        },
        "reg_address": None
        if address is None
        else {
            "locality": address.locality,
            "street_ru": address.street_ru,
            "street_kz": address.street_kz,
            "building": address.building,
            "flat": address.flat,
            "registration_date": address.registration_date.isoformat(),
        },
        "documents": [
            {
                "type": doc.type,
                "number": doc.number,
                "begin_date": doc.begin_date.isoformat(),
                "end_date": _iso(doc.end_date),
                "issuer": doc.issuer,
                "status": doc.stored_status,
            }
            for doc in person.documents
        ],
        "disability": None
        if person.disability is None
        else {
            "group": person.disability.group,
            "begin_date": person.disability.begin_date.isoformat(),
            "end_date": _iso(person.disability.end_date),
        },
        "archetype": archetype,
    }


def row_to_person(row: PersonRow) -> Person:
    place = row.birth_place
    address = row.reg_address
    disability = row.disability
    return Person(
        iin=row.iin,
        surname=row.surname,
        name=row.name,
        patronymic=row.patronymic,
        birth_date=row.birth_date,
        gender=row.gender,
        citizenship=row.citizenship,
        nationality=row.nationality,
        death_date=row.death_date,
        capable_status=row.capable_status,
        birth_place=BirthPlace(place["country"], place.get("region"), place.get("locality")),
        reg_address=None
        if address is None
        else Address(
            address["locality"],
            address.get("street_ru"),
            address.get("street_kz"),
            address.get("building"),
            address.get("flat"),
            date.fromisoformat(address["registration_date"]),
        ),
        documents=tuple(
            IdentityDocument(
                doc["type"],
                doc["number"],
                date.fromisoformat(doc["begin_date"]),
                _date(doc.get("end_date")),
                doc["issuer"],
                doc["status"],
            )
            for doc in row.documents
        ),
        disability=None
        if disability is None
        else Disability(
            disability["group"],
            date.fromisoformat(disability["begin_date"]),
            _date(disability.get("end_date")),
        ),
    )
