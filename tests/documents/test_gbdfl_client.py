"""egov_kit.documents.gbdfl: the client side of GBDFL_UniversalServiceSync against gbd-fl-mock's renderer.

The kit builds the request, gbd-fl-mock reads it (its real contract and ИИН checks) and answers
with its real renderer for the documented test persons; the kit reads the answer back.
"""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.documents import gbdfl
from egov_kit.documents.gbdfl import LookupResult
from egov_kit.errors import KitError
from egov_kit.shep import SchemaViolation
from egov_kit.xml import parse_xml
from gbd_fl_mock.adapters import xml_body
from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain.model import Person
from gbd_fl_mock.domain.results import LookupResult as MockResult
from gbd_fl_mock.domain.results import lookup_result
from gbd_fl_mock.domain.test_persons import (
    ABSENT_IIN,
    ADULT_IIN,
    DECEASED_IIN,
    EXPIRED_DOCUMENT_IIN,
    TEST_PERSONS,
    TestPerson,
)
from lxml import etree

TODAY = date(2025, 3, 3)
ANSWERED_AT = datetime(2025, 3, 3, 10, 0, tzinfo=KZ_TZ)
REQUESTOR_BIN = "020640002348"
NUMBER = "6f1c3f0e-3c1a-4d5e-9b7a-0123456789ab"


def register(iin: str) -> Person | None:
    return next((entry.person for entry in TEST_PERSONS if entry.iin == iin), None)


def answer_to(request: etree._Element) -> etree._Element:
    """gbd-fl-mock's own reading of the request and its own answer (as its handler gives it)."""
    asked = xml_body.parse_request(request)
    person = register(asked.iin)
    return xml_body.render_response(
        asked.request_number, lookup_result(person), person, today=TODAY, answered_at=ANSWERED_AT
    )


def ask(iin: str) -> gbdfl.PersonLookup:
    return gbdfl.parse_response(answer_to(gbdfl.build_request(iin, requestor_bin=REQUESTOR_BIN)))


# --- request --------------------------------------------------------------------------------------


def test_request_is_what_the_provider_reads() -> None:
    element = gbdfl.build_request(
        ADULT_IIN, request_number=NUMBER, requestor_bin=REQUESTOR_BIN, purpose="Прикрепление к ПМСП"
    )
    assert gbdfl.CONTRACT.schema().validate(element), gbdfl.CONTRACT.schema().error_log
    assert element.nsmap == {None: gbdfl.NS}
    asked = xml_body.parse_request(element)
    assert asked == xml_body.PersonRequest(NUMBER, ADULT_IIN, REQUESTOR_BIN, "Прикрепление к ПМСП")


def test_request_optional_parts_and_a_fresh_number() -> None:
    first, second = gbdfl.build_request(ADULT_IIN), gbdfl.build_request(ADULT_IIN)
    local = [etree.QName(child).localname for child in first]
    assert local == ["requestNumber", "iin"]
    assert xml_body.parse_request(first).request_number != xml_body.parse_request(second).request_number


def test_gbd_fl_mock_builds_with_the_kit() -> None:
    assert xml_body.build_request is gbdfl.build_request
    assert xml_body.CONTRACT is gbdfl.CONTRACT


# --- response: found, absent, deceased, invalid ---------------------------------------------------


def test_found_adult() -> None:
    lookup = ask(ADULT_IIN)
    assert lookup.result is LookupResult.FOUND and lookup.code == "00000"
    assert lookup.message_ru == "Сведения о физическом лице найдены"
    assert lookup.message_kk == "Жеке тұлға туралы мәліметтер табылды"
    assert lookup.response_date == ANSWERED_AT
    assert lookup.request_number is not None
    person = lookup.person
    assert person is not None and not person.deceased
    assert (person.iin, person.surname, person.name, person.patronymic, person.birth_date) == (
        ADULT_IIN,
        "Ахметов",
        "Ерлан",
        "Серікович",
        date(1988, 4, 12),
    )
    assert person.gender == gbdfl.DictValue("1", "Мужской", "Ер")
    assert person.life_status.code == "1" and person.death_date is None
    address = person.address
    assert address is not None
    assert address.region.code == "310000000" and address.region.name_ru == "Жамбылская область"
    assert address.locality.code == "311001000"
    assert (address.street_ru, address.street_kk) == ("ул. Толе би", "Төле би көшесі")
    assert (address.building, address.flat) == ("45", "12")
    assert address.registration_date == date(2015, 3, 10)
    assert address.full_ru == "Казахстан, Жамбылская область, г. Тараз, ул. Толе би, д. 45, кв. 12"
    assert address.full_kk.startswith("Қазақстан")
    (document,) = person.documents
    assert document.type.code == "002" and document.number == "041880412"
    assert document.begin_date == date(2023, 5, 14) and document.valid_until == date(2033, 5, 13)
    assert document.status.code == "1"


def test_absent() -> None:
    lookup = ask(ABSENT_IIN)
    assert lookup.result is LookupResult.NOT_FOUND and lookup.code == "00001"
    assert lookup.person is None and lookup.message_ru and lookup.message_kk


