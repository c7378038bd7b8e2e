"""GBDFL_UniversalServiceSync: answers (found, not found, deceased), named errors, XSD conformance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.errors import KitError
from egov_kit.shep.provider import ShepContext
from egov_kit.xml import parse_xml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gbd_fl_mock.adapters.xml_body import NS, build_request, schema, to_text
from gbd_fl_mock.domain.model import Person
from gbd_fl_mock.domain.test_persons import (
    ABSENT_IIN,
    ADULT_IIN,
    DECEASED_IIN,
    DISABLED_IIN,
    EXPIRED_DOCUMENT_IIN,
    MINOR_IIN,
    PENSIONER_IIN,
    TEST_PERSONS,
)
from gbd_fl_mock.entrypoints.shep import build_shep_handlers
from lxml import etree

SERVICE_ID = "GBDFL_UniversalServiceSync"


def q(path: str) -> str:
    return "/".join(f"{{{NS}}}{part}" for part in path.split("/"))


@pytest.fixture
def ask(gbd_app: FastAPI, client: TestClient, context: ShepContext):
    handler = gbd_app.state.shep_handlers[SERVICE_ID]

    def _ask(iin: str, **extra: Any) -> etree._Element:
        request = build_request(iin, **extra)
        assert schema().validate(request), schema().error_log
        response = handler(request, context)
        assert schema().validate(response), schema().error_log
        return response

    return _ask


def result_code(response: etree._Element) -> str | None:
    return response.findtext(q("messageResult/code"))


def test_handlers_map_the_service_id(gbd_app: FastAPI, client: TestClient) -> None:
    assert set(gbd_app.state.shep_handlers) == {SERVICE_ID}


def test_found_adult(ask) -> None:
    response = ask(ADULT_IIN, requestor_bin="090540011237", purpose="Прикрепление к ПМСП")
    assert result_code(response) == "00000"
    assert response.findtext(q("messageResult/messageRu"))
    assert response.findtext(q("messageResult/messageKz"))
    person = response.find(q("persons/person"))
    assert person is not None
    assert person.findtext(q("iin")) == ADULT_IIN
    assert person.findtext(q("surname")) == "Ахметов"
    assert person.findtext(q("birthDate")) == "1988-04-12"
    assert person.findtext(q("gender/code")) == "1"
    assert person.findtext(q("gender/nameKz")) == "Ер"
    assert person.findtext(q("lifeStatus/code")) == "1"
    assert person.find(q("lifeStatus/deathDate")) is None
    assert person.findtext(q("regAddress/region/nameRu")) == "Жамбылская область"
    assert person.findtext(q("regAddress/city/nameRu")) == "Тараз"
    assert "Тараз" in (person.findtext(q("regAddress/fullAddress/nameRu")) or "")
    assert person.findtext(q("documents/document/type/code")) == "002"
    assert person.findtext(q("documents/document/status/code")) == "1"


def test_request_number_is_echoed(ask) -> None:
    number = "6f1c3f0e-3c1a-4d5e-9b7a-0123456789ab"
    assert ask(ADULT_IIN, request_number=number).findtext(q("requestNumber")) == number


def test_absent_iin_is_an_answer_not_an_error(ask) -> None:
    response = ask(ABSENT_IIN)
    assert result_code(response) == "00001"
    assert response.find(q("persons")) is None


def test_deceased_is_an_answer_with_the_death_date(ask) -> None:
    response = ask(DECEASED_IIN)
    assert result_code(response) == "00002"
    assert response.findtext(q("persons/person/lifeStatus/code")) == "2"
    assert response.findtext(q("persons/person/lifeStatus/deathDate")) == "2023-12-03"
    assert response.findtext(q("persons/person/documents/document/status/code")) == "5"


def test_expired_document_status(ask) -> None:
    response = ask(EXPIRED_DOCUMENT_IIN)
    assert result_code(response) == "00000"
    assert response.findtext(q("persons/person/documents/document/status/code")) == "2"
    assert response.findtext(q("persons/person/documents/document/endDate")) == "2022-08-06"


def test_minor_pensioner_and_disabled(ask) -> None:
    minor = ask(MINOR_IIN)
    assert minor.findtext(q("persons/person/capableStatus/code")) == "4"
    assert minor.findtext(q("persons/person/documents/document/type/code")) == "003"
    pensioner = ask(PENSIONER_IIN)
    assert pensioner.findtext(q("persons/person/birthPlace/country/code")) == "643"
    assert pensioner.findtext(q("persons/person/birthPlace/city/nameRu")) == "Омск"
    disabled = ask(DISABLED_IIN)
    assert disabled.findtext(q("persons/person/disability/group/code")) == "2"
    assert disabled.find(q("persons/person/disability/endDate")) is None


def test_document_status_is_judged_on_the_day_of_the_answer(ask, at_moment) -> None:
    at_moment(datetime(2040, 1, 1, 12, 0, tzinfo=KZ_TZ))
    response = ask(ADULT_IIN)
    assert response.findtext(q("persons/person/documents/document/status/code")) == "2"
    assert (response.findtext(q("responseDate")) or "").startswith("2040-01-01")


def test_every_test_person_answer_validates(ask) -> None:
    expected = {"absent": "00001", "deceased": "00002"}
    for entry in TEST_PERSONS:
        assert result_code(ask(entry.iin)) == expected.get(entry.archetype, "00000"), entry.archetype


def test_generated_persons_answers_validate(ask, population: list[Person]) -> None:
    for person in population[:: len(population) // 300]:
        response = ask(person.iin)
        assert result_code(response) == ("00002" if person.is_deceased else "00000")
        assert response.findtext(q("persons/person/surname")) == person.surname


def test_invalid_check_digit_is_a_named_error(
    gbd_app: FastAPI, client: TestClient, context: ShepContext
) -> None:
    bad = ADULT_IIN[:11] + str((int(ADULT_IIN[11]) + 1) % 10)
    with pytest.raises(KitError) as caught:
        gbd_app.state.shep_handlers[SERVICE_ID](build_request(bad), context)
    assert caught.value.code == "INVALID_IIN_BIN"
    assert caught.value.data is not None
    answer = parse_xml(caught.value.data)
    assert schema().validate(answer)
    assert result_code(answer) == "00003"


def test_invalid_requestor_bin_is_a_named_error(
    gbd_app: FastAPI, client: TestClient, context: ShepContext
) -> None:
    with pytest.raises(KitError) as caught:
        gbd_app.state.shep_handlers[SERVICE_ID](
            build_request(ADULT_IIN, requestor_bin="090540011230"), context
        )
    assert caught.value.code == "INVALID_IIN_BIN"


@pytest.mark.parametrize(
    "body",
    [
        f'<request xmlns="{NS}"><iin>{ADULT_IIN}</iin></request>',
        f'<request xmlns="{NS}"><requestNumber>not-a-uuid</requestNumber><iin>{ADULT_IIN}</iin></request>',
        f'<request xmlns="{NS}"><requestNumber>6f1c3f0e-3c1a-4d5e-9b7a-0123456789ab</requestNumber>'
        "<iin>88041239001</iin></request>",
        f"<request><requestNumber>6f1c3f0e-3c1a-4d5e-9b7a-0123456789ab</requestNumber><iin>{ADULT_IIN}</iin></request>",
        f'<response xmlns="{NS}"/>',
    ],
)
def test_schema_violations_are_named_errors(
    gbd_app: FastAPI, client: TestClient, context: ShepContext, body: str
) -> None:
    with pytest.raises(KitError) as caught:
        gbd_app.state.shep_handlers[SERVICE_ID](parse_xml(body.encode()), context)
    assert caught.value.code == "SCHEMA_VIOLATION"
    assert result_code(parse_xml(caught.value.data or "")) == "00003"


def test_request_nested_in_the_envelope_data_is_read(
    gbd_app: FastAPI, client: TestClient, context: ShepContext
) -> None:
    """The runtime hands over the element inside requestData/data, still attached to its envelope."""
    inner = to_text(build_request(ADULT_IIN))
    envelope = parse_xml(f"<requestData xmlns:x='urn:other'><data>{inner}</data></requestData>".encode())
    element = envelope[0][0]
    response = gbd_app.state.shep_handlers[SERVICE_ID](element, context)
    assert result_code(response) == "00000"


def test_handlers_bound_explicitly(gbd_app: FastAPI, client: TestClient, context: ShepContext) -> None:
    handlers = build_shep_handlers(gbd_app.state.uow_factory)
    assert result_code(handlers[SERVICE_ID](build_request(ABSENT_IIN), context)) == "00001"
