"""Plain records the documents carry, with no XML: a person as ГБД ФЛ describes them, a street.

The readers (:mod:`egov_kit.documents.gbdfl`, :mod:`egov_kit.documents.rpn`) return these; the
services' domain models may hold them too, since importing this module brings in no XML, HTTP or
AMQP code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DECEASED_LIFE_STATUS = "2"  # ГБД ФЛ's lifeStatus dictionary: 1 alive, 2 deceased


def full_name(surname: str, name: str, patronymic: str | None = None) -> str:
    """``Surname Name Patronymic`` (the parts that are there), as documents and pages show a person."""
    return " ".join(part for part in (surname, name, patronymic) if part)


@dataclass(frozen=True, slots=True)
class DictValue:
    """A dictionary value of ГБД ФЛ: ``code`` + ``nameRu`` + ``nameKz`` (a region, a locality…)."""

    code: str
    name_ru: str
    name_kk: str


@dataclass(frozen=True, slots=True)
class Street:
    """A street by its names, as a territorial section lists it."""

    name_ru: str
    name_kk: str


@dataclass(frozen=True, slots=True)
class Address:
    """The registered address (``regAddress``); ``locality`` is the XSD's ``city``."""

    region: DictValue
    locality: DictValue
    full_ru: str
    full_kk: str
    district: DictValue | None = None
    street_ru: str | None = None
    street_kk: str | None = None
    building: str | None = None
    flat: str | None = None
    registration_date: date | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """An identity document; ``status`` code 1 valid, 2 expired, 3 lost, 4 replaced, 5 void (death)."""

    type: DictValue
    number: str
    begin_date: date
    valid_until: date | None
    status: DictValue


@dataclass(frozen=True, slots=True)
class Person:
    """The summary of a person's record that callers read (found alive or deceased)."""

    iin: str
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    gender: DictValue
    life_status: DictValue
    death_date: date | None = None
    address: Address | None = None
    documents: tuple[Document, ...] = ()

    @property
    def deceased(self) -> bool:
        return self.life_status.code == DECEASED_LIFE_STATUS or self.death_date is not None

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.name, self.patronymic)
