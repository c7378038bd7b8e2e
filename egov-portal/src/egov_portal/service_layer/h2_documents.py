"""H2 «Запись на прием к врачу»: its documents for the portal's pipeline (``RPN_Appointment``).

The application, the status (UPDATE: registered; BOOKED / CANCELLED), the appointment (process 8,
signed by the organisation's authorised person) of ``egov_kit.documents.h2``; the motivated refusal
(process 7) is H1's refusal document with H2's grounds.
"""

from __future__ import annotations

from typing import Any

from egov_kit.documents import h1, h2

from egov_portal.domain.model import ResultKind
from egov_portal.service_layer.documents import KitServiceDocuments, register


class H2Documents(KitServiceDocuments):
    def __init__(self) -> None:
        super().__init__(
            h2,
            result="appointment",
            result_kind=ResultKind.APPOINTMENT,
            result_fields=h2.appointment_fields,
            refusals=h1,  # the refusal is H1's document (its namespace)
        )

    def status_details(self, status: Any) -> dict[str, Any]:
        return {"bookingNumber": status.booking_number} if status.booking_number else {}


register(H2Documents())
