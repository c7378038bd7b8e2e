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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
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


# --- the shared implementation over a kit documents module ------------------------------------------
class KitServiceDocuments:
    """A service whose documents are a kit module shaped like ``egov_kit.documents.h1``.

    The module gives ``SERVICE_ID``, ``SHEP_SERVICE_ID``, ``tag``, ``parse_application``,
    ``verify_signed``, ``parse_status``, ``verify_issued`` and the names ``application``, ``status``,
    ``refusal``; the process 8 result is named ``result`` (``talon``, ``appointment``, ``card``). The
    motivated refusal (process 7) is ``refusals``' refusal document (the module's own by default).
    A service adds what is its own by overriding :meth:`status_details` (or any other method).
    """

    def __init__(
        self,
        module: ModuleType,
        *,
        result: str,
        result_kind: ResultKind,
        result_fields: Callable[[etree._Element], dict[str, Any]],
        refusals: ModuleType | None = None,
    ) -> None:
        self.module = module
        self.refusals = refusals or module
        self.service_id: str = module.SERVICE_ID
        self.shep_service_id: str = module.SHEP_SERVICE_ID
        self.result = result
        self.kind = result_kind
        self.fields_of_result = result_fields

    def _is(self, element: etree._Element, name: str, module: ModuleType | None = None) -> bool:
        return bool(element.tag == (module or self.module).tag(name))

    def is_application(self, element: etree._Element) -> bool:
        return self._is(element, "application")

    def application_id_of(self, element: etree._Element) -> str | None:
        found: str | None = element.findtext(self.module.tag("applicationId"))
        return found or element.findtext(self.refusals.tag("applicationId"))

    def same_request(self, prepared: etree._Element, signed: etree._Element) -> bool:
        parse = self.module.parse_application
        return bool(parse(prepared).same_request(parse(signed)))

    async def verify_signed(
        self, element: etree._Element, validator: CertificateValidator, *, expected_iin: str
    ) -> CertificateIdentity:
        identity: CertificateIdentity = await self.module.verify_signed(
            element, validator, expected_iin=expected_iin
        )
        return identity

    def classify(self, element: etree._Element) -> DocumentClass | None:
        if self._is(element, "status"):
            return "status"
        if self._is(element, self.result):
            return "result"
        if self._is(element, "refusal", self.refusals):
            return "refusal"
        return None

    def status_details(self, status: Any) -> dict[str, Any]:
        """What a service keeps of its status document beside status, number and message."""
        return {}

    def status_update(self, element: etree._Element) -> StatusUpdate:
        status = self.module.parse_status(element)
        return StatusUpdate(
            status.status,
            status.registration_number,
            status.status_at,
            status.message.ru,
            status.message.kk,
            self.status_details(status),
        )

    def result_kind(self, element: etree._Element) -> ResultKind:
        return self.kind if self._is(element, self.result) else ResultKind.REFUSAL

    def result_fields(self, element: etree._Element) -> dict[str, Any]:
        if self._is(element, self.result):
            return self.fields_of_result(element)
        fields: dict[str, Any] = self.refusals.refusal_fields(element)
        return fields

    async def verify_issued(
        self, element: etree._Element, validator: CertificateValidator
    ) -> CertificateIdentity:
        identity: CertificateIdentity = await self.module.verify_issued(element, validator)
        return identity


# --- H1 «Прикрепление к медицинской организации, оказывающей ПМСП» ----------------------------------
# H1: the application, status, talon and refusal of ``egov_kit.documents.h1`` (RPN_Attachment).
register(KitServiceDocuments(h1, result="talon", result_kind=ResultKind.TALON, result_fields=h1.talon_fields))
