"""``RPN_MedicalOrganizationsSync``: the PHC organisations serving a region and/or a locality.

The portal shows them in the H1 form (seed 000 §10 process 3 is the portal's step; this answer only
feeds it). Organisations are matched by their sections: one with a section in the locality (or in
the region) is listed with all its sections.

Asked with ``recipientIin`` (the H2 and H3 forms: a recipient is served by the organisation they are
attached to), the answer holds only the organisation of that person's ACTIVE attachment, with its
section and date (still within the region/locality when those are given), or no organisation.
"""

from __future__ import annotations

from dataclasses import replace

from egov_kit.documents import rpn
from egov_kit.shep.provider import ShepContext
from egov_kit.shep.provider_app import handler_span
from lxml import etree

from phc_registry.domain import seed
from phc_registry.domain.model import MedicalOrganisation
from phc_registry.service_layer.unit_of_work import UnitOfWorkFactory

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


def medical_organisations(
    element: etree._Element, context: ShepContext, *, uow_factory: UnitOfWorkFactory | None = None
) -> etree._Element:
    """Answer a request (region and/or locality code; or a person) with the organisations serving there."""
    with handler_span(f"{SERVICE_ID}: medical organisations", context, system="phc-registry") as current:
        request = rpn.parse_request(element)
        found = seed.organisations_serving(request.region_code, request.locality_code)
        if request.recipient_iin is None:
            infos = [organisation_info(org) for org in found]
        else:
            if uow_factory is None:
                raise RuntimeError("recipientIin needs the register's database")
            infos = attached_organisation(uow_factory, request.recipient_iin, found)
            current.set_attribute("egov.rpn.attached", bool(infos))
        current.set_attribute("egov.rpn.organisations", len(infos))
        return rpn.build_response(request.request_number, infos)


def attached_organisation(
    uow_factory: UnitOfWorkFactory, iin: str, among: list[MedicalOrganisation]
) -> list[rpn.OrganisationInfo]:
    """The organisation of the person's active attachment (if it is ``among``), with section and date."""
    with uow_factory() as uow:
        active = uow.attachments.history(iin).active
    if active is None:
        return []
    organisation = next((org for org in among if org.code == active.organisation), None)
    if organisation is None:
        return []
    return [
        replace(
            organisation_info(organisation),
            attached_section=active.section,
            attached_from=active.attached_from,
        )
    ]
