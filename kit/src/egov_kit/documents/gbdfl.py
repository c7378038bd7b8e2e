"""ГБД ФЛ's synchronous service ``GBDFL_UniversalServiceSync``: the client side of its body.

``contracts/gbdfl/gbdfl.xsd`` (namespace ``urn:egov-sandbox:gbdfl:v1``). A caller (the portal, РПН,
the CLI) asks for one person by ИИН and reads the answer once, here; the provider side (reading a
request, rendering an answer from the register) stays in gbd-fl-mock::

    reply = await client.send_sync(SERVICE_ID, build_request(iin, requestor_bin=bin, purpose=why))
    lookup = parse_response(reply.data)        # checked against the XSD first
    if lookup.result is LookupResult.FOUND: ...

messageResult codes: ``00000`` found (alive), ``00001`` not in the register, ``00002`` found and
deceased, ``00003`` invalid request (carried as the data of the named errors ``SCHEMA_VIOLATION`` /
``INVALID_IIN_BIN``). Not found and deceased are answers, never errors. The person read is a plain
:class:`~egov_kit.documents.records.Person` (also importable from here).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from lxml import etree

from egov_kit.documents import _xml as x
from egov_kit.documents.records import DECEASED_LIFE_STATUS as DECEASED_LIFE_STATUS
from egov_kit.documents.records import Address as Address
from egov_kit.documents.records import DictValue as DictValue
from egov_kit.documents.records import Document as Document
from egov_kit.documents.records import Person as Person
from egov_kit.shep.codes import SchemaViolation
from egov_kit.xml.contracts import Contract

NS = "urn:egov-sandbox:gbdfl:v1"
CONTRACT = Contract("gbdfl", NS)  # contracts/gbdfl/gbdfl.xsd
SERVICE_ID = "GBDFL_UniversalServiceSync"


class LookupResult(StrEnum):
    """What the register says about the requested ИИН (``messageResult/code``)."""

    FOUND = "FOUND"
    NOT_FOUND = "NOT_FOUND"
    DECEASED = "DECEASED"
    INVALID = "INVALID"


RESULT_CODES: dict[str, LookupResult] = {
    "00000": LookupResult.FOUND,
    "00001": LookupResult.NOT_FOUND,
    "00002": LookupResult.DECEASED,
    "00003": LookupResult.INVALID,
}
CODES: dict[LookupResult, str] = {result: code for code, result in RESULT_CODES.items()}
_WITH_PERSON = frozenset({LookupResult.FOUND, LookupResult.DECEASED})


@dataclass(frozen=True, slots=True)
class PersonLookup:
    """A read ``response``: ``person`` is set exactly when ``result`` is FOUND or DECEASED."""

    result: LookupResult
    code: str
    message_ru: str
    message_kk: str
    response_date: datetime
    person: Person | None = None
    request_number: str | None = None


def build_request(
    iin: str,
    *,
    request_number: str | None = None,
    requestor_bin: str | None = None,
    purpose: str | None = None,
) -> etree._Element:
    """A ``request`` element: one person by ИИН.

    Not checked here: the gateway and ГБД ФЛ judge the body (so a malformed ИИН can be sent on
    purpose to see their named errors).
    """
    root = x.root(CONTRACT, "request")
    x.add(root, CONTRACT, "requestNumber", request_number or str(uuid.uuid4()))
    x.add(root, CONTRACT, "iin", iin)
    x.add(root, CONTRACT, "requestorBin", requestor_bin)
    x.add(root, CONTRACT, "purpose", purpose)
    return root


def _date(parent: etree._Element, tag: str) -> date | None:
    value = x.text(parent, CONTRACT, tag)
    return x.read_date(value) if value else None


def _dict_value(parent: etree._Element, tag: str) -> DictValue | None:
    node = x.child(parent, CONTRACT, tag)
    if node is None:
        return None
    return DictValue(
        x.required_text(node, CONTRACT, "code"),
        x.required_text(node, CONTRACT, "nameRu"),
        x.required_text(node, CONTRACT, "nameKz"),
    )


def _required_dict_value(parent: etree._Element, tag: str) -> DictValue:
    value = _dict_value(parent, tag)
    if value is None:  # the XSD already guarantees it; kept for the type checker
        raise SchemaViolation(f"{CONTRACT.relative}: missing <{tag}>")
    return value


def _address(node: etree._Element) -> Address:
    street = x.child(node, CONTRACT, "street")
    full = x.required_child(node, CONTRACT, "fullAddress")
    return Address(
        region=_required_dict_value(node, "region"),
        locality=_required_dict_value(node, "city"),
        full_ru=x.required_text(full, CONTRACT, "nameRu"),
        full_kk=x.required_text(full, CONTRACT, "nameKz"),
        district=_dict_value(node, "district"),
        street_ru=x.text(street, CONTRACT, "nameRu") if street is not None else None,
        street_kk=x.text(street, CONTRACT, "nameKz") if street is not None else None,
        building=x.text(node, CONTRACT, "building"),
        flat=x.text(node, CONTRACT, "flat"),
        registration_date=_date(node, "registrationDate"),
    )


def _document(node: etree._Element) -> Document:
    return Document(
        type=_required_dict_value(node, "type"),
        number=x.required_text(node, CONTRACT, "number"),
        begin_date=x.read_date(x.required_text(node, CONTRACT, "beginDate")),
        valid_until=_date(node, "endDate"),
        status=_required_dict_value(node, "status"),
    )


def _person(node: etree._Element) -> Person:
    life = x.required_child(node, CONTRACT, "lifeStatus")
    reg = x.child(node, CONTRACT, "regAddress")
    documents = x.child(node, CONTRACT, "documents")
    return Person(
        iin=x.required_text(node, CONTRACT, "iin"),
        surname=x.required_text(node, CONTRACT, "surname"),
        name=x.required_text(node, CONTRACT, "name"),
        patronymic=x.text(node, CONTRACT, "patronymic"),
        birth_date=x.read_date(x.required_text(node, CONTRACT, "birthDate")),
        gender=_required_dict_value(node, "gender"),
        life_status=_required_dict_value(node, "lifeStatus"),
        death_date=_date(life, "deathDate"),
        address=_address(reg) if reg is not None else None,
        documents=(
            tuple(_document(item) for item in documents.iterchildren(CONTRACT.tag("document")))
            if documents is not None
            else ()
        ),
    )


def parse_response(element: etree._Element | None) -> PersonLookup:
    """Read a ``response`` (checked against the XSD first): the result and, when found, the person.

    A person whose lifeStatus is deceased is DECEASED whatever the code says. SCHEMA_VIOLATION when
    there is no answer, it breaks the XSD, its code is unknown, or the person is missing from a
    found/deceased answer (or present in another).
    """
    if element is None:
        raise SchemaViolation("ГБД ФЛ ответила без данных / ЖТ ММБ деректерсіз жауап берді")
    x.check(element, CONTRACT, "response", "Ответ ГБД ФЛ", "ЖТ ММБ жауабы")
    message = x.required_child(element, CONTRACT, "messageResult")
    code = x.required_text(message, CONTRACT, "code")
    result = RESULT_CODES.get(code)
    if result is None:
        raise SchemaViolation(
            f"ГБД ФЛ ответила неизвестным кодом {code} / ЖТ ММБ белгісіз {code} кодымен жауап берді"
        )
    node = element.find(f"{CONTRACT.tag('persons')}/{CONTRACT.tag('person')}")
    person = _person(node) if node is not None else None
    if (person is not None) != (result in _WITH_PERSON):
        held_ru, held_kk = ("без сведений", "жоқ") if person is None else ("со сведениями", "бар")
        raise SchemaViolation(
            f"Ответ ГБД ФЛ с кодом {code} {held_ru} о лице / "
            f"ЖТ ММБ-ның {code} кодты жауабында тұлға туралы мәліметтер {held_kk}"
        )
    if person is not None and person.deceased:
        result = LookupResult.DECEASED
    return PersonLookup(
        result=result,
        code=code,
        message_ru=x.required_text(message, CONTRACT, "messageRu"),
        message_kk=x.required_text(message, CONTRACT, "messageKz"),
        response_date=x.read_datetime(x.required_text(element, CONTRACT, "responseDate")),
        person=person,
        request_number=x.text(element, CONTRACT, "requestNumber"),
    )
