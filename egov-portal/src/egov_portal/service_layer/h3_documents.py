"""H3's documents in the portal's pipeline (``PHC_SanatoriumCard``, ``egov_kit.documents.h3``).

The application signed by the recipient (EDS branch of condition 2, as H1) or by the portal itself
(the one-time password branch, ``h3_applications``); РПН's status (UPDATE, with ``registeredFor`` and
``dueAt`` of seed 004 item 7, kept in the application's details); the card 069/у (process 8) and the
motivated refusal (process 7), both signed by the organisation's authorised person.
"""

from __future__ import annotations

from typing import Any

from egov_kit.documents import h3
from egov_kit.errors import KitError
from egov_kit.pki import CertificateIdentity, CertificateValidator
from lxml import etree

from egov_portal.domain.model import ResultKind
from egov_portal.service_layer.documents import KitServiceDocuments, register


class H3Documents(KitServiceDocuments):
    def __init__(self) -> None:
        super().__init__(h3, result="card", result_kind=ResultKind.CARD, result_fields=h3.card_fields)

    async def verify_signed(
        self, element: etree._Element, validator: CertificateValidator, *, expected_iin: str
    ) -> CertificateIdentity:
        """The EDS branch only: an application to confirm by one-time password is not signed here."""
        if element.findtext(h3.tag("confirmation")) != "eds":
            raise KitError("an application to confirm by one-time password", code="DOCUMENT_MISMATCH")
        return await super().verify_signed(element, validator, expected_iin=expected_iin)

    def status_details(self, status: Any) -> dict[str, Any]:
        return {
            "registeredFor": status.registered_for.isoformat(),
            "dueAt": status.due_at.isoformat(),
        }


register(H3Documents())
