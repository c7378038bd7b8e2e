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
from egov_portal.service_layer.documents import DocumentClass, StatusUpdate, register


class H3Documents:
    service_id = h3.SERVICE_ID
    shep_service_id = h3.SHEP_SERVICE_ID

    def is_application(self, element: etree._Element) -> bool:
        return element.tag == h3.tag("application")

    def application_id_of(self, element: etree._Element) -> str | None:
        return element.findtext(h3.tag("applicationId"))

    def same_request(self, prepared: etree._Element, signed: etree._Element) -> bool:
        return h3.parse_application(prepared).same_request(h3.parse_application(signed))

    async def verify_signed(
        self, element: etree._Element, validator: CertificateValidator, *, expected_iin: str
    ) -> CertificateIdentity:
        """The EDS branch only: an application to confirm by one-time password is not signed here."""
        if element.findtext(h3.tag("confirmation")) != "eds":
            raise KitError("an application to confirm by one-time password", code="DOCUMENT_MISMATCH")
        return await h3.verify_signed(element, validator, expected_iin=expected_iin)

    def classify(self, element: etree._Element) -> DocumentClass | None:
        name = h3.root_name(element)
        if name == "status":
            return "status"
        if name == "card":
            return "result"
        if name == "refusal":
            return "refusal"
        return None

    def status_update(self, element: etree._Element) -> StatusUpdate:
        status = h3.parse_status(element)
        return StatusUpdate(
            status.status,
            status.registration_number,
            status.status_at,
            status.message.ru,
            status.message.kk,
            details={
                "registeredFor": status.registered_for.isoformat(),
                "dueAt": status.due_at.isoformat(),
            },
        )

    def result_kind(self, element: etree._Element) -> ResultKind:
        return ResultKind.CARD if h3.root_name(element) == "card" else ResultKind.REFUSAL

    def result_fields(self, element: etree._Element) -> dict[str, Any]:
        if h3.root_name(element) == "card":
            return h3.card_fields(element)
        return h3.refusal_fields(element)

    async def verify_issued(
        self, element: etree._Element, validator: CertificateValidator
    ) -> CertificateIdentity:
        return await h3.verify_issued(element, validator)


register(H3Documents())
