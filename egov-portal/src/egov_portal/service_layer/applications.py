"""H1 through the portal: the form (process 3), condition 2, process 4, process 5, and the answers.

The recipient fills in the form; the portal builds the unsigned application
(``egov_kit.documents.h1.build_application``) and keeps it as a draft. The signed document posted
back goes through condition 2 (signature, certificate dates and revocation, ИИН of the request =
ИИН of the certificate, and the document is the very draft the portal prepared); a failure is
process 4, recorded with its reason. Otherwise process 5 sends it through ШЭП
(``RPN_Attachment``, REQUEST). РПН answers on the portal's own queue: UPDATE (registered, with its
number) and RESPONSE (the signed talon, or the signed motivated refusal).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
    ExternalUnavailable,
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
    ResultKind,
    Session,
    StatusEvent,
    User,
)
from egov_portal.domain.refusals import condition_2_reason
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


@dataclass
class Applications:
    uow: UnitOfWorkFactory
    shep: Callable[[], ShepPort]
    validator: Callable[[], CertificateValidator]
    steps: Steps
    max_signed_bytes: int = 512 * 1024

    # --- process 3: the form ----------------------------------------------------------------------
    async def organisations(self, user: User) -> list[Organisation]:
        """The PHC organisations of the recipient's region (ГБД ФЛ regAddress), from РПН through ШЭП."""
        region = user.person.region
        request = rpn.organisations_request(region_code=region.code if region else None)
        try:
            reply = await self.shep().send_sync(rpn.SERVICE_ID, request)
            found = rpn.parse_organisations(reply.data)
        except (KitError, ValueError) as exc:
            log.warning("RPN_MedicalOrganizationsSync failed: %s", exc)
            raise ExternalUnavailable(
                "Список медицинских организаций временно недоступен (РПН через ШЭП): повторите позже",
                "Медициналық ұйымдар тізімі уақытша қолжетімсіз (БХТ ЭҮШ арқылы): кейінірек қайталаңыз",
            ) from exc
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
        """Process 3: check the form, build the unsigned application and keep it as a draft."""
        application_id = str(uuid.uuid4())
        carrier = parent_carrier(headers, session.traceparent)
        with continued(carrier), self.steps.step("process 3", application=application_id) as current:
            checked_reason = rules.check_reason(reason)
            organisations = await self.organisations(user)
            code = rules.check_organisation_code(organisation_code, {org.code for org in organisations})
            organisation = next(org for org in organisations if org.code == code)
            person = user.person
            try:
                element = h1.build_application(
                    recipient=h1.Recipient(
                        iin=user.iin,
                        surname=person.surname,
                        name=person.name,
                        patronymic=person.patronymic,
                        phone=user.phone,
                    ),
                    organisation_code=code,
                    reason=checked_reason,
                    channel="portal",
                    application_id=application_id,
                )
            except KitError as exc:
                raise FormInvalid(
                    f"Заявление не соответствует формату: {exc.message}",
                    f"Өтініш пішімге сәйкес емес: {exc.message}",
                    code="FORM_INVALID",
                ) from exc
            current.set_attribute("egov.organisation.code", code)
            application = Application(
                application_id=application_id,
                service_id=SERVICE_ID,
                user_iin=user.iin,
                status=ApplicationStatus.DRAFT,
                created_at=now(),
                organisation=organisation,
                reason=checked_reason,
                unsigned_xml=h1.to_text(element),
                traceparent=current_traceparent(),
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
    ) -> Application:
        """Check the signed application (condition 2) and refuse it (process 4) or send it (process 5)."""
        application = self.get(user, application_id)
        carrier = parent_carrier(headers, application.traceparent, session.traceparent)
        with continued(carrier):
            if application.status != ApplicationStatus.DRAFT:
                raise _replayed()
            element = self._read_signed(signed_xml)
            posted_id = element.findtext(h1.tag("applicationId"))
            if posted_id and posted_id != application_id:
                with self.uow() as uow:
                    other = uow.applications.get(posted_id)
                if other is not None and other.status != ApplicationStatus.DRAFT:
                    raise _replayed()
            with self.uow() as uow:
                claimed = uow.applications.claim(
                    application_id,
                    user.iin,
                    from_status=ApplicationStatus.DRAFT.value,
                    to_status=ApplicationStatus.SUBMITTED.value,
                )
            if not claimed:
                raise _replayed()
            document = signed_xml or ""
            refusal = await self._condition_2(application, element, user)
            if refusal is not None:
                return self._process_4(application_id, document, refusal)
            return await self._process_5(application_id, document, element)

    def _read_signed(self, signed_xml: str | None) -> etree._Element:
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
        if element.tag != h1.tag("application"):
            raise SignedDocumentRejected(
                "Получен не тот документ: ожидается подписанное заявление H1 (application)",
                "Басқа құжат алынды: қол қойылған H1 өтініші (application) күтіледі",
            )
        return element

    async def _condition_2(
        self, application: Application, element: etree._Element, user: User
    ) -> Reason | None:
        with self.steps.step("condition 2", application=application.application_id) as current:
            try:
                identity = await h1.verify_signed(element, self.validator(), expected_iin=user.iin)
                signed = h1.parse_application(element)
                prepared = h1.parse_application(parse_xml(application.unsigned_xml.encode("utf-8")))
                if not prepared.same_request(signed):
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

    def _process_4(self, application_id: str, document: str, refusal: Reason) -> Application:
        with self.steps.step(
            "process 4", application=application_id, attributes={"egov.refusal.code": refusal.code}
        ):

            def refuse(application: Application) -> None:
                application.signed_xml = document
                application.refusal = refusal
                application.refusal_step = "condition 2"
                application.record(
                    StatusEvent(ApplicationStatus.REFUSED, now(), step="condition 2", reason=refusal)
                )

            return self._mutate(application_id, refuse)

    async def _process_5(self, application_id: str, document: str, element: etree._Element) -> Application:
        with self.steps.step("process 5", application=application_id) as current:
            message_id = new_message_id()
            current.set_attribute("shep.message_id", message_id)
            sent_at = now()

            def keep(application: Application) -> None:
                application.signed_xml = document
                application.message_id = message_id

            self._mutate(application_id, keep)
            try:
                await self.shep().send_async(
                    SHEP_SERVICE_ID, element, message_type=MessageType.REQUEST, message_id=message_id
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

                return self._mutate(application_id, fail)

            def sent(application: Application) -> None:
                application.record(
                    StatusEvent(ApplicationStatus.SENT, sent_at, step="process 5", message_id=message_id)
                )

            return self._mutate(application_id, sent)

    def _mutate(self, application_id: str, change: Callable[[Application], None]) -> Application:
        """Read, change and save in one unit of work (no await in between: no lost update)."""
        with self.uow() as uow:
            application = uow.applications.get(application_id)
            if application is None:
                raise ApplicationNotFound("Заявление не найдено", "Өтініш табылмады")
            change(application)
            uow.applications.save(application)
            return application

    # --- personal cabinet -------------------------------------------------------------------------
    def get(self, user: User, application_id: str) -> Application:
        with self.uow() as uow:
            application = uow.applications.get(application_id) if len(application_id) <= 64 else None
        if application is None or application.user_iin != user.iin:
            raise ApplicationNotFound(
                "Заявление не найдено в вашем личном кабинете", "Өтініш жеке кабинетіңізде табылмады"
            )
        return application

    def list(self, user: User) -> list[Application]:
        with self.uow() as uow:
            return uow.applications.for_user(user.iin)

    # --- UPDATE and RESPONSE from РПН (the portal's async queue) -----------------------------------
    async def on_attachment_message(self, element: etree._Element, context: ShepContext) -> None:
        """Async handler of ``RPN_Attachment`` on the portal's queue: UPDATE or RESPONSE from РПН.

        Runs in the trace context the message carried (AMQP headers); every span it opens names the
        application (``egov.application``).
        """
        application = self._find(element, context)
        if application is None:
            log.warning(
                "RPN_Attachment %s %s matches no application (correlationId %s)",
                context.message_type,
                context.message_id,
                context.correlation_id,
            )
            return
        attributes = {
            "egov.application": application.application_id,
            "egov.application.traceparent": application.traceparent,
            "shep.message_id": context.message_id,
            "shep.message_type": context.message_type,
        }
        if element.tag == h1.tag("status"):
            title = f"{SHEP_SERVICE_ID} UPDATE (registered) into the personal cabinet"
            with portal_span(
                title, service_id=SERVICE_ID, application=application.application_id, attributes=attributes
            ):
                self._on_status(application.application_id, element, context)
        elif element.tag in (h1.tag("talon"), h1.tag("refusal")):
            await self._on_result(application, element, context, attributes)
        else:
            log.warning("RPN_Attachment %s carries an unexpected %s", context.message_id, element.tag)

    def _find(self, element: etree._Element, context: ShepContext) -> Application | None:
        with self.uow() as uow:
            if context.correlation_id:
                found = uow.applications.by_message_id(context.correlation_id)
                if found is not None:
                    return found
            application_id = element.findtext(h1.tag("applicationId"))
            return uow.applications.get(application_id) if application_id else None

    def _on_status(self, application_id: str, element: etree._Element, context: ShepContext) -> None:
        try:
            status = h1.parse_status(element)
        except KitError as exc:
            log.warning("unreadable status for %s: %s", application_id, exc)
            return

        def registered(application: Application) -> None:
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
                            status.status_at,
                            step="process 6",
                            number=status.registration_number,
                            message_id=context.message_id,
                        )
                    )
            else:
                application.registration_number = status.registration_number

        self._mutate(application_id, registered)

    async def _on_result(
        self,
        application: Application,
        element: etree._Element,
        context: ShepContext,
        attributes: dict[str, Any],
    ) -> None:
        is_talon = element.tag == h1.tag("talon")
        kind = ResultKind.TALON if is_talon else ResultKind.REFUSAL
        # Processes 7 and 8 are РПН's (their spans run there); the portal records what arrived.
        manager = portal_span(
            f"{SHEP_SERVICE_ID} RESPONSE ({kind.value}) into the personal cabinet",
            service_id=SERVICE_ID,
            application=application.application_id,
            attributes=attributes,
        )
        with manager as current:
            try:
                fields = h1.talon_fields(element) if is_talon else h1.refusal_fields(element)
            except KitError as exc:
                log.warning("unreadable %s for %s: %s", kind.value, application.application_id, exc)
                fields = {"document": kind.value, "unreadable": exc.code}
            valid, error, signer = await self._check_issued(element, application, fields)
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
            if is_talon:
                event = StatusEvent(
                    ApplicationStatus.DONE,
                    now(),
                    step="process 8",
                    number=str(number) if number else None,
                    message_id=context.message_id,
                )
                refusal = None
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

            self._mutate(application.application_id, store)

    async def _check_issued(
        self, element: etree._Element, application: Application, fields: Mapping[str, Any]
    ) -> tuple[bool, str | None, str | None]:
        """The result document's own signature, certificate and signer (``verify_issued``)."""
        try:
            identity = await h1.verify_issued(element, self.validator())
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


def _replayed() -> PortalError:
    return ApplicationReplayed(
        "Это заявление уже подано: повторная отправка того же заявления не принимается",
        "Бұл өтініш бұрын берілген: сол өтінішті қайта жіберу қабылданбайды",
    )
