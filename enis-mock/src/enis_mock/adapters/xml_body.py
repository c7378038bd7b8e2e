"""XML mapping of the ENIS_PowerOfAttorneySync body (contracts/enis/enis.xsd)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from egov_kit.identifiers import InvalidIdentifier, validate_iin
from egov_kit.xml.contracts import Contract
from lxml import etree

from enis_mock.domain.model import PowerOfAttorney, Verdict
from enis_mock.domain.results import MESSAGES, status_at

CONTRACT = Contract("enis", "urn:egov-sandbox:enis:v1")  # contracts/enis/enis.xsd
NS = CONTRACT.namespace
schema = CONTRACT.schema  # compiled once
_q = CONTRACT.tag


@dataclass(frozen=True, slots=True)
class PowerOfAttorneyRequest:
    request_number: str
    number: str
    principal_iin: str
    representative_iin: str
    service_code: str | None = None


def to_text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


def parse_request(element: etree._Element) -> PowerOfAttorneyRequest:
    """Read a ``request``: named errors SCHEMA_VIOLATION and INVALID_IIN_BIN otherwise."""
    CONTRACT.check_request(element)
    request = PowerOfAttorneyRequest(
        request_number=element.findtext(_q("requestNumber")) or "",
        number=element.findtext(_q("powerOfAttorneyNumber")) or "",
        principal_iin=element.findtext(_q("principalIin")) or "",
        representative_iin=element.findtext(_q("representativeIin")) or "",
        service_code=element.findtext(_q("serviceCode")),
    )
    for role_ru, role_kz, iin in (
        ("доверителя", "сенім білдірушінің", request.principal_iin),
        ("представителя", "өкілдің", request.representative_iin),
    ):
        try:
            validate_iin(iin)
        except InvalidIdentifier as exc:
            raise InvalidIdentifier(
                f"ИИН {role_ru} {iin} некорректен / {role_kz} ЖСН {iin} дұрыс емес"
            ) from exc
    return request


def build_request(
    number: str,
    principal_iin: str,
    representative_iin: str,
    *,
    service_code: str | None = None,
    request_number: str | None = None,
) -> etree._Element:
    """A ``request`` element, as a caller (iis-gk, a provider) sends it."""
    root = etree.Element(_q("request"), nsmap={None: NS})  # type: ignore[dict-item]
    etree.SubElement(root, _q("requestNumber")).text = request_number or str(uuid.uuid4())
    etree.SubElement(root, _q("powerOfAttorneyNumber")).text = number
    etree.SubElement(root, _q("principalIin")).text = principal_iin
    etree.SubElement(root, _q("representativeIin")).text = representative_iin
    if service_code is not None:
        etree.SubElement(root, _q("serviceCode")).text = service_code
    return root


def _text(parent: etree._Element, tag: str, value: str | None) -> None:
    if value is not None:
        etree.SubElement(parent, _q(tag)).text = value


def render_response(
    request_number: str | None,
    verdict: Verdict,
    power: PowerOfAttorney | None,
    answered_at: datetime,
) -> etree._Element:
    """A ``response``; ``power`` is rendered only when given (the caller decides disclosure)."""
    root = etree.Element(_q("response"), nsmap={None: NS})  # type: ignore[dict-item]
    if request_number:
        _text(root, "requestNumber", request_number)
    _text(root, "responseDate", answered_at.isoformat(timespec="seconds"))
    message = MESSAGES[verdict]
    result = etree.SubElement(root, _q("result"))
    _text(result, "code", message.code)
    _text(result, "messageRu", message.message_ru)
    _text(result, "messageKz", message.message_kz)
    if power is not None:
        node = etree.SubElement(root, _q("powerOfAttorney"))
        _text(node, "number", power.number)
        _text(node, "principalIin", power.principal_iin)
        _text(node, "representativeIin", power.representative_iin)
        notary = etree.SubElement(node, _q("notary"))
        _text(notary, "fullName", power.notary.full_name)
        _text(notary, "licenceNumber", power.notary.licence_number)
        _text(notary, "officeId", power.notary.office_id)
        _text(node, "issueDate", power.issue_date.isoformat())
        _text(node, "validUntil", power.valid_until.isoformat())
        scope = etree.SubElement(node, _q("scope"))
        if power.covers_all_services:
            etree.SubElement(scope, _q("allServices"))
        else:
            for code in power.scope:
                _text(scope, "serviceCode", code)
        _text(scope, "description", power.scope_text)
        status = status_at(power, answered_at)
        status_node = etree.SubElement(node, _q("status"))
        _text(status_node, "code", status.code)
        _text(status_node, "nameRu", status.name_ru)
        _text(status_node, "nameKz", status.name_kz)
        if power.revoked_at is not None and power.is_revoked_at(answered_at):
            _text(node, "revocationDate", power.revoked_at.isoformat(timespec="seconds"))
    return root
