"""The per-service documents seam of the portal's application pipeline.

The pipeline (:mod:`egov_portal.service_layer.applications`) carries out condition 2, process 4,
process 5 and takes in the provider's UPDATE and RESPONSE for every public service alike; what
differs per service — which XML is the application, how its signature and the provider's result are
checked, what the cabinet shows of a result — is a :class:`ServiceDocuments`, registered once with
:func:`register` (H1 here; H2 in ``h2_documents.py``; H3 in ``h3_documents.py``).

A service module registers at import::

    register(MyServiceDocuments())

and the portal's ШЭП consumer serves the ``shep_service_id`` of every registered service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from egov_kit.documents import h1
from egov_kit.pki import CertificateIdentity, CertificateValidator
from lxml import etree

from egov_portal.domain.model import ResultKind

DocumentClass = Literal["status", "result", "refusal"]


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's status document (UPDATE, or a status answer) as the pipeline needs it.

    ``status`` is the provider's own word (``REGISTERED``, ``BOOKED``, ``CANCELLED``, ``ISSUED`` …):
    the pipeline records ``REGISTERED`` as process 6 and keeps the number of any other; ``details``
    are merged into the application's ``details`` (e.g. H3's ``registeredFor``/``dueAt``).
    """

    status: str
    registration_number: str
    at: datetime
    message_ru: str = ""
    message_kk: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


class ServiceDocuments(Protocol):
    """What the pipeline needs to know of one public service's documents."""

    service_id: str  # "H1" | "H2" | "H3"
    shep_service_id: str  # "RPN_Attachment" | "RPN_Appointment" | "PHC_SanatoriumCard"

    def is_application(self, element: etree._Element) -> bool:
        """Whether ``element`` is this service's application document (the signed request)."""
        ...

    def application_id_of(self, element: etree._Element) -> str | None:
        """The ``applicationId`` a document of this service names (application, status, result)."""
        ...

    def same_request(self, prepared: etree._Element, signed: etree._Element) -> bool:
        """The signed document is the draft the portal prepared (the signature aside); may raise KitError."""
        ...

    async def verify_signed(
        self, element: etree._Element, validator: CertificateValidator, *, expected_iin: str
    ) -> CertificateIdentity:
        """Condition 2: signature, certificate (dates, revocation), the signer's ИИН; else KitError."""
        ...

    def classify(self, element: etree._Element) -> DocumentClass | None:
        """``status`` (UPDATE), ``result`` (process 8), ``refusal`` (process 7), or None (not ours)."""
        ...

    def status_update(self, element: etree._Element) -> StatusUpdate:
        """Read a ``status`` document (KitError when it breaks the schema)."""
        ...

    def result_kind(self, element: etree._Element) -> ResultKind:
        """The kind of a ``result`` or ``refusal`` document."""
        ...

    def result_fields(self, element: etree._Element) -> dict[str, Any]:
        """A result or refusal as a flat dict for the cabinet (keys like h1.talon_fields)."""
        ...

    async def verify_issued(
        self, element: etree._Element, validator: CertificateValidator
    ) -> CertificateIdentity:
        """The result's own signature: the provider organisation's authorised person (KitError otherwise)."""
        ...


_REGISTERED: dict[str, ServiceDocuments] = {}


def register(documents: ServiceDocuments) -> None:
    """Make a service's documents known to the pipeline (its applications and its ШЭП answers)."""
    _REGISTERED[documents.service_id] = documents


def documents_for(service_id: str) -> ServiceDocuments:
    """The registered documents of ``service_id`` (``LookupError`` when none)."""
    found = _REGISTERED.get(service_id)
    if found is None:
        raise LookupError(f"no documents registered for service {service_id}")
    return found


def is_registered(service_id: str) -> bool:
    return service_id in _REGISTERED


def registered() -> list[ServiceDocuments]:
    return list(_REGISTERED.values())


def for_shep_service(shep_service_id: str) -> list[ServiceDocuments]:
    """The services carried by one ШЭП serviceId (normally one)."""
    return [docs for docs in _REGISTERED.values() if docs.shep_service_id == shep_service_id]


# --- H1 «Прикрепление к медицинской организации, оказывающей ПМСП» ----------------------------------
class H1Documents:
    """H1: the application, status, talon and refusal of ``egov_kit.documents.h1`` (RPN_Attachment)."""

    service_id = h1.SERVICE_ID
    shep_service_id = h1.SHEP_SERVICE_ID

    def is_application(self, element: etree._Element) -> bool:
        return element.tag == h1.tag("application")

    def application_id_of(self, element: etree._Element) -> str | None:
        return element.findtext(h1.tag("applicationId"))

    def same_request(self, prepared: etree._Element, signed: etree._Element) -> bool:
        return h1.parse_application(prepared).same_request(h1.parse_application(signed))

    async def verify_signed(
        self, element: etree._Element, validator: CertificateValidator, *, expected_iin: str
    ) -> CertificateIdentity:
        return await h1.verify_signed(element, validator, expected_iin=expected_iin)

    def classify(self, element: etree._Element) -> DocumentClass | None:
        if element.tag == h1.tag("status"):
            return "status"
        if element.tag == h1.tag("talon"):
            return "result"
        if element.tag == h1.tag("refusal"):
            return "refusal"
        return None

    def status_update(self, element: etree._Element) -> StatusUpdate:
        status = h1.parse_status(element)
        return StatusUpdate(
            status.status,
            status.registration_number,
            status.status_at,
            status.message.ru,
            status.message.kk,
        )

    def result_kind(self, element: etree._Element) -> ResultKind:
        return ResultKind.TALON if element.tag == h1.tag("talon") else ResultKind.REFUSAL

    def result_fields(self, element: etree._Element) -> dict[str, Any]:
        if element.tag == h1.tag("talon"):
            return h1.talon_fields(element)
        return h1.refusal_fields(element)

    async def verify_issued(
        self, element: etree._Element, validator: CertificateValidator
    ) -> CertificateIdentity:
        return await h1.verify_issued(element, validator)


register(H1Documents())
