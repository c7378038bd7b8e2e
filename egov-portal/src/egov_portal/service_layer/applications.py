"""The portal's application pipeline, the same for every public service (H1, H2, H3 …).

* **process 3** — :meth:`Applications.create_draft`: the service's form module checks its form and
  builds the unsigned application inside the step's span; the pipeline keeps it as a draft (H1's own
  form: :meth:`Applications.draft`).
* **condition 2** — :meth:`Applications.submit`: the signed document must be the service's
  application, signed by the recipient (signature, certificate dates and revocation, ИИН of the
  request = ИИН of the certificate) and be the very draft the portal prepared;
* **process 4** — :meth:`Applications.refuse_at_condition_2`: refused with the reason;
* **process 5** — :meth:`Applications.send`: through ШЭП to the provider (the service's
  ``shep_service_id``, REQUEST);
* then the provider answers on the portal's own queue (:meth:`Applications.on_provider_message`):
  UPDATE (registered, with its number) and RESPONSE (the signed result, or the signed motivated
  refusal).

What differs per service is its :class:`~egov_portal.service_layer.documents.ServiceDocuments`
(``documents.register``); H1's is registered in ``documents.py``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from egov_kit.clock import now
from egov_kit.documents import h1
from egov_kit.errors import KitError
from egov_kit.pki import CertificateValidator
from egov_kit.shep.models import MessageType, new_message_id
from egov_kit.shep.provider import ShepContext
from egov_kit.xml import XmlError, parse_xml
from lxml import etree

from egov_portal.adapters import rpn
from egov_portal.adapters.shep import ShepPort
from egov_portal.domain import rules
from egov_portal.domain.errors import (
    ApplicationNotFound,
    ApplicationReplayed,
    FormInvalid,
    PortalError,
    SignedDocumentRejected,
)
from egov_portal.domain.model import (
    Application,
    ApplicationStatus,
    Organisation,
    Reason,
    Result,
    Session,
    StatusEvent,
    User,
)
from egov_portal.domain.refusals import condition_2_reason
from egov_portal.service_layer import documents
from egov_portal.service_layer.documents import ServiceDocuments
from egov_portal.service_layer.sync_requests import ask
from egov_portal.service_layer.tracing import (
    Steps,
    continued,
    current_traceparent,
    parent_carrier,
    portal_span,
)
from egov_portal.service_layer.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("egov_portal")

SERVICE_ID = h1.SERVICE_ID  # "H1"
SHEP_SERVICE_ID = h1.SHEP_SERVICE_ID  # "RPN_Attachment"


class DocumentMismatch(KitError):
    code = "DOCUMENT_MISMATCH"


@dataclass(frozen=True)
class DraftContent:
    """What a service's form (process 3) produced: the unsigned application and what the cabinet shows."""

    organisation: Organisation
    unsigned_xml: str
    details: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""


#: Builds a draft inside the process 3 span, given the applicationId the portal chose.
DraftBuilder = Callable[[str], Awaitable[DraftContent]]

#: A service's own handling of a provider message (e.g. the answer to H2's cancellation): True when
#: it took the message, False to let the pipeline handle it as an UPDATE or RESPONSE.
MessageHook = Callable[[Application, etree._Element, ShepContext], Awaitable[bool]]