def test_deceased() -> None:
    lookup = ask(DECEASED_IIN)
    assert lookup.result is LookupResult.DECEASED and lookup.code == "00002"
    person = lookup.person
    assert person is not None and person.deceased
    assert person.life_status.code == "2" and person.death_date == date(2023, 12, 3)
    assert person.surname == "Омаров"
    assert [document.status.code for document in person.documents] == [d.DOC_VOID_DEATH]


def test_expired_document_status_is_the_answers() -> None:
    person = ask(EXPIRED_DOCUMENT_IIN).person
    assert person is not None
    assert [(doc.valid_until, doc.status.code) for doc in person.documents] == [(date(2022, 8, 6), "2")]


def test_invalid_request_answer_from_the_named_error() -> None:
    bad = ADULT_IIN[:11] + str((int(ADULT_IIN[11]) + 1) % 10)
    with pytest.raises(KitError) as caught:
        xml_body.parse_request(gbdfl.build_request(bad, request_number=NUMBER))
    assert caught.value.code == "INVALID_IIN_BIN" and caught.value.data is not None
    lookup = gbdfl.parse_response(parse_xml(caught.value.data))
    assert lookup.result is LookupResult.INVALID and lookup.code == "00003"
    assert lookup.person is None and lookup.request_number == NUMBER


def test_malformed_request_is_the_providers_to_refuse() -> None:
    with pytest.raises(KitError) as caught:
        xml_body.parse_request(gbdfl.build_request("88041239001"))
    assert caught.value.code == "SCHEMA_VIOLATION"
    lookup = gbdfl.parse_response(parse_xml(caught.value.data or ""))
    assert lookup.result is LookupResult.INVALID and lookup.request_number is None


@pytest.mark.parametrize("entry", TEST_PERSONS, ids=lambda entry: entry.archetype)
def test_every_test_person_round_trips(entry: TestPerson) -> None:
    person = entry.person
    lookup = ask(entry.iin)
    expected = {
        MockResult.FOUND: LookupResult.FOUND,
        MockResult.NOT_FOUND: LookupResult.NOT_FOUND,
        MockResult.DECEASED: LookupResult.DECEASED,
    }[lookup_result(person)]
    assert lookup.result is expected and lookup.code == gbdfl.CODES[expected]
    if person is None:
        assert lookup.person is None
        return
    read = lookup.person
    assert read is not None
    assert (read.iin, read.surname, read.name, read.patronymic) == (
        person.iin,
        person.surname,
        person.name,
        person.patronymic,
    )
    assert read.birth_date == person.birth_date and read.gender.code == person.gender
    assert read.death_date == person.death_date and read.deceased == person.is_deceased
    if person.reg_address is None:
        assert read.address is None
    else:
        assert read.address is not None
        assert read.address.locality == gbdfl.DictValue(*_names(person.reg_address.place.value))
        assert read.address.region.code == person.reg_address.region
        assert read.address.full_ru == person.reg_address.full_ru()
        assert read.address.full_kk == person.reg_address.full_kz()
    assert [(doc.type.code, doc.number, doc.valid_until, doc.status.code) for doc in read.documents] == [
        (doc.type, doc.number, doc.end_date, doc.status_on(TODAY)) for doc in person.documents
    ]


def _names(value: d.DictValue) -> tuple[str, str, str]:
    return value.code, value.name_ru, value.name_kz


# --- what the reader refuses ----------------------------------------------------------------------


def test_no_answer_is_a_schema_violation() -> None:
    with pytest.raises(SchemaViolation):
        gbdfl.parse_response(None)


def test_a_request_is_not_an_answer() -> None:
    with pytest.raises(SchemaViolation):
        gbdfl.parse_response(gbdfl.build_request(ADULT_IIN))


def test_an_answer_breaking_the_xsd_is_refused() -> None:
    answer = answer_to(gbdfl.build_request(ADULT_IIN))
    person = answer.find(f"{gbdfl.CONTRACT.tag('persons')}/{gbdfl.CONTRACT.tag('person')}")
    assert person is not None
    person.remove(person[1])  # surname
    with pytest.raises(SchemaViolation):
        gbdfl.parse_response(answer)


def _with_code(answer: etree._Element, code: str) -> etree._Element:
    changed = copy.deepcopy(answer)
    node = changed.find(f"{gbdfl.CONTRACT.tag('messageResult')}/{gbdfl.CONTRACT.tag('code')}")
    assert node is not None
    node.text = code
    return changed


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(SchemaViolation, match="99999"):
        gbdfl.parse_response(_with_code(answer_to(gbdfl.build_request(ADULT_IIN)), "99999"))


def test_found_without_a_person_and_absent_with_one_are_refused() -> None:
    absent = answer_to(gbdfl.build_request(ABSENT_IIN))
    with pytest.raises(SchemaViolation):
        gbdfl.parse_response(_with_code(absent, "00000"))
    found = answer_to(gbdfl.build_request(ADULT_IIN))
    with pytest.raises(SchemaViolation):
        gbdfl.parse_response(_with_code(found, "00001"))


def test_a_deceased_person_under_a_found_code_is_deceased() -> None:
    answer = _with_code(answer_to(gbdfl.build_request(DECEASED_IIN)), "00000")
    lookup = gbdfl.parse_response(answer)
    assert lookup.result is LookupResult.DECEASED and lookup.code == "00000"
