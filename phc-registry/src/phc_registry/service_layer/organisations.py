"""``RPN_MedicalOrganizationsSync``: the PHC organisations serving a region and/or a locality.

The portal shows them in the H1 form (seed 000 §10 process 3 is the portal's step; this answer only
feeds it). Organisations are matched by their sections: one with a section in the locality (or in
the region) is listed with all its sections.
"""

from __future__ import annotations

from egov_kit.documents import rpn
from egov_kit.shep.provider import ShepContext
from egov_kit.shep.provider_app import handler_span
from lxml import etree

from phc_registry.domain import seed
from phc_registry.domain.model import MedicalOrganisation

SERVICE_ID = rpn.SERVICE_ID


def organisation_info(organisation: MedicalOrganisation) -> rpn.OrganisationInfo:
    return rpn.OrganisationInfo(
        code=organisation.code,
        bin=organisation.bin,
        name_ru=organisation.name_ru,
        name_kk=organisation.name_kk,
        address_ru=organisation.address_ru,
        address_kk=organisation.address_kk,
        region_code=organisation.region,
        locality_code=organisation.locality.code,
        sections=tuple(
            rpn.SectionInfo(
                number=section.number,
                name_ru=section.name_ru,
                name_kk=section.name_kk,
                locality_code=section.locality.code,
                locality_ru=section.locality.name_ru,
                locality_kk=section.locality.name_kk,
                streets=section.streets,
            )
            for section in organisation.sections
        ),
    )


def medical_organisations(element: etree._Element, context: ShepContext) -> etree._Element:
    """Answer a request (region and/or locality code) with the organisations serving there."""
    with handler_span(f"{SERVICE_ID}: medical organisations", context, system="phc-registry") as current:
        request = rpn.parse_request(element)
        found = seed.organisations_serving(request.region_code, request.locality_code)
        current.set_attribute("egov.rpn.organisations", len(found))
        return rpn.build_response(request.request_number, [organisation_info(org) for org in found])
