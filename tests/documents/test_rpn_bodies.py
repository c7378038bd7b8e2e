"""egov_kit.documents.rpn: the bodies of RPN_MedicalOrganizationsSync."""

from __future__ import annotations

from datetime import datetime

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.documents import rpn
from egov_kit.shep import SchemaViolation

ORG = rpn.OrganisationInfo(
    code="ZHM-TRZ-01",
    bin="050240001112",
    name_ru="Городская поликлиника №1 г. Тараз",
    name_kk="Тараз қаласының №1 қалалық емханасы",
    address_ru="г. Тараз, ул. Толе би, 80",
    address_kk="Тараз қ., Төле би көшесі, 80",
    region_code="310000000",
    locality_code="311001000",
    sections=(
        rpn.SectionInfo(
            "1",
            "Терапевтический участок №1",
            "№1 терапиялық учаске",
            "311001000",
            "г. Тараз",
            "Тараз қ.",
            (rpn.Street("ул. Толе би", "Төле би көшесі"),),
        ),
        rpn.SectionInfo(
            "3",
            "Участок общей практики №3",
            "№3 жалпы практика учаскесі",
            "311001000",
            "г. Тараз",
            "Тараз қ.",
        ),
    ),
)


def test_request_round_trip() -> None:
    element = rpn.build_request(region_code="310000000", locality_code="311001000")
    parsed = rpn.parse_request(element)
    assert parsed.region_code == "310000000" and parsed.locality_code == "311001000"
    assert rpn.parse_request(rpn.build_request()).region_code is None


def test_request_with_a_bad_code_is_a_schema_violation() -> None:
    with pytest.raises(SchemaViolation):
        rpn.build_request(locality_code="Тараз")


def test_response_round_trip() -> None:
    moment = datetime(2025, 3, 3, 10, 0, tzinfo=KZ_TZ)
    element = rpn.build_response("3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11", [ORG], answered_at=moment)
    parsed = rpn.parse_response(element)
    assert parsed.organisations == (ORG,)
    assert parsed.response_date == moment
    empty = rpn.parse_response(rpn.build_response("3f1c2a54-9d2e-4b7a-9a51-0c3e8f6b2d11", []))
    assert empty.organisations == ()
