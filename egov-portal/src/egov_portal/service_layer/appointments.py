"""H2 «Запись на прием к врачу» through the portal (seed 001 §9): the form, the draft, the cancellation.

* **the form** — the organisation the recipient is actively attached to (``RPN_MedicalOrganizationsSync``
  with ``recipientIin``), its doctors and their FREE slots for the next working days
  (``RPN_DoctorScheduleSync``); ``NOT_ATTACHED`` when the recipient is attached nowhere.
* **process 3** — the chosen doctor and slot are checked against a fresh schedule and the unsigned
  ``h2`` application is kept as a draft (:meth:`Applications.create_draft`); condition 2 and
  processes 4–5 are the pipeline's, processes 6–8 РПН's (``RPN_Appointment``).
* **the cancellation** — of a booked appointment still ahead: the portal prepares the ``cancellation``
  document, the recipient signs it (the same checks as condition 2: signature, certificate, ИИН), the
  portal sends it to РПН as a REQUEST on ``RPN_Appointment``; РПН frees the slot and answers with the
  status CANCELLED, and the application becomes ``cancelled`` (:meth:`Appointments.on_message`).
  The regulation numbers no step for it: its spans are the portal's own («H2 cancellation: …»).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from egov_kit.calendar import get_calendar
from egov_kit.clock import now
from egov_kit.documents import h1, h2
from egov_kit.errors import KitError
from egov_kit.pki import CertificateValidator
from egov_kit.shep.models import MessageType, new_message_id
from egov_kit.shep.provider import ShepContext
from egov_kit.xml import XmlError, parse_xml
from lxml import etree

from egov_portal.adapters.shep import ShepPort
from egov_portal.domain import appointment_rules as rules
from egov_portal.domain.appointment_rules import DoctorSlots, NotCancellable, Slot
from egov_portal.domain.errors import ExternalUnavailable, SignedDocumentRejected
from egov_portal.domain.model import Application, ApplicationStatus, Reason, Session, StatusEvent, User
from egov_portal.domain.refusals import condition_2_reason
from egov_portal.service_layer import h2_documents  # noqa: F401 (registers H2's documents)
from egov_portal.service_layer.applications import Applications, DraftContent, build_application
from egov_portal.service_layer.attachment_lookup import Attachment, attachment_of
from egov_portal.service_layer.sync_requests import ask
from egov_portal.service_layer.tracing import continued, parent_carrier, portal_span

log = logging.getLogger("egov_portal")

SERVICE_ID = h2.SERVICE_ID  # "H2"
SHEP_SERVICE_ID = h2.SHEP_SERVICE_ID  # "RPN_Appointment"
FORM_WORKING_DAYS = 5  # the form offers the free slots of the next five working days (ours)


class CancellationRefused(KitError):
    """The signed cancellation is not confirmed (like condition 2): nothing is sent, nothing changes."""

    code = "SIGNATURE_NOT_CONFIRMED"

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.ru, code=self.code)
        self.reason = reason


@dataclass(frozen=True)
class AppointmentForm:
    """What the H2 form offers: the attachment, the date range and the doctors with free slots."""

    attachment: Attachment
    date_from: date
    date_to: date
    doctors: tuple[DoctorSlots, ...]


@dataclass
class Appointments:
    applications: Applications
    shep: Callable[[], ShepPort]
    validator: Callable[[], CertificateValidator]
    working_days: int = FORM_WORKING_DAYS

    def __post_init__(self) -> None:
        self.applications.add_message_hook(SERVICE_ID, self.on_message)

    # --- the form ---------------------------------------------------------------------------------
    async def form(self, user: User) -> AppointmentForm:
        """The attached organisation, its doctors' free slots (``NOT_ATTACHED``, ``EXTERNAL_UNAVAILABLE``)."""
        attachment = await attachment_of(self.shep(), user)
        if attachment is None:
            raise rules.not_attached()
        date_from, date_to = self.date_range()
        request = h2.build_schedule_request(
            attachment.organisation.code, date_from=date_from, date_to=date_to
        )
        schedule = await ask(
            self.shep(),
            h2.SCHEDULE_SERVICE_ID,
            request,
            _schedule,
            what="RPN_DoctorScheduleSync",
            unavailable=(
                "График приема врачей временно недоступен (РПН через ШЭП): повторите позже",
                "Дәрігерлердің қабылдау кестесі уақытша қолжетімсіз (БХТ ЭҮШ арқылы): кейінірек қайталаңыз",
            ),
        )
        doctors = tuple(_doctor(item) for item in schedule.doctors)
        return AppointmentForm(attachment, schedule.date_from, schedule.date_to, doctors)

    def date_range(self) -> tuple[date, date]:
        """From today to the last of the next ``working_days`` working days (today counts if working)."""
        calendar = get_calendar()
        today = now().astimezone(calendar.tz).date()
        day, found = today, 0
        while True:
            if calendar.is_working_day(day):
                found += 1
                if found >= self.working_days:
                    return today, day
            day += timedelta(days=1)

    # --- process 3 --------------------------------------------------------------------------------
    async def draft(
        self,
        user: User,
        session: Session,
        *,
        doctor_id: str | None,
        slot_start: str | None,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Application:
        """The chosen doctor and free slot (checked against a fresh schedule) → the unsigned application."""

        async def build(application_id: str) -> DraftContent:
            checked_reason = rules.check_reason(reason)
            chosen_id, start = rules.check_choice(doctor_id, slot_start)  # before asking РПН
            form = await self.form(user)
            doctor, slot = rules.choose(chosen_id, start, form.doctors)
            organisation = form.attachment.organisation
            element = build_application(
                h2.build_application,
                user,
                organisation_code=organisation.code,
                doctor_id=doctor.doctor_id,
                slot_start=slot.start,
                reason=checked_reason,
                application_id=application_id,
            )
            details = {
                "doctor": doctor_json(doctor),
                "slot": slot_json(slot),
                "attachment": {
                    "section": form.attachment.section,
                    "attachedFrom": (
                        form.attachment.attached_from.isoformat() if form.attachment.attached_from else None
                    ),
                },
            }
            return DraftContent(organisation, h2.to_text(element), details, checked_reason or "")

        return await self.applications.create_draft(
            user, session, service_id=SERVICE_ID, build=build, headers=headers
        )

    # --- the cancellation -------------------------------------------------------------------------
    def cancellation(self, user: User, application_id: str) -> tuple[Application, str]:
        """The unsigned cancellation of a booked appointment (prepared once, kept until it is sent)."""
        application = self._cancellable(user, application_id)
        pending = application.details.get("cancellation") or {}
        if pending.get("xml") and pending.get("status") in (None, "prepared", "refused"):
            return application, str(pending["xml"])
        element = h2.build_cancellation(recipient_iin=user.iin, application_id=application_id)
        xml = h2.to_text(element)

        def prepare(current: Application) -> None:
            current.details["cancellation"] = {
                "status": "prepared",
                "cancellationId": h2.parse_cancellation(element).cancellation_id,
                "xml": xml,
            }

        return self.applications.mutate(application_id, prepare), xml

    async def cancel(
        self,
        user: User,
        session: Session,
        *,
        application_id: str,
        signed_xml: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> Application:
        """Check the signed cancellation (signature, certificate, ИИН, the prepared document), send it."""
        application = self._cancellable(user, application_id)
        pending = dict(application.details.get("cancellation") or {})
        if not pending.get("xml"):
            raise NotCancellable(
                "Сначала получите документ отмены для подписи (GET …/cancellation)",
                "Алдымен қол қоюға арналған бас тарту құжатын алыңыз (GET …/cancellation)",
            )
        carrier = parent_carrier(headers, application.traceparent, session.traceparent)
        with (
            continued(carrier),
            portal_span(
                "H2 cancellation: the recipient's signature checked, sent through SHEP to the provider",
                service_id=SERVICE_ID,
                application=application_id,
            ) as current,
        ):
            element = self._read_cancellation(signed_xml)
            try:
                await h2.verify_signed(element, self.validator(), expected_iin=user.iin)
                signed = h2.parse_cancellation(element)
                prepared = h2.parse_cancellation(parse_xml(str(pending["xml"]).encode("utf-8")))
                if not prepared.same_request(signed):
                    raise KitError("not the prepared cancellation", code="DOCUMENT_MISMATCH")
            except KitError as exc:
                reason = condition_2_reason(
                    exc.code if exc.code != "SCHEMA_VIOLATION" else "DOCUMENT_MISMATCH"
                )
                current.set_attribute("egov.refusal.code", reason.code)
                raise CancellationRefused(reason) from exc
            message_id = new_message_id()
            current.set_attribute("shep.message_id", message_id)
            try:
                await self.shep().send_async(
                    SHEP_SERVICE_ID, element, message_type=MessageType.REQUEST, message_id=message_id
                )
            except KitError as exc:
                log.warning("ШЭП did not accept the cancellation of %s: %s", application_id, exc)
                raise ExternalUnavailable(
                    f"ШЭП не принял отмену записи ({exc.code}): повторите позже",
                    f"ЭҮШ жазылудан бас тартуды қабылдамады ({exc.code}): кейінірек қайталаңыз",
                ) from exc
            text = signed_xml or ""

            def sent(current_app: Application) -> None:
                current_app.details["cancellation"] = {
                    **pending,
                    "status": "sent",
                    "messageId": message_id,
                    "sentAt": now().isoformat(),
                    "signedXml": text,
                }

            return self.applications.mutate(application_id, sent)

    def _cancellable(self, user: User, application_id: str) -> Application:
        application = self.applications.get(user, application_id, service_id=SERVICE_ID)
        pending = application.details.get("cancellation") or {}
        if application.status != ApplicationStatus.DONE or pending.get("status") in ("sent", "cancelled"):
            raise NotCancellable(
                "Отменить можно только состоявшуюся запись на прием, один раз",
                "Қабылдауға жазылудан тек жазылу расталғаннан кейін, бір рет бас тартуға болады",
            )
        slot = application.details.get("slot") or {}
        start = str(slot.get("start") or "")
        if start and rules.parse_slot_start(start) <= now():
            raise NotCancellable(
                "Время приема уже прошло: отмена невозможна",
                "Қабылдау уақыты өтіп кетті: бас тарту мүмкін емес",
            )
        return application

    def _read_cancellation(self, signed_xml: str | None) -> etree._Element:
        """The posted signed cancellation as XML (else ``SIGNED_DOCUMENT_UNREADABLE``, nothing changes)."""
        if not signed_xml or not signed_xml.strip():
            raise SignedDocumentRejected(
                "Подписанная отмена записи не получена: подпишите её в NCALayer (или `egov signer`)",
                "Қол қойылған бас тарту алынбады: оған NCALayer-де (немесе `egov signer`) қол қойыңыз",
            )
        try:
            element = parse_xml(signed_xml.encode("utf-8"), max_bytes=self.applications.max_signed_bytes)
        except XmlError as exc:
            raise SignedDocumentRejected(
                f"Подписанная отмена не читается как XML ({exc.code}): подпишите её заново",
                f"Қол қойылған бас тарту XML ретінде оқылмайды ({exc.code}): оған қайта қол қойыңыз",
            ) from exc
        if element.tag != h2.tag("cancellation"):
            raise SignedDocumentRejected(
                "Получен не тот документ: ожидается подписанная отмена записи (cancellation)",
                "Басқа құжат алынды: жазылудан бас тартудың қол қойылған құжаты (cancellation) күтіледі",
            )
        return element

    # --- РПН's answer to the cancellation (a hook of the pipeline) --------------------------------
    async def on_message(
        self, application: Application, element: etree._Element, context: ShepContext
    ) -> bool:
        """Take the RESPONSE to a cancellation: CANCELLED (the slot freed), a refusal document or the
        status REFUSED (the reason is its message; the booking stays ``done``); else leave it."""
        pending = application.details.get("cancellation") or {}
        answers_cancellation = bool(context.correlation_id) and context.correlation_id == pending.get(
            "messageId"
        )
        status: h2.AppointmentStatus | None = None
        if element.tag == h2.tag("status"):
            try:
                status = h2.parse_status(element)
            except KitError as exc:
                log.warning("unreadable status for %s: %s", application.application_id, exc)
                return answers_cancellation
        cancelled = status is not None and status.status == "CANCELLED"
        # РПН refuses a cancellation naming no booking of the signer with the status REFUSED: it is the
        # cancellation's answer, never the application's (which stays ``done`` with its appointment)
        refused_while_sent = (
            status is not None and status.status == "REFUSED" and pending.get("status") == "sent"
        )
        if not (answers_cancellation or cancelled or refused_while_sent):
            return False
        outcome = "cancelled" if cancelled else "refused"
        with portal_span(
            f"{SHEP_SERVICE_ID} RESPONSE (cancellation {outcome}) into the personal cabinet",
            service_id=SERVICE_ID,
            application=application.application_id,
            attributes={"shep.message_id": context.message_id, "shep.message_type": context.message_type},
        ):
            if cancelled and status is not None:
                moment = status.status_at

                def cancel(current: Application) -> None:
                    current.details["cancellation"] = {
                        **(current.details.get("cancellation") or {}),
                        "status": "cancelled",
                        "cancelledAt": moment.isoformat(),
                        "message_ru": status.message.ru,
                        "message_kk": status.message.kk,
                    }
                    if current.status == ApplicationStatus.DONE:
                        current.record(
                            StatusEvent(ApplicationStatus.CANCELLED, moment, message_id=context.message_id)
                        )

                self.applications.mutate(application.application_id, cancel)
            else:
                reason = _refusal_reason(element, status)

                def refused(current: Application) -> None:
                    current.details["cancellation"] = {
                        **(current.details.get("cancellation") or {}),
                        "status": "refused",
                        "reason": reason.as_json(),
                    }

                self.applications.mutate(application.application_id, refused)
        return True


def _refusal_reason(element: etree._Element, status: h2.AppointmentStatus | None = None) -> Reason:
    if status is not None and status.status == "REFUSED":
        return Reason("CANCELLATION_REFUSED", status.message.ru, status.message.kk)
    try:
        refusal = h1.parse_refusal(element)
    except KitError:
        return Reason("REFUSED", "Отмена записи не принята", "Жазылудан бас тарту қабылданбады")
    return Reason(refusal.ground.code, refusal.ground.ru, refusal.ground.kk)


def _schedule(data: etree._Element | None) -> h2.ScheduleResponse:
    if data is None:
        raise ValueError("РПН answered without data")
    return h2.parse_schedule_response(data)


def _doctor(item: h2.ScheduledDoctor) -> DoctorSlots:
    doctor = item.doctor
    return DoctorSlots(
        doctor_id=doctor.doctor_id,
        full_name=doctor.full_name,
        specialty=doctor.specialty,
        specialty_ru=doctor.specialty_ru,
        specialty_kk=doctor.specialty_kk,
        cabinet=doctor.cabinet,
        section=doctor.section,
        slots=tuple(Slot(slot.start, slot.end) for slot in item.slots),
    )


def doctor_json(doctor: DoctorSlots) -> dict[str, Any]:
    return {
        "doctorId": doctor.doctor_id,
        "fullName": doctor.full_name,
        "specialty": doctor.specialty,
        "specialty_ru": doctor.specialty_ru,
        "specialty_kk": doctor.specialty_kk,
        "cabinet": doctor.cabinet,
        "section": doctor.section,
    }


def slot_json(slot: Slot) -> dict[str, str]:
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat()}
