"""РПН's synchronous service ``RPN_MedicalOrganizationsSync``: medical organisations serving a place.

``contracts/rpn/organizations.xsd`` (namespace ``urn:egov-sandbox:rpn:organizations:v1``). The
portal asks with a region and/or a locality code (ГБД ФЛ's codes, as in a person's regAddress) and
gets the PHC organisations with their territorial sections, for the H1 form (seed 000 §10 process 3)::

    reply = await client.send_sync(SERVICE_ID, build_request(locality_code="311001000"))
    organisations = parse_response(reply.data).organisations

Asked with ``recipient_iin`` (the H2 and H3 forms), РПН answers with only the organisation where that
person is actively attached (``attached_section``, ``attached_from`` set), or with none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from egov_kit.clock import now
from egov_kit.documents import _common as common
from egov_kit.documents import _xml as x
from egov_kit.documents.records import Street as Street
from egov_kit.xml.contracts import Contract

NS = "urn:egov-sandbox:rpn:organizations:v1"
CONTRACT = Contract("rpn", NS, "organizations.xsd")
SERVICE_ID = "RPN_MedicalOrganizationsSync"


@dataclass(frozen=True, slots=True)
class SectionInfo:
    """A territorial section: it serves one locality, all of it (no streets) or the listed streets."""

    number: str
    name_ru: str
    name_kk: str
    locality_code: str
    locality_ru: str
    locality_kk: str
    streets: tuple[Street, ...] = ()


@dataclass(frozen=True, slots=True)
class OrganisationInfo:
    code: str
    bin: str
    name_ru: str
    name_kk: str
    address_ru: str
    address_kk: str
    region_code: str
    locality_code: str
    sections: tuple[SectionInfo, ...]
    attached_section: str | None = None  # asked with recipientIin: the person's section here
    attached_from: date | None = None  # … and since when


@dataclass(frozen=True, slots=True)
class OrganisationsRequest:
    request_number: str
    region_code: str | None = None
    locality_code: str | None = None
    recipient_iin: str | None = None


@dataclass(frozen=True, slots=True)
class OrganisationsResponse:
    request_number: str
    response_date: datetime
    organisations: tuple[OrganisationInfo, ...]


def build_request(
    *,
    region_code: str | None = None,
    locality_code: str | None = None,
    recipient_iin: str | None = None,
    request_number: str | None = None,
) -> etree._Element:
    """The request; ``recipient_iin`` asks for the organisation of that person's active attachment."""
    root = x.root(CONTRACT, "request")
    x.add(root, CONTRACT, "requestNumber", request_number or str(uuid.uuid4()))
    x.add(root, CONTRACT, "regionCode", region_code)
    x.add(root, CONTRACT, "localityCode", locality_code)
    x.add(root, CONTRACT, "recipientIin", recipient_iin)
    x.check(root, CONTRACT, "request", "Запрос", "Сұрау")
    return root


def parse_request(element: etree._Element) -> OrganisationsRequest:
    x.check(element, CONTRACT, "request", "Запрос", "Сұрау")
    return OrganisationsRequest(
        request_number=x.required_text(element, CONTRACT, "requestNumber"),
        region_code=x.text(element, CONTRACT, "regionCode"),
        locality_code=x.text(element, CONTRACT, "localityCode"),
        recipient_iin=x.text(element, CONTRACT, "recipientIin"),
    )


def build_response(
    request_number: str, organisations: Iterable[OrganisationInfo], *, answered_at: datetime | None = None
) -> etree._Element:
    root = x.root(CONTRACT, "response")
    x.add(root, CONTRACT, "requestNumber", request_number)
    x.add(root, CONTRACT, "responseDate", x.xs_datetime(answered_at or now()))
    holder = x.node(root, CONTRACT, "organisations")
    for organisation in organisations:
        item = x.node(holder, CONTRACT, "organisation")
        common.write_organisation_body(item, CONTRACT, organisation)
        x.add(item, CONTRACT, "regionCode", organisation.region_code)
        x.add(item, CONTRACT, "localityCode", organisation.locality_code)
        sections = x.node(item, CONTRACT, "sections")
        for section in organisation.sections:
            node = x.node(sections, CONTRACT, "section")
            x.add(node, CONTRACT, "number", section.number)
            x.add(node, CONTRACT, "nameRu", section.name_ru)
            x.add(node, CONTRACT, "nameKk", section.name_kk)
            x.add(node, CONTRACT, "localityCode", section.locality_code)
            x.add(node, CONTRACT, "localityRu", section.locality_ru)
            x.add(node, CONTRACT, "localityKk", section.locality_kk)
            if section.streets:
                streets = x.node(node, CONTRACT, "streets")
                for street in section.streets:
                    street_node = x.node(streets, CONTRACT, "street")
                    x.add(street_node, CONTRACT, "nameRu", street.name_ru)
                    x.add(street_node, CONTRACT, "nameKk", street.name_kk)
        x.add(item, CONTRACT, "attachedSection", organisation.attached_section)
        attached_from = organisation.attached_from
        x.add(item, CONTRACT, "attachedFrom", attached_from.isoformat() if attached_from else None)
    x.check(root, CONTRACT, "response", "Ответ", "Жауап")
    return root


def _section(node: etree._Element) -> SectionInfo:
    streets_node = x.child(node, CONTRACT, "streets")
    streets: tuple[Street, ...] = ()
    if streets_node is not None:
        streets = tuple(
            Street(x.required_text(item, CONTRACT, "nameRu"), x.required_text(item, CONTRACT, "nameKk"))
            for item in streets_node.iterchildren(CONTRACT.tag("street"))
        )
    return SectionInfo(
        number=x.required_text(node, CONTRACT, "number"),
        name_ru=x.required_text(node, CONTRACT, "nameRu"),
        name_kk=x.required_text(node, CONTRACT, "nameKk"),
        locality_code=x.required_text(node, CONTRACT, "localityCode"),
        locality_ru=x.required_text(node, CONTRACT, "localityRu"),
        locality_kk=x.required_text(node, CONTRACT, "localityKk"),
        streets=streets,
    )


def parse_response(element: etree._Element) -> OrganisationsResponse:
    x.check(element, CONTRACT, "response", "Ответ", "Жауап")
    holder = x.required_child(element, CONTRACT, "organisations")
    organisations = []
    for item in holder.iterchildren(CONTRACT.tag("organisation")):
        sections = x.required_child(item, CONTRACT, "sections")
        organisations.append(
            OrganisationInfo(
                **common.read_organisation_body(item, CONTRACT),
                region_code=x.required_text(item, CONTRACT, "regionCode"),
                locality_code=x.required_text(item, CONTRACT, "localityCode"),
                sections=tuple(_section(node) for node in sections.iterchildren(CONTRACT.tag("section"))),
                attached_section=x.text(item, CONTRACT, "attachedSection"),
                attached_from=x.read_date(attached)
                if (attached := x.text(item, CONTRACT, "attachedFrom"))
                else None,
            )
        )
    return OrganisationsResponse(
        request_number=x.required_text(element, CONTRACT, "requestNumber"),
        response_date=x.read_datetime(x.required_text(element, CONTRACT, "responseDate")),
        organisations=tuple(organisations),
    )
