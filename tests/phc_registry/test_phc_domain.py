"""РПН's domain: one active attachment, closing the previous one, the service area, condition 3, seed data."""

from __future__ import annotations

from datetime import date

import pytest
from egov_kit.documents import gbdfl
from egov_kit.documents.h1 import Recipient, build_application, parse_application
from egov_kit.identifiers import is_valid, validate_bin, validate_iin
from gbd_fl_mock.adapters import xml_body
from gbd_fl_mock.domain import geography
from gbd_fl_mock.domain.results import lookup_result
from gbd_fl_mock.domain.test_persons import TEST_PERSONS
from phc_registry.adapters.gbdfl import to_lookup
from phc_registry.domain import grounds as g
from phc_registry.domain import seed
from phc_registry.domain.errors import AlreadyAttached, UnknownSection
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import Address, Attachment, AttachmentHistory, PersonLookup
from phc_registry.domain.rules import Accepted, check_application


def gbd_lookup(iin: str) -> PersonLookup:
    """What РПН reads from ГБД ФЛ's real answer body about a documented test person."""
    person = next((entry.person for entry in TEST_PERSONS if entry.iin == iin), None)
    request = xml_body.parse_request(gbdfl.build_request(iin, requestor_bin="020640002348"))
    answer = xml_body.render_response(
        request.request_number, lookup_result(person), person, today=date(2025, 3, 3)
    )
    return to_lookup(iin, gbdfl.parse_response(answer))


def attachment(org: str, start: date, end: date | None = None, iin: str = "880412390017") -> Attachment:
    return Attachment(iin, org, "1", "Врач", start, end)


# --- the register of attachments -----------------------------------------------------------------


def test_a_new_attachment_closes_the_previous_one() -> None:
    history = AttachmentHistory("880412390017", [attachment("ZHM-TRZ-05", date(2016, 2, 1))])
    closed = history.attach(attachment("ZHM-TRZ-01", date(2025, 3, 3)))
    assert closed is not None and closed.organisation == "ZHM-TRZ-05"
    assert closed.detached_on == date(2025, 3, 3), "closed the day the new one starts"
    assert history.active is not None and history.active.organisation == "ZHM-TRZ-01"
    assert [a.active for a in history.attachments] == [False, True], "history is kept"


def test_at_most_one_active_attachment() -> None:
    with pytest.raises(ValueError, match="more than one active"):
        AttachmentHistory(
            "880412390017",
            [attachment("ZHM-TRZ-05", date(2016, 2, 1)), attachment("ZHM-TRZ-01", date(2020, 1, 1))],
        )
    history = AttachmentHistory("880412390017")
    assert history.attach(attachment("ZHM-TRZ-01", date(2025, 3, 3))) is None
    assert sum(a.active for a in history.attachments) == 1


def test_attaching_twice_to_the_same_organisation_is_refused() -> None:
    history = AttachmentHistory("880412390017", [attachment("ZHM-TRZ-01", date(2020, 1, 1))])
    with pytest.raises(AlreadyAttached) as caught:
        history.attach(attachment("ZHM-TRZ-01", date(2025, 3, 3)))
    assert caught.value.code == "ALREADY_ATTACHED"
    assert len(history.attachments) == 1


# --- the service area, decided from ГБД ФЛ's regAddress ------------------------------------------


def test_service_area_from_a_gbdfl_address() -> None:
    adult = gbd_lookup("880412390017")  # Тараз, ул. Толе би
    assert adult.status == "found" and adult.person is not None and adult.person.address is not None
    address = adult.person.address
    assert address.locality == "311001000" and address.street_ru == "ул. Толе би"
    trz01 = seed.organisation("ZHM-TRZ-01")
    trz05 = seed.organisation("ZHM-TRZ-05")
    assert trz01 is not None and trz05 is not None
    assert trz01.serves(address)
    section = trz01.serving_section(address)
    assert section is not None and section.number == "1", "the section listing the street comes first"
    assert not trz05.serves(address), "№5 serves other streets of Тараз only"
    oral = seed.organisation("ZKO-URL-02")
    assert oral is not None and not oral.serves(address)


def test_a_section_without_streets_serves_the_whole_locality_and_streets_match_in_kazakh() -> None:
    trz01 = seed.organisation("ZHM-TRZ-01")
    assert trz01 is not None
    elsewhere = Address("310000000", "311001000", "ул. Гагарина", "Гагарин көшесі")
    section = trz01.serving_section(elsewhere)
    assert section is not None and section.number == "3"
    kazakh_only = Address("310000000", "311001000", None, "ҚАЗЫБЕК БИ КӨШЕСІ")
    found = trz01.serving_section(kazakh_only)
    assert found is not None and found.number == "2"
    assert trz01.section("2").lists_street(kazakh_only)
    with pytest.raises(UnknownSection):
        trz01.section("9")


