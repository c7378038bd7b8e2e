"""Where the recipient is attached: РПН through ШЭП (``RPN_MedicalOrganizationsSync`` + ``recipientIin``).

H2 and H3 are served by the PHC organisation the recipient is actively attached to; their forms
(process 3) ask РПН for it. РПН answers with exactly that organisation, or with none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from egov_portal.adapters import rpn
from egov_portal.adapters.shep import ShepPort
from egov_portal.domain.model import Organisation, User
from egov_portal.service_layer.sync_requests import ask


@dataclass(frozen=True)
class Attachment:
    """The recipient's active attachment as РПН tells it."""

    organisation: Organisation
    section: str | None = None
    attached_from: date | None = None


async def attachment_of(shep: ShepPort, user: User) -> Attachment | None:
    """The recipient's active attachment (None: attached nowhere); ``EXTERNAL_UNAVAILABLE`` on failure."""
    request = rpn.organisations_request(region_code=None, recipient_iin=user.iin)
    found = await ask(
        shep,
        rpn.SERVICE_ID,
        request,
        rpn.parse_attachment,
        what="RPN_MedicalOrganizationsSync (recipientIin)",
        unavailable=(
            "Сведения о прикреплении временно недоступны (РПН через ШЭП): повторите позже",
            "Бекіту туралы мәліметтер уақытша қолжетімсіз (БХТ ЭҮШ арқылы): кейінірек қайталаңыз",
        ),
    )
    if found is None:
        return None
    organisation, section, since = found
    return Attachment(organisation, section, since)


async def attached_organisation(shep: ShepPort, user: User) -> Organisation | None:
    """The organisation where the recipient is actively attached, or None."""
    found = await attachment_of(shep, user)
    return None if found is None else found.organisation