@dataclass
class Applications:
    uow: UnitOfWorkFactory
    shep: Callable[[], ShepPort]
    validator: Callable[[], CertificateValidator]
    steps: Steps
    max_signed_bytes: int = 512 * 1024
    hooks: dict[str, MessageHook] = field(default_factory=dict)

    def steps_for(self, service_id: str) -> Steps:
        return self.steps.of(service_id)

    def add_message_hook(self, service_id: str, hook: MessageHook) -> None:
        """Let a service look at its provider's messages first (see :data:`MessageHook`)."""
        self.hooks[service_id] = hook

    # --- H1's form (process 3) --------------------------------------------------------------------
    async def organisations(self, user: User) -> list[Organisation]:
        """The PHC organisations of the recipient's region (ГБД ФЛ regAddress), from РПН through ШЭП."""
        region = user.person.region
        request = rpn.organisations_request(region_code=region.code if region else None)
        found = await ask(
            self.shep(),
            rpn.SERVICE_ID,
            request,
            rpn.parse_organisations,
            what="RPN_MedicalOrganizationsSync",
            unavailable=(
                "Список медицинских организаций временно недоступен (РПН через ШЭП): повторите позже",
                "Медициналық ұйымдар тізімі уақытша қолжетімсіз (БХТ ЭҮШ арқылы): кейінірек қайталаңыз",
            ),
        )
        if region is not None:
            found = [org for org in found if not org.region_code or org.region_code == region.code]
        return sorted(found, key=lambda org: org.name_ru)

    async def draft(
        self,
        user: User,
        session: Session,
        *,
        organisation_code: str | None,
        reason: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> Application:
        """H1's process 3: check the form, build the unsigned application and keep it as a draft."""

        async def build(application_id: str) -> DraftContent:
            checked_reason = rules.check_reason(reason)
            organisations = await self.organisations(user)
            code = rules.check_organisation_code(organisation_code, {org.code for org in organisations})
            organisation = next(org for org in organisations if org.code == code)
            element = build_application(
                h1.build_application,
                user,
                organisation_code=code,
                reason=checked_reason,
                application_id=application_id,
            )
            return DraftContent(organisation, h1.to_text(element), reason=checked_reason)

        return await self.create_draft(user, session, service_id=SERVICE_ID, build=build, headers=headers)

    # --- process 3: the draft of any service ------------------------------------------------------
    async def create_draft(
        self,
        user: User,
        session: Session,
        *,
        service_id: str,
        organisation: Organisation | None = None,
        unsigned_xml: str | None = None,
        details: Mapping[str, Any] | None = None,
        reason: str = "",
        build: DraftBuilder | None = None,
        application_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Application:
        """Process 3: keep the service's unsigned application as a draft, inside the step's span.

        Either give the ready ``organisation`` and ``unsigned_xml`` (built with ``application_id``), or
        a ``build`` coroutine that checks the form and builds them for the applicationId it is given
        (then the checks run inside the process 3 span too).
        """
        application_id = application_id or str(uuid.uuid4())
        carrier = parent_carrier(headers, session.traceparent)
        steps = self.steps_for(service_id)
        with continued(carrier), steps.step("process 3", application=application_id) as current:
            if build is not None:
                content = await build(application_id)
            elif organisation is not None and unsigned_xml is not None:
                content = DraftContent(organisation, unsigned_xml, details or {}, reason)
            else:
                raise ValueError("create_draft needs build, or organisation and unsigned_xml")
            current.set_attribute("egov.organisation.code", content.organisation.code)
            application = Application(
                application_id=application_id,
                service_id=service_id,
                user_iin=user.iin,
                status=ApplicationStatus.DRAFT,
                created_at=now(),
                organisation=content.organisation,
                reason=content.reason,
                unsigned_xml=content.unsigned_xml,
                traceparent=current_traceparent(),
                details={**dict(content.details), **dict(details or {})},
            )
            with self.uow() as uow:
                uow.applications.add(application)
            return application

    # --- condition 2, process 4, process 5 --------------------------------------------------------
    async def submit(
        self,
        user: User,
        session: Session,
        *,
        application_id: str,
        signed_xml: str | None,
        headers: Mapping[str, str] | None = None,
        service_id: str | None = None,
    ) -> Application:
        """Check the signed application (condition 2) and refuse it (process 4) or send it (process 5).

        ``service_id`` (the route's): the application must be of that service.
        """
        application = self.get(user, application_id, service_id=service_id)
        docs = documents.documents_for(application.service_id)
        carrier = parent_carrier(headers, application.traceparent, session.traceparent)
        with continued(carrier):
            if application.status != ApplicationStatus.DRAFT:
                raise replayed()
            element = self.read_signed(signed_xml, docs)
            posted_id = docs.application_id_of(element)
            if posted_id and posted_id != application_id:
                with self.uow() as uow:
                    other = uow.applications.get(posted_id)
                if other is not None and other.status != ApplicationStatus.DRAFT:
                    raise replayed()
            self.claim_draft(user, application_id)
            document = signed_xml or ""
            refusal = await self._condition_2(application, element, user, docs)
            if refusal is not None:
                return self.refuse_at_condition_2(application_id, document, refusal)
            return await self.send(application_id, document, element)

    def claim_draft(self, user: User, application_id: str) -> None:
        """DRAFT → SUBMITTED once: one winner among concurrent posts (else ``APPLICATION_REPLAYED``)."""
        with self.uow() as uow:
            claimed = uow.applications.claim(
                application_id,
                user.iin,
                from_status=ApplicationStatus.DRAFT.value,
                to_status=ApplicationStatus.SUBMITTED.value,
            )
        if not claimed:
            raise replayed()

    def read_signed(self, signed_xml: str | None, docs: ServiceDocuments) -> etree._Element:
        """The posted signed document as XML, and the service's application (else nothing is recorded)."""
        if not signed_xml or not signed_xml.strip():
            raise SignedDocumentRejected(
                "Подписанное заявление не получено: подпишите его в NCALayer (или `egov signer`)",
                "Қол қойылған өтініш алынбады: оған NCALayer-де (немесе `egov signer`) қол қойыңыз",
            )
        try:
            element = parse_xml(signed_xml.encode("utf-8"), max_bytes=self.max_signed_bytes)
        except XmlError as exc:
            raise SignedDocumentRejected(
                f"Подписанное заявление не читается как XML ({exc.code}): подпишите его заново",
                f"Қол қойылған өтініш XML ретінде оқылмайды ({exc.code}): оған қайта қол қойыңыз",
            ) from exc
        if not docs.is_application(element):
            raise SignedDocumentRejected(
                f"Получен не тот документ: ожидается подписанное заявление {docs.service_id} (application)",
                f"Басқа құжат алынды: қол қойылған {docs.service_id} өтініші (application) күтіледі",
            )
        return element

    async def _condition_2(
        self, application: Application, element: etree._Element, user: User, docs: ServiceDocuments
    ) -> Reason | None:
        steps = self.steps_for(application.service_id)
        with steps.step("condition 2", application=application.application_id) as current:
            try:
                identity = await docs.verify_signed(element, self.validator(), expected_iin=user.iin)
                prepared = parse_xml(application.unsigned_xml.encode("utf-8"))
                if not docs.same_request(prepared, element):
                    raise DocumentMismatch("the signed application is not the one the portal prepared")
            except KitError as exc:
                reason = condition_2_reason(
                    exc.code if exc.code != "SCHEMA_VIOLATION" else "DOCUMENT_MISMATCH"
                )
                current.set_attribute("egov.condition.result", "refused")
                current.set_attribute("egov.refusal.code", reason.code)
                return reason
            current.set_attribute("egov.condition.result", "passed")
            current.set_attribute("egov.signer.serial", identity.serial_hex)
            return None

    def refuse_at_condition_2(self, application_id: str, document: str, reason: Reason) -> Application:
        """Process 4: the application is refused at condition 2 with ``reason`` (recorded, final)."""
        service_id = self._service_of(application_id)
        with self.steps_for(service_id).step(
            "process 4", application=application_id, attributes={"egov.refusal.code": reason.code}
        ):

            def refuse(application: Application) -> None:
                application.signed_xml = document
                application.refusal = reason
                application.refusal_step = "condition 2"
                application.record(
                    StatusEvent(ApplicationStatus.REFUSED, now(), step="condition 2", reason=reason)
                )

            return self.mutate(application_id, refuse)

    async def send(self, application_id: str, document: str, element: etree._Element) -> Application:
        """Process 5: the signed application through ШЭП to the provider (REQUEST); ``sent`` or ``failed``."""
        service_id = self._service_of(application_id)
        docs = documents.documents_for(service_id)
        with self.steps_for(service_id).step("process 5", application=application_id) as current:
            message_id = new_message_id()
            current.set_attribute("shep.message_id", message_id)
            sent_at = now()

            def keep(application: Application) -> None:
                application.signed_xml = document
                application.message_id = message_id

            self.mutate(application_id, keep)
            try:
                await self.shep().send_async(
                    docs.shep_service_id, element, message_type=MessageType.REQUEST, message_id=message_id
                )
            except KitError as exc:
                log.warning("ШЭП did not accept application %s: %s", application_id, exc)
                current.set_attribute("egov.error.code", exc.code)
                failure = Reason(
                    exc.code,
                    f"ШЭП не принял запрос ({exc.code}): подайте заявление повторно позже",
                    f"ЭҮШ сұранысты қабылдамады ({exc.code}): өтінішті кейінірек қайта беріңіз",
                )

                def fail(application: Application) -> None:
                    application.record(
                        StatusEvent(
                            ApplicationStatus.FAILED,
                            now(),
                            step="process 5",
                            reason=failure,
                            message_id=message_id,
                        )
                    )

                return self.mutate(application_id, fail)

            def sent(application: Application) -> None:
                application.record(
                    StatusEvent(ApplicationStatus.SENT, sent_at, step="process 5", message_id=message_id)
                )

            return self.mutate(application_id, sent)

    def _service_of(self, application_id: str) -> str:
        with self.uow() as uow:
            application = uow.applications.get(application_id)
        if application is None:
            raise ApplicationNotFound("Заявление не найдено", "Өтініш табылмады")
        return application.service_id

    def mutate(self, application_id: str, change: Callable[[Application], None]) -> Application:
        """Read, change and save in one unit of work (no await in between: no lost update)."""
        with self.uow() as uow:
            application = uow.applications.get(application_id)
            if application is None:
                raise ApplicationNotFound("Заявление не найдено", "Өтініш табылмады")
            change(application)
            uow.applications.save(application)
            return application

    # --- personal cabinet -------------------------------------------------------------------------
    def get(self, user: User, application_id: str, *, service_id: str | None = None) -> Application:
        return application_of(self.uow, user, application_id, service_id=service_id)

    def list(self, user: User) -> list[Application]:
        with self.uow() as uow:
            return uow.applications.for_user(user.iin)

    # --- UPDATE and RESPONSE from the providers (the portal's async queue) ------------------------
    async def on_provider_message(self, element: etree._Element, context: ShepContext) -> None:
        """Async handler of every registered service's ШЭП serviceId: UPDATE or RESPONSE.

        Runs in the trace context the message carried (AMQP headers); every span it opens names the
        application (``egov.application``).
        """
        candidates = documents.for_shep_service(context.service_id) or documents.registered()
        application = self._find(element, context, candidates)
        if application is None:
            log.warning(
                "%s %s %s matches no application (correlationId %s)",
                context.service_id,
                context.message_type,
                context.message_id,
                context.correlation_id,
            )
            return
        docs = documents.documents_for(application.service_id)
        hook = self.hooks.get(application.service_id)
        if hook is not None and await hook(application, element, context):
            return
        attributes = {
            "egov.application": application.application_id,
            "egov.application.traceparent": application.traceparent,
            "shep.message_id": context.message_id,
            "shep.message_type": context.message_type,
        }
        kind = docs.classify(element)
        if kind == "status":
            title = f"{docs.shep_service_id} UPDATE (registered) into the personal cabinet"
            with portal_span(
                title,
                service_id=application.service_id,
                application=application.application_id,
                attributes=attributes,
            ):
                self._on_status(application.application_id, element, context, docs)
        elif kind in ("result", "refusal"):
            await self._on_result(application, element, context, attributes, docs)
        else:
            log.warning("%s %s carries an unexpected %s", context.service_id, context.message_id, element.tag)

    # H1's name for the same handler (kept for its callers)
    on_attachment_message = on_provider_message

    def _find(
        self, element: etree._Element, context: ShepContext, candidates: Sequence[ServiceDocuments]
    ) -> Application | None:
        with self.uow() as uow:
            if context.correlation_id:
                found = uow.applications.by_message_id(context.correlation_id)
                if found is not None:
                    return found
            for docs in candidates:
                application_id = docs.application_id_of(element)
                if application_id:
                    application = uow.applications.get(application_id)
                    if application is not None and application.service_id == docs.service_id:
                        return application
            return None

    def _on_status(
        self, application_id: str, element: etree._Element, context: ShepContext, docs: ServiceDocuments
    ) -> None:
        try:
            status = docs.status_update(element)
        except KitError as exc:
            log.warning("unreadable status for %s: %s", application_id, exc)
            return

        def registered(application: Application) -> None:
            if status.details:
                application.details.update(dict(status.details))
            if status.status == "REGISTERED":
                seen = any(
                    event.status == ApplicationStatus.REGISTERED
                    and event.number == status.registration_number
                    for event in application.history
                )
                if not seen:
                    application.record(
                        StatusEvent(
                            ApplicationStatus.REGISTERED,
                            status.at,
                            step="process 6",
                            number=status.registration_number,
                            message_id=context.message_id,
                        )
                    )
            else:
                application.registration_number = status.registration_number

        self.mutate(application_id, registered)

    async def _on_result(
        self,
        application: Application,
        element: etree._Element,
        context: ShepContext,
        attributes: dict[str, Any],
        docs: ServiceDocuments,
    ) -> None:
        kind = docs.result_kind(element)
        is_result = docs.classify(element) == "result"
        # Processes 7 and 8 are the provider's (their spans run there); the portal records what arrived.
        manager = portal_span(
            f"{docs.shep_service_id} RESPONSE ({kind.value}) into the personal cabinet",
            service_id=application.service_id,
            application=application.application_id,
            attributes=attributes,
        )
        with manager as current:
            try:
                fields = docs.result_fields(element)
            except KitError as exc:
                log.warning("unreadable %s for %s: %s", kind.value, application.application_id, exc)
                fields = {"document": kind.value, "unreadable": exc.code}
            valid, error, signer = await self._check_issued(element, application, fields, docs)
            current.set_attribute("egov.result.kind", kind.value)
            current.set_attribute("egov.result.signature_valid", valid)
            result = Result(
                kind=kind,
                xml=h1.to_bytes(element).decode("utf-8"),
                received_at=now(),
                fields=fields,
                signature_valid=valid,
                signature_error=error,
                signer=signer,
            )
            number = fields.get("registration_number")
            refusal: Reason | None = None
            if is_result:
                event = StatusEvent(
                    ApplicationStatus.DONE,
                    now(),
                    step="process 8",
                    number=str(number) if number else None,
                    message_id=context.message_id,
                )
            else:
                refusal = Reason(
                    str(fields.get("ground_code") or "REFUSED"),
                    str(fields.get("ground_ru") or "Мотивированный отказ"),
                    str(fields.get("ground_kk") or "Дәлелді бас тарту"),
                )
                event = StatusEvent(
                    ApplicationStatus.REFUSED,
                    now(),
                    step="process 7",
                    number=str(number) if number else None,
                    reason=refusal,
                    message_id=context.message_id,
                )

            def store(current_app: Application) -> None:
                current_app.result = result
                if refusal is not None:
                    current_app.refusal = refusal
                    current_app.refusal_step = "process 7"
                current_app.record(event)

            self.mutate(application.application_id, store)

    async def _check_issued(
        self,
        element: etree._Element,
        application: Application,
        fields: Mapping[str, Any],
        docs: ServiceDocuments,
    ) -> tuple[bool, str | None, str | None]:
        """The result document's own signature, certificate and signer (``verify_issued``)."""
        try:
            identity = await docs.verify_issued(element, self.validator())
        except KitError as exc:
            return False, exc.code, None
        signer = f"{identity.common_name}" + (f", БИН {identity.bin}" if identity.bin else "")
        recipient = fields.get("recipient_iin")
        if recipient and recipient != application.user_iin:
            return False, "RECIPIENT_MISMATCH", signer
        linked = fields.get("application_id")
        if linked and linked != application.application_id:
            return False, "APPLICATION_MISMATCH", signer
        return True, None, signer


def form_invalid(exc: KitError) -> FormInvalid:
    """A built document that breaks its schema: the form is refused, nothing is stored."""
    return FormInvalid(
        f"Заявление не соответствует формату: {exc.message}",
        f"Өтініш пішімге сәйкес емес: {exc.message}",
        code="FORM_INVALID",
    )


def build_application(build: Callable[..., etree._Element], user: User, **fields: Any) -> etree._Element:
    """Process 3: a service's unsigned portal application of ``user`` (``build`` is the kit module's
    ``build_application``; the recipient block is the user's); a schema error is FORM_INVALID."""
    person = user.person
    recipient = h1.Recipient(
        iin=user.iin,
        surname=person.surname,
        name=person.name,
        patronymic=person.patronymic,
        phone=user.phone,
    )
    try:
        return build(recipient=recipient, channel="portal", **fields)
    except KitError as exc:
        raise form_invalid(exc) from exc


def application_of(
    uow_factory: UnitOfWorkFactory, user: User, application_id: str, *, service_id: str | None = None
) -> Application:
    """The user's own application (of ``service_id`` when given), else ``APPLICATION_NOT_FOUND``."""
    with uow_factory() as uow:
        application = uow.applications.get(application_id) if len(application_id) <= 64 else None
    if (
        application is None
        or application.user_iin != user.iin
        or (service_id is not None and application.service_id != service_id)
    ):
        raise ApplicationNotFound(
            "Заявление не найдено в вашем личном кабинете", "Өтініш жеке кабинетіңізде табылмады"
        )
    return application


def replayed() -> PortalError:
    """APPLICATION_REPLAYED: the application was already submitted (any service's pipeline)."""
    return ApplicationReplayed(
        "Это заявление уже подано: повторная отправка того же заявления не принимается",
        "Бұл өтініш бұрын берілген: сол өтінішті қайта жіберу қабылданбайды",
    )
