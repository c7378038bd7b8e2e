"""The synthetic population: reproducible, valid ИИН, the seeds' regions, realistic shares."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from egov_kit.db import create_engine_for, create_tables
from egov_kit.identifiers import is_valid, validate_iin
from gbd_fl_mock.adapters.orm import PersonRow, PopulationRow
from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain import geography as geo
from gbd_fl_mock.domain.model import Person, age_on, check_iin_matches
from gbd_fl_mock.domain.population import DEFAULT_SEED, REFERENCE_DATE, generate_population
from gbd_fl_mock.domain.test_persons import ABSENT_IIN, RESERVED_IINS, TEST_PERSONS
from gbd_fl_mock.service_layer.handlers import ensure_population
from gbd_fl_mock.service_layer.unit_of_work import sql_unit_of_work_factory


def test_same_seed_gives_the_same_first_persons(population: list[Person]) -> None:
    first = list(generate_population(DEFAULT_SEED, 200, reserved=RESERVED_IINS))
    again = list(generate_population(DEFAULT_SEED, 200, reserved=RESERVED_IINS))
    assert first == again
    assert first == population[:200]  # a smaller population is the start of a larger one


def test_another_seed_gives_other_persons() -> None:
    one = [p.iin for p in generate_population(1, 50)]
    two = [p.iin for p in generate_population(2, 50)]
    assert one != two


def test_at_least_ten_thousand_unique_valid_iin(population: list[Person]) -> None:
    assert len(population) >= 10_000
    iins = [person.iin for person in population]
    assert len(set(iins)) == len(iins)
    for person in population:
        assert is_valid(person.iin)
        validate_iin(person.iin)
        assert check_iin_matches(person.iin, person.birth_date, person.gender) == person.gender
        assert int(person.iin[7:11]) < 9000  # serials 9000-9999 are reserved


def test_every_record_satisfies_the_domain_rules(population: list[Person]) -> None:
    for person in population:
        person.check(REFERENCE_DATE)


def test_test_persons_are_never_generated(population: list[Person]) -> None:
    iins = {person.iin for person in population}
    assert not iins & RESERVED_IINS
    assert ABSENT_IIN not in iins


def test_addresses_only_in_the_seeds_regions(population: list[Person]) -> None:
    regions = Counter(person.region for person in population)
    assert set(regions) == {geo.ZHAMBYL, geo.EAST_KAZAKHSTAN, geo.WEST_KAZAKHSTAN}
    assert regions[geo.ZHAMBYL] > regions[geo.EAST_KAZAKHSTAN] > 0
    localities = {person.reg_address.locality for person in population if person.reg_address}
    assert {"311001000", "313601000", "312601000", "631001000", "631201000", "632401000"} <= localities
    assert {"271001000", "272001000"} <= localities  # Уральск, Аксай
    for person in population:
        assert person.reg_address is not None
        assert person.reg_address.locality in geo.LOCALITIES
        assert person.reg_address.full_ru().startswith("Казахстан, ")


def test_ages_spread_over_zero_to_ninety_five(population: list[Person]) -> None:
    ages = [age_on(person.birth_date, REFERENCE_DATE) for person in population]
    assert min(ages) == 0
    assert 90 <= max(ages) <= 95
    minors = sum(age < 18 for age in ages)
    assert 0.2 < minors / len(ages) < 0.45


def test_some_deceased_with_consistent_dates_and_void_documents(population: list[Person]) -> None:
    deceased = [person for person in population if person.is_deceased]
    assert 0.005 < len(deceased) / len(population) < 0.06
    for person in deceased:
        assert person.death_date is not None
        assert person.birth_date <= person.death_date <= REFERENCE_DATE
        assert person.life_status == d.DECEASED
        assert all(doc.stored_status == d.DOC_VOID_DEATH for doc in person.documents)


def test_some_identity_documents_are_expired(population: list[Person]) -> None:
    statuses = Counter(
        doc.status_on(REFERENCE_DATE)
        for person in population
        if not person.is_deceased
        for doc in person.documents
    )
    assert statuses[d.DOC_EXPIRED] > 100
    assert statuses[d.DOC_LOST] > 0
    assert statuses[d.DOC_VALID] > 8000


def test_minors_have_birth_certificates_and_adults_identity_documents(population: list[Person]) -> None:
    for person in population:
        age = age_on(person.birth_date, person.death_date or REFERENCE_DATE)
        types = {doc.type for doc in person.documents}
        if age < 16:
            assert types == {d.BIRTH_CERTIFICATE}
        else:
            assert types & {d.ID_CARD, d.RESIDENCE_PERMIT}
            if person.citizenship != d.KAZAKHSTAN:
                assert d.RESIDENCE_PERMIT in types


def test_names_are_gendered(population: list[Person]) -> None:
    kazakh_forms = russian_forms = 0
    for person in population:
        male = person.gender == d.MALE
        if person.surname.endswith(("ов", "ев", "ин")):
            assert male
        if person.surname.endswith(("ова", "ева", "ина")):
            assert not male
        if person.patronymic is None:
            continue
        if person.patronymic.endswith(("ұлы", "қызы")):
            kazakh_forms += 1
            assert person.patronymic.endswith("ұлы" if male else "қызы")
        else:
            russian_forms += 1
            assert person.patronymic.endswith("ич" if male else "на")
    assert kazakh_forms > 1000 and russian_forms > 1000


def test_shares_of_disability_and_foreign_birthplaces(population: list[Person]) -> None:
    disabled = Counter(person.disability.group for person in population if person.disability)
    assert sum(disabled.values()) > 200
    assert set(disabled) == set(d.DISABILITY_GROUPS)
    abroad = Counter(person.birth_place.country for person in population)
    assert abroad[d.KAZAKHSTAN] > 9000
    assert {"156", "496", "643", "860"} <= set(abroad)


def test_population_is_stored_once(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine, PersonRow, PopulationRow)
    uow = sql_unit_of_work_factory(engine)
    started = time.perf_counter()
    report = ensure_population(uow, seed=DEFAULT_SEED, size=10_000)
    elapsed = time.perf_counter() - started
    print(
        f"\npopulation of {report.persons} persons: generated in {report.generate_ms} ms, "
        f"inserted in {report.insert_ms} ms, total {elapsed:.2f} s"
    )
    assert report.created
    assert report.persons == 10_000 + sum(entry.person is not None for entry in TEST_PERSONS)
    again = ensure_population(uow, seed=DEFAULT_SEED, size=10_000)
    assert not again.created
    assert again.persons == report.persons
    engine.dispose()
