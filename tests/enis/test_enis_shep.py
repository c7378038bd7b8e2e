"""ENIS_PowerOfAttorneySync: distinct answers, disclosure, named errors, XSD conformance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.errors import KitError
from egov_kit.shep.provider import ShepContext
from egov_kit.xml import parse_xml
from enis_mock.adapters.xml_body import NS, build_request, schema
from enis_mock.domain.test_powers_of_attorney import (
    EXPIRED_NUMBER,
    LIMITED_SCOPE_NUMBER,
    MISSING_NUMBER,
    OTHER_PERSON_IIN,
    PRINCIPAL_IIN,
    REPRESENTATIVE_IIN,
    REVOKED_NUMBER,
    VALID_NUMBER,
)
from enis_mock.entrypoints.shep import build_shep_handlers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree

SERVICE_ID = "ENIS_PowerOfAttorneySync"


def q(path: str) -> str:
    return "/".join(f"{{{NS}}}{part}" for part in path.split("/"))


@pytest.fixture
def ask(enis_app: FastAPI, client: TestClient, context: ShepContext):
    handler = enis_app.state.shep_handlers[SERVICE_ID]

    def _ask(
        number: str, principal: str = PRINCIPAL_IIN, representative: str = REPRESENTATIVE_IIN, **extra: Any
    ):
        request = build_request(number, principal, representative, **extra)
        assert schema().validate(request), schema().error_log
        response = handler(request, context)
        assert schema().validate(response), schema().error_log
        return response

    return _ask


def code(response: etree._Element) -> str | None:
    return response.findtext(q("result/code"))


def test_handlers_map_the_service_id(enis_app: FastAPI, client: TestClient) -> None:
    assert set(enis_app.state.shep_handlers) == {SERVICE_ID}


def test_valid(ask) -> None:
    response = ask(VALID_NUMBER)
    assert code(response) == "VALID"
    assert response.findtext(q("result/messageRu")) == "Доверенность действительна"
    assert response.findtext(q("result/messageKz")) == "Сенімхат жарамды"
    assert response.findtext(q("powerOfAttorney/number")) == VALID_NUMBER
    assert response.findtext(q("powerOfAttorney/principalIin")) == PRINCIPAL_IIN
    assert response.findtext(q("powerOfAttorney/notary/officeId")) == "750214491019"
    assert response.find(q("powerOfAttorney/scope/allServices")) is not None
    assert response.findtext(q("powerOfAttorney/status/code")) == "1"
    assert response.find(q("powerOfAttorney/revocationDate")) is None


def test_missing(ask) -> None:
    response = ask(MISSING_NUMBER)
    assert code(response) == "MISSING"
    assert response.find(q("powerOfAttorney")) is None


def test_expired(ask) -> None:
    response = ask(EXPIRED_NUMBER)
    assert code(response) == "EXPIRED"
    assert response.findtext(q("powerOfAttorney/validUntil")) == "2022-01-31"
    assert response.findtext(q("powerOfAttorney/status/code")) == "2"


def test_revoked(ask) -> None:
    response = ask(REVOKED_NUMBER)
    assert code(response) == "REVOKED"
    assert response.findtext(q("powerOfAttorney/status/code")) == "3"
    assert response.findtext(q("powerOfAttorney/revocationDate")) == "2024-09-10T11:30:00+05:00"


def test_mismatch_discloses_nothing(ask) -> None:
    for principal, representative in (
        (PRINCIPAL_IIN, OTHER_PERSON_IIN),
        (OTHER_PERSON_IIN, REPRESENTATIVE_IIN),
        (REPRESENTATIVE_IIN, PRINCIPAL_IIN),
    ):
        response = ask(VALID_NUMBER, principal, representative)
        assert code(response) == "MISMATCH"
        assert response.find(q("powerOfAttorney")) is None


def test_scope(ask) -> None:
    assert code(ask(LIMITED_SCOPE_NUMBER, service_code="RSHEP_S9")) == "VALID"
    outside = ask(LIMITED_SCOPE_NUMBER, service_code="RSHEP_S1")
    assert code(outside) == "OUT_OF_SCOPE"
    assert [e.text for e in outside.findall(q("powerOfAttorney/scope/serviceCode"))] == [
        "RSHEP_S9",
        "RSHEP_S10",
    ]
    assert code(ask(VALID_NUMBER, service_code="RSHEP_S1")) == "VALID"


def test_answers_are_distinct(ask) -> None:
    answers = {
        code(ask(VALID_NUMBER)),
        code(ask(MISSING_NUMBER)),
        code(ask(EXPIRED_NUMBER)),
        code(ask(REVOKED_NUMBER)),
        code(ask(VALID_NUMBER, PRINCIPAL_IIN, OTHER_PERSON_IIN)),
        code(ask(LIMITED_SCOPE_NUMBER, service_code="RSHEP_S1")),
    }
    assert answers == {"VALID", "MISSING", "EXPIRED", "REVOKED", "MISMATCH", "OUT_OF_SCOPE"}


def test_validity_follows_the_clock(ask, at_moment) -> None:
    at_moment(datetime(2035, 1, 15, 9, 0, tzinfo=KZ_TZ))
    assert code(ask(VALID_NUMBER)) == "EXPIRED"
    at_moment(datetime(2024, 6, 1, 9, 0, tzinfo=KZ_TZ))
    response = ask(REVOKED_NUMBER)  # before its revocation
    assert code(response) == "VALID"
    assert response.find(q("powerOfAttorney/revocationDate")) is None


def test_invalid_iin_is_a_named_error(enis_app: FastAPI, client: TestClient, context: ShepContext) -> None:
    bad = REPRESENTATIVE_IIN[:11] + str((int(REPRESENTATIVE_IIN[11]) + 1) % 10)
    with pytest.raises(KitError) as caught:
        enis_app.state.shep_handlers[SERVICE_ID](build_request(VALID_NUMBER, PRINCIPAL_IIN, bad), context)
    assert caught.value.code == "INVALID_IIN_BIN"


@pytest.mark.parametrize(
    "body",
    [
        f'<request xmlns="{NS}"><powerOfAttorneyNumber>X</powerOfAttorneyNumber></request>',
        f'<request xmlns="{NS}"><requestNumber>6f1c3f0e-3c1a-4d5e-9b7a-0123456789ab</requestNumber>'
        f"<powerOfAttorneyNumber>{VALID_NUMBER}</powerOfAttorneyNumber><principalIin>{PRINCIPAL_IIN}</principalIin>"
        "<representativeIin>abc</representativeIin></request>",
        '<request xmlns="urn:other"><requestNumber>6f1c3f0e-3c1a-4d5e-9b7a-0123456789ab</requestNumber>'
        "</request>",
    ],
)
def test_schema_violations_are_named_errors(
    enis_app: FastAPI, client: TestClient, context: ShepContext, body: str
) -> None:
    with pytest.raises(KitError) as caught:
        enis_app.state.shep_handlers[SERVICE_ID](parse_xml(body.encode()), context)
    assert caught.value.code == "SCHEMA_VIOLATION"


def test_handlers_bound_to_the_apps_database(
    enis_app: FastAPI, client: TestClient, context: ShepContext
) -> None:
    response = enis_app.state.shep_handlers[SERVICE_ID](
        build_request(VALID_NUMBER, PRINCIPAL_IIN, REPRESENTATIVE_IIN), context
    )
    assert code(response) == "VALID"
    bound = build_shep_handlers(enis_app.state.uow_factory)
    assert (
        code(bound[SERVICE_ID](build_request(MISSING_NUMBER, PRINCIPAL_IIN, REPRESENTATIVE_IIN), context))
        == "MISSING"
    )