def test_gbdfl_answers_absent_and_deceased() -> None:
    assert gbd_lookup("900101390508").status == "absent"
    deceased = gbd_lookup("500720390430")
    assert deceased.status == "deceased" and deceased.person is not None
    assert deceased.person.death_date == date(2023, 12, 3)


# --- condition 3 ---------------------------------------------------------------------------------


def application(iin: str, surname: str, name: str, org: str, section: str | None = None) -> object:
    return parse_application(
        build_application(
            recipient=Recipient(iin, surname, name),
            organisation_code=org,
            reason="test",
            section_number=section,
        )
    )


@pytest.mark.parametrize(
    ("iin", "surname", "name", "org", "ground"),
    [
        ("900101390508", "Тестов", "Тест", "ZHM-TRZ-01", g.NOT_IN_GBDFL),
        ("500720390430", "Омаров", "Болат", "VKO-RDR-01", g.DECEASED),
        ("880412390017", "Ахметов", "Ерболат", "ZHM-TRZ-01", g.UNRELIABLE_DATA),
        ("880412390017", "Ахметов", "Ерлан", "NOPE-01", g.UNRELIABLE_DATA),
        ("920205490157", "Жумабаева", "Айгүл", "ZHM-TRZ-01", g.OUT_OF_SERVICE_AREA),
        ("790923490082", "Иванова", "Светлана", "VKO-UKG-03", g.ALREADY_ATTACHED),
    ],
)
def test_condition_3_names_the_first_violation(
    iin: str, surname: str, name: str, org: str, ground: str
) -> None:
    history = AttachmentHistory(iin, [a for a in seed.SEEDED_ATTACHMENTS if a.iin == iin])
    decision = check_application(
        application(iin, surname, name, org),  # type: ignore[arg-type]
        gbd_lookup(iin),
        seed.organisation(org),
        history,
    )
    assert isinstance(decision, Violation) and decision.ground == ground
    assert decision.details_ru and decision.details_kk


def test_condition_3_accepts_and_picks_the_section() -> None:
    history = AttachmentHistory(
        "880412390017", [a for a in seed.SEEDED_ATTACHMENTS if a.iin == "880412390017"]
    )
    decision = check_application(
        application("880412390017", "АХМЕТОВ", "Ерлан", "ZHM-TRZ-01"),  # type: ignore[arg-type]
        gbd_lookup("880412390017"),
        seed.organisation("ZHM-TRZ-01"),
        history,
    )
    assert isinstance(decision, Accepted)
    assert decision.section.number == "1" and decision.doctor is not None
    assert decision.doctor.full_name == "Нурланов Арман Бауыржанович"
    chosen = check_application(
        application("880412390017", "Ахметов", "Ерлан", "ZHM-TRZ-01", section="3"),  # type: ignore[arg-type]
        gbd_lookup("880412390017"),
        seed.organisation("ZHM-TRZ-01"),
        history,
    )
    assert isinstance(chosen, Accepted) and chosen.section.number == "3"


# --- seed data -----------------------------------------------------------------------------------


def test_seed_organisations_are_consistent_with_gbdfl_geography() -> None:
    assert len(seed.ORGANISATIONS) == 8
    regions = {org.region for org in seed.ORGANISATIONS}
    assert regions == {geography.ZHAMBYL, geography.EAST_KAZAKHSTAN, geography.WEST_KAZAKHSTAN}
    for org in seed.ORGANISATIONS:
        validate_bin(org.bin)
        assert sum(member.authorised for member in org.staff) == 1, org.code
        for section in org.sections:
            place = geography.LOCALITIES[section.locality.code]
            assert place.region == section.locality.region
            assert section.locality.name_ru.endswith(place.name_ru)
            assert org.doctor_of(section.number) is not None, (org.code, section.number)
            for street in section.streets:
                assert street in [type(street)(s.name_ru, s.name_kz) for s in place.streets], street
        for member in org.staff:
            validate_iin(member.iin)
    iins = [member.iin for org in seed.ORGANISATIONS for member in org.staff]
    assert len(iins) == len(set(iins))
    assert all(is_valid(iin) for iin in iins)


def test_every_documented_test_person_with_an_address_is_served_somewhere() -> None:
    for entry in TEST_PERSONS:
        if entry.person is None or entry.person.reg_address is None:
            continue
        lookup = gbd_lookup(entry.iin)
        assert lookup.person is not None and lookup.person.address is not None
        serving = [org.code for org in seed.ORGANISATIONS if org.serves(lookup.person.address)]
        assert serving, entry.archetype


def test_organisations_serving_a_region_or_locality() -> None:
    taraz = [org.code for org in seed.organisations_serving(locality="311001000")]
    assert taraz == ["ZHM-TRZ-01", "ZHM-TRZ-05"]
    assert [org.code for org in seed.organisations_serving(region="270000000")] == [
        "ZKO-URL-02",
        "ZKO-AKS-01",
    ]
    assert len(seed.organisations_serving()) == 8
    assert seed.organisations_serving(region="270000000", locality="311001000") == []
