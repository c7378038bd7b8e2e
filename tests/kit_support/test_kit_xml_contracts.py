"""egov_kit.xml.contracts: locate contracts/<name>/<file>.xsd, compile once, validate a standalone copy."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from egov_kit.shep.codes import SchemaViolation
from egov_kit.shep.schemas import SchemaUnavailable, repo_root
from egov_kit.xml import parse_xml
from egov_kit.xml.contracts import Contract, clear_cache, contract_path, load_contract, validate_against
from lxml import etree

NS = "urn:kit-support:contracts:v1"
XSD = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{NS}"
    xmlns="{NS}" elementFormDefault="qualified">
  <xs:element name="request">
    <xs:complexType><xs:sequence>
      <xs:element name="number" type="xs:positiveInteger"/>
      <xs:element name="note" type="xs:string" minOccurs="0"/>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>""".encode()

ENIS = Contract("enis", "urn:egov-sandbox:enis:v1")


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(parse_xml(XSD))


def request(number: str, *, extra: str = "") -> etree._Element:
    return parse_xml(f'<request xmlns="{NS}"><number>{number}</number>{extra}</request>'.encode())


def test_contract_path_is_found_from_the_checkout_root() -> None:
    root = repo_root()
    assert root is not None
    assert contract_path("gbdfl") == root / "contracts" / "gbdfl" / "gbdfl.xsd"
    assert contract_path("shep", "sync.xsd") == root / "contracts" / "shep" / "sync.xsd"


def test_a_missing_contract_is_a_deployment_error() -> None:
    with pytest.raises(SchemaUnavailable, match="no-such-contract"):
        contract_path("no-such-contract")


def test_a_contract_is_compiled_once() -> None:
    clear_cache()
    first = load_contract("enis")
    assert load_contract("enis") is first
    assert ENIS.schema() is first
    clear_cache()
    assert load_contract("enis") is not first


def test_a_valid_document_passes(schema: etree.XMLSchema) -> None:
    validate_against(request("42"), schema, root=f"{{{NS}}}request")


def test_an_invalid_document_raises_schema_violation_with_libxml2s_message(schema: etree.XMLSchema) -> None:
    with pytest.raises(SchemaViolation) as caught:
        validate_against(request("-1"), schema)
    assert caught.value.code == "SCHEMA_VIOLATION"
    assert "number" in caught.value.message and "positiveInteger" in caught.value.message
    assert "(line 1)" in caught.value.message


def test_an_unexpected_root_is_named(schema: etree.XMLSchema) -> None:
    with pytest.raises(SchemaViolation, match=f"expected {{{NS}}}response, got {{{NS}}}request"):
        validate_against(request("42"), schema, root=f"{{{NS}}}response")


def test_an_element_inside_a_larger_document_is_judged_on_its_own(schema: etree.XMLSchema) -> None:
    inside = f'<r:request xmlns:r="{NS}"><r:number>7</r:number></r:request>'
    envelope = parse_xml(f"<envelope><data>{inside}</data></envelope>".encode())
    inner = envelope.find(f"data/{{{NS}}}request")
    assert inner is not None
    validate_against(inner, schema, root=f"{{{NS}}}request")
    assert inner.getparent() is not None  # the caller's tree is left as it was


def test_concurrent_validations_report_their_own_errors(schema: etree.XMLSchema) -> None:
    barrier = threading.Barrier(8)

    def check(i: int) -> str | None:
        barrier.wait()
        try:
            validate_against(request(str(i) if i % 2 else f"bad{i}"), schema)
        except SchemaViolation as exc:
            return exc.message
        return None

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(check, range(8)))
    for i, outcome in enumerate(outcomes):
        if i % 2:
            assert outcome is None
        else:
            assert outcome is not None and f"bad{i}" in outcome


def test_contract_names_itself_and_its_tags() -> None:
    assert ENIS.relative == "contracts/enis/enis.xsd"
    assert Contract("shep", "urn:x", "sync.xsd").relative == "contracts/shep/sync.xsd"
    assert ENIS.tag("request") == "{urn:egov-sandbox:enis:v1}request"
    assert ENIS.path() == contract_path("enis")


def test_check_request_is_bilingual_and_builds_its_answer_only_on_failure() -> None:
    built: list[str] = []

    def answer() -> str:
        built.append("answer")
        return "<answer/>"

    good = parse_xml(
        b'<request xmlns="urn:egov-sandbox:enis:v1">'
        b"<requestNumber>0f8fad5b-d9cb-469f-a165-70867728950e</requestNumber>"
        b"<powerOfAttorneyNumber>POA-2024-000001</powerOfAttorneyNumber>"
        b"<principalIin>880412300017</principalIin><representativeIin>900101400011</representativeIin>"
        b"</request>"
    )
    ENIS.check_request(good, answer=answer)
    assert built == []

    with pytest.raises(SchemaViolation) as caught:
        ENIS.check_request(parse_xml(b'<request xmlns="urn:egov-sandbox:enis:v1"/>'), answer=answer)
    assert built == ["answer"]
    assert caught.value.data == "<answer/>"
    message = caught.value.message
    assert message.startswith("Запрос не соответствует схеме contracts/enis/enis.xsd / ")
    assert "Сұрау contracts/enis/enis.xsd сызбасына сәйкес емес: " in message
    assert "requestNumber" in message


def test_check_request_without_an_answer_carries_no_data() -> None:
    with pytest.raises(SchemaViolation, match="expected") as caught:
        ENIS.check_request(parse_xml(b'<response xmlns="urn:egov-sandbox:enis:v1"/>'))
    assert caught.value.data is None
