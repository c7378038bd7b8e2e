"""РПН through ШЭП: RPN_MedicalOrganizationsSync (``egov_kit.documents.rpn``) mapped to the portal's model."""

from __future__ import annotations

from datetime import date

from egov_kit.documents import rpn
from lxml import etree

from egov_portal.domain.model import Organisation

SERVICE_ID = rpn.SERVICE_ID


def organisations_request(
    *, region_code: str | None, locality_code: str | None = None, recipient_iin: str | None = None
) -> etree._Element:
    return rpn.build_request(
        region_code=region_code, locality_code=locality_code, recipient_iin=recipient_iin
    )


def parse_attachment(element: etree._Element | None) -> tuple[Organisation, str | None, date | None] | None:
    """The answer to a ``recipientIin`` request: the organisation, the section and the date, or None."""
    if element is None:
        raise ValueError("РПН answered without data")
    found = rpn.parse_response(element).organisations
    if not found:
        return None
    item = found[0]
    return _organisation(item), item.attached_section, item.attached_from


def parse_organisations(element: etree._Element | None) -> list[Organisation]:
    """The answer's organisations; a missing or invalid answer raises (``SCHEMA_VIOLATION``, ValueError)."""
    if element is None:
        raise ValueError("РПН answered without data")
    return [_organisation(item) for item in rpn.parse_response(element).organisations]


def _organisation(item: rpn.OrganisationInfo) -> Organisation:
    return Organisation(
        code=item.code,
        name_ru=item.name_ru,
        name_kk=item.name_kk,
        address_ru=item.address_ru,
        address_kk=item.address_kk,
        bin=item.bin,
        region_code=item.region_code,
        locality_code=item.locality_code,
    )
