"""Reproducible synthetic population of ГБД ФЛ.

One ``random.Random(seed)`` stream drives everything, person after person, so the same seed gives
the same persons in the same order whatever the size (the first N persons of a larger population
are the N persons of a smaller one). Ages and dates are relative to :data:`REFERENCE_DATE`, never to
today, so the data does not drift; whether a document has expired is judged on the day of the answer.

Generated ИИН use serials 0000-8999; serials 9000-9999 are kept for the documented test persons
(:mod:`gbd_fl_mock.domain.test_persons`) and for the ИИН that must stay absent from the register.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain import geography as geo
from gbd_fl_mock.domain.model import (
    Address,
    BirthPlace,
    Disability,
    IdentityDocument,
    Person,
    add_years,
    age_on,
    make_iin,
)
from gbd_fl_mock.domain.names import (
    POOL_OF_NATIONALITY,
    POOLS,
    feminine_surname,
    kazakh_patronymic,
    russian_patronymic,
)

DEFAULT_SEED = 1414
DEFAULT_SIZE = 10_000
REFERENCE_DATE = date(2025, 1, 1)
GENERATED_SERIALS = range(0, 9000)

# (first age, last age, weight): 0-95 years, a young population as in the seeds' regions.
_AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 4, 9), (5, 9, 9), (10, 14, 8), (15, 19, 7), (20, 24, 6.5), (25, 29, 7), (30, 34, 8),
    (35, 39, 8), (40, 44, 7), (45, 49, 6), (50, 54, 5.5), (55, 59, 5), (60, 64, 4.5), (65, 69, 3.5),
    (70, 74, 2.5), (75, 79, 1.5), (80, 84, 1), (85, 89, 0.6), (90, 95, 0.3),
)  # fmt: skip

# region -> nationality code -> weight
_NATIONALITY_WEIGHTS: dict[str, dict[str, float]] = {
    geo.ZHAMBYL: {
        "001": 72, "002": 9, "003": 0.5, "004": 0.5, "005": 1, "006": 1, "007": 0.5, "008": 1.5,
        "009": 2.5, "010": 2.5, "011": 2, "012": 0.2,
    },
    geo.EAST_KAZAKHSTAN: {
        "001": 60, "002": 35, "003": 1, "004": 1.5, "005": 1.5, "006": 0.2, "008": 0.3, "012": 0.3,
    },
    geo.WEST_KAZAKHSTAN: {
        "001": 78, "002": 17, "003": 1.5, "004": 0.5, "005": 1.5, "006": 0.3, "008": 0.3, "012": 0.3,
    },
}  # fmt: skip

EXPIRED_ID_SHARE = 0.07
LOST_ID_SHARE = 0.01
PASSPORT_SHARE = 0.3
_DAYS_PER_YEAR = 365.2425
_MOI_SINCE = date(2012, 1, 1)  # identity documents issued by the Ministry of Justice before this date


def _death_probability(age: int) -> float:
    if age < 40:
        return 0.003
    if age < 60:
        return 0.015
    if age < 75:
        return 0.06
    return 0.18


def _disability_probability(age: int) -> float:
    if age < 18:
        return 0.015
    if age < 60:
        return 0.035
    return 0.08


class PopulationGenerator:
    """Draws persons one after another from a single seeded random stream."""

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        *,
        reference: date = REFERENCE_DATE,
        reserved: frozenset[str] = frozenset(),
    ) -> None:
        self.rng = random.Random(seed)
        self.reference = reference
        self.used: set[str] = set(reserved)
        self._regions = list(geo.REGIONS.values())
        self._region_weights = [region.weight for region in self._regions]
        self._localities = {code: geo.localities_of(code) for code in geo.REGIONS}

    # -- helpers ------------------------------------------------------------------------------
    def _days(self, low: int, high: int) -> timedelta:
        """A random number of days in [low, high] (high clamped to low)."""
        return timedelta(days=self.rng.randint(low, max(low, high)))

    def _birth_date(self) -> date:
        first, last, _ = self.rng.choices(_AGE_BANDS, weights=[band[2] for band in _AGE_BANDS])[0]
        low = max(1, int(first * _DAYS_PER_YEAR))
        high = int((last + 1) * _DAYS_PER_YEAR) - 1
        return self.reference - self._days(low, high)

    def _iin(self, birth_date: date, gender: str) -> str:
        while True:
            iin = make_iin(birth_date, gender, self.rng.choice(GENERATED_SERIALS))
            if iin is not None and iin not in self.used:
                self.used.add(iin)
                return iin

    # -- one person ---------------------------------------------------------------------------
    def person(self) -> Person:
        rng = self.rng
        region = rng.choices(self._regions, weights=self._region_weights)[0]
        localities = self._localities[region.code]
        locality = rng.choices(localities, weights=[loc.weight for loc in localities])[0]
        weights = _NATIONALITY_WEIGHTS[region.code]
        nationality = rng.choices(list(weights), weights=list(weights.values()))[0]
        pool_name = POOL_OF_NATIONALITY[nationality]
        pool = POOLS[pool_name]

        gender = d.MALE if rng.random() < 0.49 else d.FEMALE
        male = gender == d.MALE
        birth_date = self._birth_date()
        age = age_on(birth_date, self.reference)
        iin = self._iin(birth_date, gender)

        surname = rng.choice(pool.surnames)
        if not male:
            surname = feminine_surname(surname)
        name = rng.choice(pool.male if male else pool.female)
        father = rng.choice(pool.male)
        patronymic: str | None
        kazakh_share = pool.kazakh_patronymic_share * (1.6 if birth_date.year >= 2000 else 1.0)
        if rng.random() < pool.no_patronymic_share:
            patronymic = None
        elif rng.random() < kazakh_share:
            patronymic = kazakh_patronymic(father, male)
        else:
            patronymic = russian_patronymic(father, male)

        death_date: date | None = None
        if rng.random() < _death_probability(age):
            days_lived = (self.reference - birth_date).days
            death_date = self.reference - self._days(1, min(days_lived - 1, 3650))
        as_of = death_date or self.reference

        birth_place, citizenship = self._birth_place(pool_name, region.code, locality, age)
        reg_address = self._address(locality, birth_date, as_of)
        documents = self._documents(birth_date, as_of, citizenship == d.KAZAKHSTAN, death_date is not None)
        disability = self._disability(birth_date, as_of)

        capable = d.CAPABLE
        roll = rng.random()
        if age >= 18 and roll < 0.004:
            capable = d.INCAPABLE
        elif age >= 18 and roll < 0.006:
            capable = d.LIMITED_CAPACITY

        return Person(
            iin=iin,
            surname=surname,
            name=name,
            patronymic=patronymic,
            birth_date=birth_date,
            gender=gender,
            citizenship=citizenship,
            nationality=nationality,
            death_date=death_date,
            capable_status=capable,
            birth_place=birth_place,
            reg_address=reg_address,
            documents=documents,
            disability=disability,
        )

    def _birth_place(
        self, pool_name: str, region_code: str, locality: geo.Locality, age: int
    ) -> tuple[BirthPlace, str]:
        rng = self.rng
        abroad: str | None = None
        roll = rng.random()
        if pool_name == "kz" and roll < 0.04:  # oralmans (seed 003, service 11)
            abroad = rng.choice(("156-65-01", "156-65-02", "496-01-01", "860-10-01"))
        elif pool_name in ("ru", "ua", "de") and age > 50 and roll < 0.25:
            abroad = rng.choice(("643-55-01", "643-56-01"))
        elif pool_name in ("ko", "ca") and roll < 0.2:
            abroad = "860-10-01"
        if abroad is not None:
            place = geo.FOREIGN_LOCALITIES[abroad]
            country = geo.FOREIGN_REGIONS[place.region].country
            citizenship = country if rng.random() < 0.3 else d.KAZAKHSTAN
            return BirthPlace(country, place.region, place.code), citizenship
        born_in = locality if rng.random() < 0.8 else rng.choice(self._localities[region_code])
        return BirthPlace(d.KAZAKHSTAN, born_in.region, born_in.code), d.KAZAKHSTAN

    def _address(self, locality: geo.Locality, birth_date: date, as_of: date) -> Address:
        rng = self.rng
        street = rng.choice(locality.streets)
        flat: str | None = None
        if locality.kind is geo.LocalityKind.CITY and rng.random() < 0.65:
            building = str(rng.randint(1, 150))
            flat = str(rng.randint(1, 200))
        else:
            building = str(rng.randint(1, 250))
        if rng.random() < 0.05:
            building += rng.choice("АБВ")
        lived = (as_of - birth_date).days
        registered = as_of - self._days(0, min(lived, int(25 * _DAYS_PER_YEAR)))
        return Address(locality.code, street.name_ru, street.name_kz, building, flat, registered)

    def _documents(
        self, birth_date: date, as_of: date, citizen: bool, deceased: bool
    ) -> tuple[IdentityDocument, ...]:
        rng = self.rng
        documents: list[IdentityDocument] = []
        age = age_on(birth_date, as_of)
        if age < 16:
            begin = min(as_of, birth_date + self._days(3, 30))
            documents.append(
                IdentityDocument(
                    d.BIRTH_CERTIFICATE, f"{rng.randint(0, 9_999_999):07d}", begin, None, d.CIVIL_REGISTRY
                )
            )
        else:
            sixteen = add_years(birth_date, 16)
            span = (as_of - sixteen).days
            if citizen:
                if span > 3650 + 400 and rng.random() < EXPIRED_ID_SHARE:
                    begin = as_of - self._days(3650 + 30, min(span, 3650 + 1500))
                elif span < 3650:
                    begin = sixteen + self._days(0, span)
                else:
                    begin = as_of - self._days(0, 3650 - 30)
                issuer = d.MINISTRY_OF_JUSTICE if begin < _MOI_SINCE else d.MINISTRY_OF_INTERNAL_AFFAIRS
                status = d.DOC_LOST if rng.random() < LOST_ID_SHARE else d.DOC_VALID
                documents.append(
                    IdentityDocument(
                        d.ID_CARD,
                        f"0{rng.randint(0, 99_999_999):08d}",
                        begin,
                        add_years(begin, 10) - timedelta(days=1),
                        issuer,
                        status,
                    )
                )
                if rng.random() < PASSPORT_SHARE:
                    begin = as_of - self._days(0, min(span, 3650 - 30))
                    issuer = d.MINISTRY_OF_JUSTICE if begin < _MOI_SINCE else d.MINISTRY_OF_INTERNAL_AFFAIRS
                    documents.append(
                        IdentityDocument(
                            d.PASSPORT,
                            f"N{rng.randint(0, 99_999_999):08d}",
                            begin,
                            add_years(begin, 10) - timedelta(days=1),
                            issuer,
                        )
                    )
            else:
                begin = as_of - self._days(0, min(span, 3650 - 30))
                documents.append(
                    IdentityDocument(
                        d.RESIDENCE_PERMIT,
                        f"F{rng.randint(0, 9_999_999):07d}",
                        begin,
                        add_years(begin, 10) - timedelta(days=1),
                        d.MINISTRY_OF_INTERNAL_AFFAIRS,
                    )
                )
        if deceased:
            documents = [
                IdentityDocument(
                    doc.type, doc.number, doc.begin_date, doc.end_date, doc.issuer, d.DOC_VOID_DEATH
                )
                for doc in documents
            ]
        return tuple(documents)

    def _disability(self, birth_date: date, as_of: date) -> Disability | None:
        rng = self.rng
        age = age_on(birth_date, as_of)
        if rng.random() >= _disability_probability(age):
            return None
        lived = (as_of - birth_date).days
        begin = as_of - self._days(0, min(lived, int(15 * _DAYS_PER_YEAR)))
        end: date | None
        if age < 16:
            return Disability(d.DISABLED_CHILD_UNDER_16, begin, add_years(birth_date, 16) - timedelta(days=1))
        if age < 18:
            return Disability(d.DISABLED_CHILD_16_18, begin, add_years(birth_date, 18) - timedelta(days=1))
        group = rng.choices(
            (d.DISABILITY_GROUP_1, d.DISABILITY_GROUP_2, d.DISABILITY_GROUP_3), weights=(15, 45, 40)
        )[0]
        end = None if group == d.DISABILITY_GROUP_1 and rng.random() < 0.6 else as_of + self._days(30, 730)
        return Disability(group, begin, end)


def generate_population(
    seed: int = DEFAULT_SEED,
    size: int = DEFAULT_SIZE,
    *,
    reference: date = REFERENCE_DATE,
    reserved: frozenset[str] = frozenset(),
) -> Iterator[Person]:
    """``size`` persons from ``seed``; ИИН in ``reserved`` are never generated."""
    generator = PopulationGenerator(seed, reference=reference, reserved=reserved)
    for _ in range(size):
        yield generator.person()
