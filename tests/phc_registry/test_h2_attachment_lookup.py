"""``RPN_MedicalOrganizationsSync`` asked with ``recipientIin``: the organisation of the person's ACTIVE
attachment (with section and date), or none — what the portal's H2 and H3 forms show.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from egov_kit.documents import rpn
from phc_registry.entrypoints import shep
from phc_registry.service_layer import organisations
from phc_registry.service_layer.runtime import PhcRuntime

from tests.phc_registry.conftest import context


async def ask(runtime: PhcRuntime, **request: str) -> rpn.OrganisationsResponse:
    handler = shep.all_sync_handlers(runtime)[rpn.SERVICE_ID]
    answer = await asyncio.to_thread(handler, rpn.build_request(**request), context())  # type: ignore[arg-type]
    return rpn.parse_response(answer)


async def test_the_organisation_of_the_active_attachment(runtime: PhcRuntime) -> None:
    found = await ask(runtime, recipient_iin="541130390295")  # the pensioner: KRD-01 once, SHU-01 now
    [organisation] = found.organisations
    assert organisation.code == "ZHM-SHU-01"
    assert (organisation.attached_section, organisation.attached_from) == ("1", date(2005, 3, 1))
    assert [section.number for section in organisation.sections] == ["1", "2"]


async def test_a_person_attached_nowhere_gets_no_organisation(runtime: PhcRuntime) -> None:
    assert (await ask(runtime, recipient_iin="150601590223")).organisations == ()  # the minor
    assert (await ask(runtime, recipient_iin="900101390508")).organisations == ()  # absent from ГБД ФЛ


async def test_the_region_still_narrows_the_answer(runtime: PhcRuntime) -> None:
    assert (await ask(runtime, recipient_iin="790923490082", region_code="630000000")).organisations[
        0
    ].code == ("VKO-UKG-03")
    assert (await ask(runtime, recipient_iin="790923490082", region_code="310000000")).organisations == ()


async def test_without_recipient_iin_the_answer_lists_no_attachment(runtime: PhcRuntime) -> None:
    everything = await ask(runtime, region_code="630000000")
    assert [org.code for org in everything.organisations] == ["VKO-UKG-03", "VKO-RDR-01"]
    assert all(org.attached_section is None and org.attached_from is None for org in everything.organisations)


def test_the_person_lookup_needs_the_database() -> None:
    with pytest.raises(RuntimeError, match="database"):
        organisations.medical_organisations(rpn.build_request(recipient_iin="541130390295"), context())
