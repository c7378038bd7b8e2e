"""Admin HTTP API of gbd-fl-mock: search, read and add persons, list the test persons."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from egov_kit.clock import now
from fastapi import APIRouter, Query, status

from gbd_fl_mock.adapters.repository import PersonFilter
from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain import geography as geo
from gbd_fl_mock.domain.errors import UnknownRegion
from gbd_fl_mock.entrypoints.schemas import (
    DictionaryOut,
    DictValueOut,
    PersonIn,
    PersonOut,
    PersonPage,
    TestPersonOut,
)
from gbd_fl_mock.service_layer import handlers
from gbd_fl_mock.service_layer.unit_of_work import UnitOfWorkFactory

TAG_PERSONS = "persons"
TAG_TEST_PERSONS = "test persons"
TAG_DICTIONARIES = "dictionaries"

_LIFE_STATUS_ALIASES = {"alive": d.ALIVE, "deceased": d.DECEASED}
_ERRORS_400: dict[int | str, dict[str, Any]] = {400: {"description": "named error: {error: code, message}"}}


def _life_status(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    code = _LIFE_STATUS_ALIASES.get(value.lower(), value)
    return d.LIFE_STATUSES[code].code  # UNKNOWN_DICTIONARY_CODE otherwise


def _region(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    region = geo.find_region(value)
    if region is None:
        raise UnknownRegion(
            f"Регион {value!r} не найден: допустимы Жамбылская, Восточно-Казахстанская, "
            "Западно-Казахстанская / "
            f"{value!r} өңірі табылмады: Жамбыл, Шығыс Қазақстан, Батыс Қазақстан облыстары рұқсат етілген"
        )
    return region.code


def admin_router(uow_factory: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(prefix="/admin")

    @router.get("/persons", tags=[TAG_PERSONS], response_model=PersonPage, responses=_ERRORS_400)
    def search_persons(
        iin: Annotated[str | None, Query(description="exact ИИН")] = None,
        surname: Annotated[str | None, Query(description="case-insensitive prefix")] = None,
        name: Annotated[str | None, Query(description="case-insensitive prefix")] = None,
        region: Annotated[
            str | None, Query(description="region code or part of its name, e.g. Жамбыл")
        ] = None,
        life_status: Annotated[str | None, Query(description="alive, deceased, or code 1/2")] = None,
        birth_date_from: date | None = None,
        birth_date_to: date | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> PersonPage:
        """Search the register by attributes; every given criterion must hold."""
        criteria = PersonFilter(
            iin=iin or None,
            surname=surname or None,
            name=name or None,
            region=_region(region),
            life_status=_life_status(life_status),
            birth_date_from=birth_date_from,
            birth_date_to=birth_date_to,
        )
        total, persons = handlers.search_persons(uow_factory, criteria, limit=limit, offset=offset)
        today = now().date()
        return PersonPage(
            total=total, limit=limit, offset=offset, items=[PersonOut.of(person, today) for person in persons]
        )

    @router.get(
        "/persons/{iin}",
        tags=[TAG_PERSONS],
        response_model=PersonOut,
        responses={404: {"description": "PERSON_NOT_FOUND"}},
    )
    def get_person(iin: str) -> PersonOut:
        """One person by ИИН, as ГБД ФЛ holds it (document statuses judged today)."""
        return PersonOut.of(handlers.get_person(uow_factory, iin), now().date())

    @router.post(
        "/persons",
        tags=[TAG_PERSONS],
        response_model=PersonOut,
        status_code=status.HTTP_201_CREATED,
        responses={
            400: {
                "description": "INVALID_IIN_BIN, IIN_BIRTH_DATE_MISMATCH, IIN_CENTURY_MISMATCH, "
                "IIN_GENDER_MISMATCH, UNKNOWN_DICTIONARY_CODE, ADDRESS_MISMATCH, INVALID_DATES"
            },
            409: {"description": "DUPLICATE_IIN"},
        },
    )
    def add_person(body: PersonIn) -> PersonOut:
        """Add a person; the ИИН must have a valid check digit and encode the birth date, century and sex."""
        today = now().date()
        person = handlers.add_person(uow_factory, body.to_domain(today))
        return PersonOut.of(person, today)

    @router.get("/test-persons", tags=[TAG_TEST_PERSONS], response_model=list[TestPersonOut])
    def test_persons() -> list[TestPersonOut]:
        """The documented test persons (fixed ИИН, one per archetype)."""
        return [TestPersonOut.of(entry) for entry in handlers.list_test_persons()]

    @router.get("/dictionaries", tags=[TAG_DICTIONARIES], response_model=list[DictionaryOut])
    def dictionaries() -> list[DictionaryOut]:
        """Every dictionary and its codes, including regions, districts and localities."""
        all_dictionaries = (
            *d.ALL_DICTIONARIES,
            geo.REGION_DICTIONARY,
            geo.DISTRICT_DICTIONARY,
            geo.LOCALITY_DICTIONARY,
        )
        return [
            DictionaryOut(
                name=dictionary.name, values=[DictValueOut.of(value) for value in dictionary.values()]
            )
            for dictionary in all_dictionaries
        ]

    return router
