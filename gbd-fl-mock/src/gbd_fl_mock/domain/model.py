"""A person in ГБД ФЛ and the rules that hold for every record.

Coded attributes are kept as codes; :mod:`gbd_fl_mock.domain.dictionaries` and
:mod:`gbd_fl_mock.domain.geography` give their Russian and Kazakh names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from egov_kit.identifiers import complete, validate_iin

from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain import geography as geo
from gbd_fl_mock.domain.errors import (
    AddressMismatch,
    IinBirthDateMismatch,
    IinCenturyMismatch,
    IinGenderMismatch,
    InvalidDates,
    UnknownDictionaryCode,
)

# ИИН digit 7: century and sex (odd for men, even for women).
_CENTURY_DIGITS: dict[tuple[int, str], int] = {
    (18, d.MALE): 1,
    (18, d.FEMALE): 2,
    (19, d.MALE): 3,
    (19, d.FEMALE): 4,
    (20, d.MALE): 5,
    (20, d.FEMALE): 6,
}


def century_digit(birth_date: date, gender: str) -> int:
    return _CENTURY_DIGITS[(birth_date.year // 100, gender)]


def iin_prefix(birth_date: date, gender: str) -> str:
    """The first seven digits of an ИИН: YYMMDD and the century/sex digit."""
    return birth_date.strftime("%y%m%d") + str(century_digit(birth_date, gender))


def make_iin(birth_date: date, gender: str, serial: int) -> str | None:
    """An ИИН for this birth date, sex and 4-digit serial, or None when no check digit exists."""
    return complete(f"{iin_prefix(birth_date, gender)}{serial:04d}")


def gender_of(iin: str) -> str | None:
    digit = int(iin[6])
    if digit == 0:
        return None
    return d.MALE if digit % 2 else d.FEMALE


def check_iin_matches(iin: str, birth_date: date, gender: str | None = None) -> str:
    """Check an ИИН against a birth date (and sex); return the sex it encodes.

    Raises the named errors INVALID_IIN_BIN, IIN_CENTURY_MISMATCH, IIN_BIRTH_DATE_MISMATCH,
    IIN_GENDER_MISMATCH.
    """
    validate_iin(iin)
    digit = int(iin[6])
    if digit not in range(1, 7):
        raise IinCenturyMismatch(
            f"7-я цифра ИИН {iin} должна быть от 1 до 6 (век и пол) / "
            f"ЖСН {iin} 7-ші цифры 1-ден 6-ға дейін болуы керек (ғасыр және жыныс)"
        )
    century = 18 + (digit - 1) // 2
    if birth_date.year // 100 != century:
        raise IinCenturyMismatch(
            f"7-я цифра ИИН {iin} означает {century + 1}-й век, а дата рождения {birth_date.isoformat()} / "
            f"ЖСН {iin} 7-ші цифры {century + 1}-ғасырды білдіреді, ал туған күні {birth_date.isoformat()}"
        )
    if iin[:6] != birth_date.strftime("%y%m%d"):
        raise IinBirthDateMismatch(
            f"Первые шесть цифр ИИН {iin} не совпадают с датой рождения {birth_date.isoformat()} / "
            f"ЖСН {iin} алғашқы алты цифры туған күнмен {birth_date.isoformat()} сәйкес келмейді"
        )
    encoded = d.MALE if digit % 2 else d.FEMALE
    if gender is not None and gender != encoded:
        raise IinGenderMismatch(
            f"7-я цифра ИИН {iin} не соответствует полу / ЖСН {iin} 7-ші цифры жынысқа сәйкес келмейді"
        )
    return encoded


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class BirthPlace:
    country: str
    region: str | None = None
    locality: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    """Registered address (прописка); region and district follow from the locality."""

    locality: str
    street_ru: str | None
    street_kz: str | None
    building: str | None
    flat: str | None
    registration_date: date

    @property
    def place(self) -> geo.Locality:
        return geo.LOCALITIES[self.locality]

    @property
    def region(self) -> str:
        return self.place.region

    @property
    def district(self) -> str | None:
        return self.place.district

    def full_ru(self) -> str:
        place = self.place
        parts = [d.COUNTRIES[d.KAZAKHSTAN].name_ru, geo.REGIONS[place.region].name_ru]
        if place.district and place.kind is not geo.LocalityKind.CITY:
            parts.append(geo.DISTRICTS[place.district].name_ru)
        parts.append(place.label_ru)
        if self.street_ru:
            parts.append(self.street_ru)
        if self.building:
            parts.append(f"д. {self.building}")
        if self.flat:
            parts.append(f"кв. {self.flat}")
        return ", ".join(parts)

    def full_kz(self) -> str:
        place = self.place
        parts = [d.COUNTRIES[d.KAZAKHSTAN].name_kz, geo.REGIONS[place.region].name_kz]
        if place.district and place.kind is not geo.LocalityKind.CITY:
            parts.append(geo.DISTRICTS[place.district].name_kz)
        parts.append(place.label_kz)
        if self.street_kz:
            parts.append(self.street_kz)
        if self.building:
            parts.append(f"{self.building} үй")
        if self.flat:
            parts.append(f"{self.flat} пәтер")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    type: str
    number: str
    begin_date: date
    end_date: date | None
    issuer: str
    stored_status: str = d.DOC_VALID

    def status_on(self, day: date) -> str:
        """The status on a given day: a valid document past its end date is expired."""
        if self.stored_status == d.DOC_VALID and self.end_date is not None and self.end_date < day:
            return d.DOC_EXPIRED
        return self.stored_status


@dataclass(frozen=True, slots=True)
class Disability:
    group: str
    begin_date: date
    end_date: date | None = None  # None: established without a re-examination date


@dataclass(frozen=True, slots=True)
class Person:
    iin: str
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    gender: str
    citizenship: str = d.KAZAKHSTAN
    nationality: str = d.KAZAKH
    death_date: date | None = None
    capable_status: str = d.CAPABLE
    birth_place: BirthPlace = field(default_factory=lambda: BirthPlace(d.KAZAKHSTAN))
    reg_address: Address | None = None
    documents: tuple[IdentityDocument, ...] = ()
    disability: Disability | None = None

    @property
    def life_status(self) -> str:
        return d.DECEASED if self.death_date is not None else d.ALIVE

    @property
    def is_deceased(self) -> bool:
        return self.death_date is not None

    def capable_status_on(self, day: date) -> str:
        """Minors are answered as such whatever is stored; the stored status applies from 18."""
        minor = age_on(self.birth_date, self.death_date or day) < 18
        if minor and self.capable_status in (d.CAPABLE, d.MINOR):
            return d.MINOR
        if not minor and self.capable_status == d.MINOR:
            return d.CAPABLE
        return self.capable_status

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.name, self.patronymic) if part)

    @property
    def region(self) -> str | None:
        return self.reg_address.region if self.reg_address else None

    def check(self, today: date) -> None:
        """Every rule a record must satisfy before it is stored (named errors otherwise)."""
        check_iin_matches(self.iin, self.birth_date, self.gender)
        if self.birth_date > today:
            raise InvalidDates(
                "Дата рождения позже текущей даты / Туған күні ағымдағы күннен кейін", data="birthDate"
            )
        if self.death_date is not None and not (self.birth_date <= self.death_date <= today):
            raise InvalidDates(
                "Дата смерти должна быть между датой рождения и текущей датой / "
                "Қайтыс болған күні туған күн мен ағымдағы күннің арасында болуы керек",
                data="deathDate",
            )
        for dictionary, code in (
            (d.GENDERS, self.gender),
            (d.COUNTRIES, self.citizenship),
            (d.NATIONALITIES, self.nationality),
            (d.CAPABLE_STATUSES, self.capable_status),
            (d.COUNTRIES, self.birth_place.country),
        ):
            dictionary[code]
        if self.birth_place.region is not None:
            geo.REGION_DICTIONARY[self.birth_place.region]
        if self.birth_place.locality is not None:
            locality = geo.ALL_LOCALITIES.get(self.birth_place.locality)
            geo.LOCALITY_DICTIONARY[self.birth_place.locality]
            if locality is not None and self.birth_place.region not in (None, locality.region):
                raise AddressMismatch(
                    "Населённый пункт рождения не находится в указанном регионе / "
                    "Туған елді мекен көрсетілген өңірде емес",
                    data="birthPlace",
                )
        if self.reg_address is not None:
            geo.LOCALITY_DICTIONARY[self.reg_address.locality]
            if self.reg_address.locality not in geo.LOCALITIES:
                raise AddressMismatch(
                    "Адрес регистрации должен быть в Казахстане / Тіркеу мекенжайы Қазақстанда болуы керек",
                    data="regAddress",
                )
            if not (self.birth_date <= self.reg_address.registration_date <= today):
                raise InvalidDates(
                    "Дата регистрации должна быть между датой рождения и текущей датой / "
                    "Тіркелген күні туған күн мен ағымдағы күннің арасында болуы керек",
                    data="regAddress.registrationDate",
                )
        for document in self.documents:
            d.DOCUMENT_TYPES[document.type]
            d.ISSUERS[document.issuer]
            if document.stored_status not in d.STORED_DOCUMENT_STATUSES:
                raise UnknownDictionaryCode(
                    f"Статус документа {document.stored_status!r} нельзя задать: "
                    "«истёк» следует из даты окончания / "
                    f"Құжат мәртебесін {document.stored_status!r} беруге болмайды: "
                    "«мерзімі өтті» аяқталу күнінен шығады",
                    data="documents.status",
                )
            if document.begin_date > today or document.begin_date < self.birth_date:
                raise InvalidDates(
                    "Дата выдачи документа вне допустимого периода / "
                    "Құжаттың берілген күні рұқсат етілген кезеңнен тыс",
                    data="documents.beginDate",
                )
            if document.end_date is not None and document.end_date < document.begin_date:
                raise InvalidDates(
                    "Дата окончания документа раньше даты выдачи / "
                    "Құжаттың аяқталу күні берілген күнінен бұрын",
                    data="documents.endDate",
                )
        if self.disability is not None:
            d.DISABILITY_GROUPS[self.disability.group]
            if self.disability.end_date is not None and self.disability.end_date < self.disability.begin_date:
                raise InvalidDates(
                    "Дата окончания инвалидности раньше даты установления / "
                    "Мүгедектіктің аяқталу күні белгіленген күнінен бұрын",
                    data="disability.endDate",
                )
