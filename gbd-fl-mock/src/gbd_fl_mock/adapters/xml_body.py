"""XML mapping of the GBDFL_UniversalServiceSync body (contracts/gbdfl/gbdfl.xsd).

Requests arrive as elements already parsed by ``egov_kit.xml.parse_xml`` (the provider runtime
does that); here they are checked against our XSD and read, and answers are built. The client side
(building a request, reading an answer) is the kit's :mod:`egov_kit.documents.gbdfl`;
``build_request`` is re-exported from there for the tests and tools that import it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from egov_kit.clock import now
from egov_kit.documents.gbdfl import CONTRACT as CONTRACT
from egov_kit.documents.gbdfl import NS as NS
from egov_kit.documents.gbdfl import build_request as build_request
from egov_kit.identifiers import InvalidIdentifier, is_valid, validate_iin
from lxml import etree

from gbd_fl_mock.domain import dictionaries as d
from gbd_fl_mock.domain import geography as geo
from gbd_fl_mock.domain.model import Person
from gbd_fl_mock.domain.results import MESSAGES, LookupResult

schema = CONTRACT.schema  # compiled once
_q = CONTRACT.tag


@dataclass(frozen=True, slots=True)
class PersonRequest:
    request_number: str
    iin: str
    requestor_bin: str | None = None
    purpose: str | None = None


def parse_request(element: etree._Element) -> PersonRequest:
    """Read a ``request``; named errors SCHEMA_VIOLATION and INVALID_IIN_BIN carry a 00003 answer."""
    CONTRACT.check_request(
        element,
        answer=lambda: to_text(render_response(None, LookupResult.INVALID_REQUEST, None, today=None)),
    )
    request_number = element.findtext(_q("requestNumber")) or ""
    iin = element.findtext(_q("iin")) or ""
    requestor_bin = element.findtext(_q("requestorBin"))
    invalid = render_response(request_number, LookupResult.INVALID_REQUEST, None, today=None)
    try:
        validate_iin(iin)
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(
            f"ИИН {iin} некорректен (контрольный разряд) / ЖСН {iin} дұрыс емес (бақылау разряды)",
            data=to_text(invalid),
        ) from exc
    if requestor_bin is not None and not is_valid(requestor_bin):
        raise InvalidIdentifier(
            f"БИН запрашивающей организации {requestor_bin} некорректен / "
            f"Сұрау салушы ұйымның БСН {requestor_bin} дұрыс емес",
            data=to_text(invalid),
        )
    return PersonRequest(request_number, iin, requestor_bin, element.findtext(_q("purpose")))


def to_text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


# -- response --------------------------------------------------------------------------------------
def _text(parent: etree._Element, tag: str, value: str | None) -> None:
    if value is not None:
        etree.SubElement(parent, _q(tag)).text = value


def _dict_value(parent: etree._Element, tag: str, value: d.DictValue) -> etree._Element:
    node = etree.SubElement(parent, _q(tag))
    _text(node, "code", value.code)
    _text(node, "nameRu", value.name_ru)
    _text(node, "nameKz", value.name_kz)
    return node


def _bilingual(parent: etree._Element, tag: str, name_ru: str, name_kz: str) -> None:
    node = etree.SubElement(parent, _q(tag))
    _text(node, "nameRu", name_ru)
    _text(node, "nameKz", name_kz)


def _date(parent: etree._Element, tag: str, value: date | None) -> None:
    if value is not None:
        _text(parent, tag, value.isoformat())


def render_person(parent: etree._Element, person: Person, today: date) -> etree._Element:
    node = etree.SubElement(parent, _q("person"))
    _text(node, "iin", person.iin)
    _text(node, "surname", person.surname)
    _text(node, "name", person.name)
    _text(node, "patronymic", person.patronymic)
    _date(node, "birthDate", person.birth_date)
    _dict_value(node, "gender", d.GENDERS[person.gender])
    _dict_value(node, "nationality", d.NATIONALITIES[person.nationality])
    _dict_value(node, "citizenship", d.COUNTRIES[person.citizenship])
    life = _dict_value(node, "lifeStatus", d.LIFE_STATUSES[person.life_status])
    _date(life, "deathDate", person.death_date)
    _dict_value(node, "capableStatus", d.CAPABLE_STATUSES[person.capable_status_on(today)])
    if person.disability is not None:
        disability = etree.SubElement(node, _q("disability"))
        _dict_value(disability, "group", d.DISABILITY_GROUPS[person.disability.group])
        _date(disability, "beginDate", person.disability.begin_date)
        _date(disability, "endDate", person.disability.end_date)

    birth = etree.SubElement(node, _q("birthPlace"))
    _dict_value(birth, "country", d.COUNTRIES[person.birth_place.country])
    if person.birth_place.region is not None:
        _dict_value(birth, "region", geo.REGION_DICTIONARY[person.birth_place.region])
    if person.birth_place.locality is not None:
        _dict_value(birth, "city", geo.LOCALITY_DICTIONARY[person.birth_place.locality])

    address = person.reg_address
    if address is not None:
        place = address.place
        reg = etree.SubElement(node, _q("regAddress"))
        _dict_value(reg, "country", d.COUNTRIES[d.KAZAKHSTAN])
        _dict_value(reg, "region", geo.REGIONS[place.region].value)
        if place.district is not None:
            _dict_value(reg, "district", geo.DISTRICTS[place.district].value)
        _dict_value(reg, "city", place.value)
        if address.street_ru and address.street_kz:
            _bilingual(reg, "street", address.street_ru, address.street_kz)
        _text(reg, "building", address.building)
        _text(reg, "flat", address.flat)
        _bilingual(reg, "fullAddress", address.full_ru(), address.full_kz())
        _date(reg, "registrationDate", address.registration_date)

    if person.documents:
        documents = etree.SubElement(node, _q("documents"))
        for document in person.documents:
            doc = etree.SubElement(documents, _q("document"))
            _dict_value(doc, "type", d.DOCUMENT_TYPES[document.type])
            _text(doc, "number", document.number)
            _date(doc, "beginDate", document.begin_date)
            _date(doc, "endDate", document.end_date)
            _dict_value(doc, "issueOrganization", d.ISSUERS[document.issuer])
            _dict_value(doc, "status", d.DOCUMENT_STATUSES[document.status_on(today)])
    return node


def render_response(
    request_number: str | None,
    result: LookupResult,
    person: Person | None,
    *,
    today: date | None,
    answered_at: datetime | None = None,
) -> etree._Element:
    """A ``response``: messageResult and, when found (alive or deceased), the person."""
    moment = answered_at or now()
    root = etree.Element(_q("response"), nsmap={None: NS})  # type: ignore[dict-item]
    if request_number:
        _text(root, "requestNumber", request_number)
    _text(root, "responseDate", moment.isoformat(timespec="seconds"))
    message = MESSAGES[result]
    result_node = etree.SubElement(root, _q("messageResult"))
    _text(result_node, "code", message.code)
    _text(result_node, "messageRu", message.message_ru)
    _text(result_node, "messageKz", message.message_kz)
    if person is not None:
        persons = etree.SubElement(root, _q("persons"))
        render_person(persons, person, today or moment.date())
    return root
