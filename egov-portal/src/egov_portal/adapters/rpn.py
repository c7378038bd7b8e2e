"""РПН through ШЭП: RPN_MedicalOrganizationsSync (``egov_kit.documents.rpn``) mapped to the portal's model."""

from __future__ import annotations

from egov_kit.documents import rpn
from lxml import etree

from egov_portal.domain.model import Organisation

SERVICE_ID = rpn.SERVICE_ID


def organisations_request(*, region_code: str | None, locality_code: str | None = None) -> etree._Element:
    return rpn.build_request(region_code=region_code, locality_code=locality_code)


def parse_organisations(element: etree._Element | None) -> list[Organisation]:
    """The answer's organisations; a missing or invalid answer raises (``SCHEMA_VIOLATION``, ValueError)."""
    if element is None:
        raise ValueError("РПН answered without data")
    return [
        Organisation(
            code=item.code,
            name_ru=item.name_ru,
            name_kk=item.name_kk,
            address_ru=item.address_ru,
            address_kk=item.address_kk,
            bin=item.bin,
            region_code=item.region_code,
            locality_code=item.locality_code,
        )
        for item in rpn.parse_response(element).organisations
    ]
