"""Use cases of ГБД ФЛ, one function each: the ШЭП look-up and the admin operations."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from egov_kit.clock import now
from egov_kit.shep.provider import ShepContext
from egov_kit.shep.provider_app import handler_span
from lxml import etree
from sqlalchemy.exc import IntegrityError

from gbd_fl_mock.adapters import xml_body
from gbd_fl_mock.adapters.orm import PopulationRow, person_to_row
from gbd_fl_mock.adapters.repository import PersonFilter
from gbd_fl_mock.domain.errors import DuplicatePerson, PersonNotFound
from gbd_fl_mock.domain.model import Person
from gbd_fl_mock.domain.population import REFERENCE_DATE, generate_population
from gbd_fl_mock.domain.results import lookup_result
from gbd_fl_mock.domain.test_persons import RESERVED_IINS, TEST_PERSONS, TestPerson
from gbd_fl_mock.service_layer.unit_of_work import UnitOfWorkFactory

SERVICE_ID = "GBDFL_UniversalServiceSync"


# -- ШЭП: GBDFL_UniversalServiceSync -------------------------------------------------------------
def person_by_iin(
    request: etree._Element, context: ShepContext, *, uow_factory: UnitOfWorkFactory
) -> etree._Element:
    """Answer a person request: found (00000), not found (00001) or deceased (00002).

    A body that breaks the XSD raises SCHEMA_VIOLATION, a wrong ИИН INVALID_IIN_BIN; both carry
    the 00003 answer as their data.
    """
    with handler_span(f"{SERVICE_ID}: person by ИИН", context, system="gbd-fl-mock") as current:
        query = xml_body.parse_request(request)
        with uow_factory() as uow:
            person = uow.persons.get(query.iin)
        result = lookup_result(person)
        current.set_attribute("egov.gbdfl.result", result.value)
        moment = now()
        return xml_body.render_response(
            query.request_number, result, person, today=moment.date(), answered_at=moment
        )


# -- population ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PopulationReport:
    created: bool
    persons: int
    seed: int
    generate_ms: int = 0
    insert_ms: int = 0


def ensure_population(
    uow_factory: UnitOfWorkFactory, *, seed: int, size: int, reference: date = REFERENCE_DATE
) -> PopulationReport:
    """Generate and store the population and the test persons once; later calls do nothing."""
    with uow_factory() as uow:
        existing = uow.persons.population()
        if existing is not None:
            return PopulationReport(False, uow.persons.count(), existing.seed)
        started = time.perf_counter()
        rows = [
            person_to_row(p)
            for p in generate_population(seed, size, reference=reference, reserved=RESERVED_IINS)
        ]
        rows.extend(person_to_row(entry.person, entry.archetype) for entry in TEST_PERSONS if entry.person)
        generated = time.perf_counter()
        count = uow.persons.add_many(rows)
        uow.persons.mark_populated(
            PopulationRow(
                seed=seed,
                size=size,
                reference_date=reference,
                generated_at=now(),
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        )
    finished = time.perf_counter()
    return PopulationReport(
        True, count, seed, int((generated - started) * 1000), int((finished - generated) * 1000)
    )


def is_populated(uow_factory: UnitOfWorkFactory) -> bool:
    with uow_factory() as uow:
        return uow.persons.population() is not None


# -- admin -----------------------------------------------------------------------------------------
def get_person(uow_factory: UnitOfWorkFactory, iin: str) -> Person:
    with uow_factory() as uow:
        person = uow.persons.get(iin)
    if person is None:
        raise PersonNotFound(f"Лицо с ИИН {iin} не найдено / ЖСН {iin} бар тұлға табылмады")
    return person


def search_persons(
    uow_factory: UnitOfWorkFactory, criteria: PersonFilter, *, limit: int, offset: int
) -> tuple[int, list[Person]]:
    with uow_factory() as uow:
        return uow.persons.search(criteria, limit=limit, offset=offset)


def add_person(uow_factory: UnitOfWorkFactory, person: Person) -> Person:
    """Store a new person after every domain rule holds (named errors otherwise)."""
    person.check(now().date())
    duplicate = DuplicatePerson(
        f"Лицо с ИИН {person.iin} уже есть в ГБД ФЛ / ЖСН {person.iin} бар тұлға ЖТ ММБ-да бар"
    )
    try:
        with uow_factory() as uow:
            if uow.persons.get(person.iin) is not None:
                raise duplicate
            uow.persons.add(person)
    except IntegrityError as exc:  # added concurrently
        raise duplicate from exc
    return person


def list_test_persons() -> tuple[TestPerson, ...]:
    return TEST_PERSONS
