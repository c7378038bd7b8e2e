"""H2 «Запись на прием к врачу»: its documents for the portal's pipeline (``RPN_Appointment``).

The application, the status (UPDATE: registered; BOOKED / CANCELLED), the appointment (process 8,
signed by the organisation's authorised person) of ``egov_kit.documents.h2``; the motivated refusal
(process 7) is H1's refusal document with H2's grounds.
"""

from __future__ import annotations

from typing import Any

from egov_kit.documents import h1, h2
from egov_kit.pki import CertificateIdentity, CertificateValidator
from lxml import etree

from egov_portal.domain.model import ResultKind
from egov_portal.service_layer.documents import DocumentClass, StatusUpdate, register


class H2Documents:
    service_id = h2.SERVICE_ID
    shep_service_id = h2.SHEP_SERVICE_ID

    def is_application(self, element: etree._Element) -> bool:
        return element.tag == h2.tag("application")

    def application_id_of(self, element: etree._Element) -> str | None:
        # the refusal is H1's document (its namespace)
        return element.findtext(h2.tag("applicationId")) or element.findtext(h1.tag("applicationId"))

    def same_request(self, prepared: etree._Element, signed: etree._Element) -> bool:
        return h2.parse_application(prepared).same_request(h2.parse_application(signed))

    async def verify_signed(
        self, element: etree._Element, validator: CertificateValidator, *, expected_iin: str
    ) -> CertificateIdentity:
        return await h2.verify_signed(element, validator, expected_iin=expected_iin)

    def classify(self, element: etree._Element) -> DocumentClass | None:
        if element.tag == h2.tag("status"):
            return "status"
        if element.tag == h2.tag("appointment"):
            return "result"
        if element.tag == h1.tag("refusal"):
            return "refusal"
        return None

    def status_update(self, element: etree._Element) -> StatusUpdate:
        status = h2.parse_status(element)
        details = {"bookingNumber": status.booking_number} if status.booking_number else {}
        return StatusUpdate(
            status.status,
            status.registration_number,
            status.status_at,
            status.message.ru,
            status.message.kk,
            details,
        )

    def result_kind(self, element: etree._Element) -> ResultKind:
        return ResultKind.APPOINTMENT if element.tag == h2.tag("appointment") else ResultKind.REFUSAL

    def result_fields(self, element: etree._Element) -> dict[str, Any]:
        if element.tag == h2.tag("appointment"):
            return h2.appointment_fields(element)
        return h1.refusal_fields(element)

    async def verify_issued(
        self, element: etree._Element, validator: CertificateValidator
    ) -> CertificateIdentity:
        return await h2.verify_issued(element, validator)


register(H2Documents())
