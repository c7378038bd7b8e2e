"""H3 «Выдача заключения о нуждаемости в санаторно-курортном лечении» through the portal (seed 004).

The steps of the typical portal diagram (``services/h3_sanatorium_card.yaml``, portal channel), with
seed 004's specifics:

* **process 3** — :meth:`H3Applications.draft`: the form (the organisation the recipient is attached
  to, from РПН; the main diagnosis; the date of the clinical results; their electronic copies; the
  consent; EDS or one-time password), checked by :mod:`egov_portal.domain.h3_form`, built into the
  unsigned application (``egov_kit.documents.h3.build_application``, files base64 inside) and kept as
  a draft by the pipeline (``Applications.create_draft``). The portal stamps ``submittedAt``; in the
  sandbox the header ``X-Egov-Simulated-Time`` may set it (``PORTAL_ACCEPT_SIMULATED_TIME``), which
  is recorded in the application's details as simulated.
* **condition 2**, EDS branch — :meth:`H3Applications.submit_eds`: the pipeline's ``submit``
  (signature, certificate, ИИН, the very draft), H3's documents registered in ``h3_documents``.
* **condition 2**, one-time password branch (item 10) — :meth:`request_otp` sends a code by SMS to
  the phone the recipient registered; :meth:`confirm_otp` checks it (expiry, single use, lock after
  repeated wrong codes). A wrong code with attempts left changes nothing but the count; an expired
  code or a locked request is **process 4** with that reason. A right code: the portal adds the
  ``otpConfirmation`` block, signs the application with its OWN system key (it attests the
  confirmation; ``h3.verify_confirmation`` at the provider checks the portal's БИН) and sends it —
  **process 5** (the pipeline's ``send``).

Processes 6–8 run at РПН; their UPDATE (``registeredFor``, ``dueAt``) and RESPONSE (the signed card
069/у or the motivated refusal) come back through the pipeline's ``on_provider_message``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from egov_kit.attachments import FileStore
from egov_kit.clock import now
from egov_kit.documents import h3
from egov_kit.pki import KeyPair
from egov_kit.regulations import load_regulation
from egov_kit.xml import parse_xml
from lxml import etree
from opentelemetry import trace

from egov_portal.adapters.shep import ShepPort
from egov_portal.domain import h3_form
from egov_portal.domain.errors import (
    FormInvalid,
    NotAttached,
    NotReady,
    PortalError,
    ServiceNotAvailable,
)
from egov_portal.domain.model import Application, ApplicationStatus, Organisation, Reason, Session, User
from egov_portal.domain.otp import OtpRefused, mask_phone
from egov_portal.service_layer import h3_documents  # noqa: F401 - registers H3 with the pipeline
from egov_portal.service_layer.applications import Applications, DraftContent, build_application, replayed
from egov_portal.service_layer.attachment_lookup import attached_organisation
from egov_portal.service_layer.otp_confirmation import CodeSent, OtpConfirmation
from egov_portal.service_layer.tracing import continued, parent_carrier, portal_span

log = logging.getLogger("egov_portal")

SERVICE_ID = "H3"
OTP_PURPOSE = "H3.confirm"
CONSENT_DOCUMENT = "PERSONAL_DATA_CONSENT"
#: process 4 on these one-time-password errors; OTP_WRONG (attempts left) lets the recipient retry.
OTP_REFUSALS = frozenset({"OTP_EXPIRED", "OTP_LOCKED"})


class ConfirmationMismatch(PortalError):
    """The application was drafted for the other way of confirming it (EDS vs one-time password)."""

    code = "CONFIRMATION_MISMATCH"
    http_status = 409


@dataclass(frozen=True)
class H3Input:
    """The H3 form as posted (pages: multipart; API: multipart or JSON with base64 files)."""

    diagnosis_code: str | None
    diagnosis_text: str | None
    examined_on: str | date | None
    consent: bool
    confirmation: str | None
    files: Sequence[tuple[str, str | None, bytes]] = ()


@dataclass(frozen=True)
class H3Form:
    """What the form shows (``GET /api/services/H3/form``)."""

    organisation: Organisation | None
    consent_ru: str
    consent_kk: str
    max_files: int
    max_file_bytes: int
    max_total_bytes: int
    media_types: tuple[str, ...]
    phone_masked: str


def consent_text() -> tuple[str, str]:
    """The consent of seed 004 item 9 3) as the regulation words it (ru, kk)."""
    regulation = load_regulation(SERVICE_ID)
    document = next(doc for doc in regulation.required_documents if doc.code == CONSENT_DOCUMENT)
    return document.ru, document.kk


def limits() -> tuple[int, int, int, tuple[str, ...]]:
    """The H3 contract's file limits: count, bytes per file, bytes in all, media types."""
    return h3.MAX_FILES, h3.MAX_FILE_BYTES, h3.MAX_TOTAL_BYTES, tuple(h3.FILE_MEDIA_TYPES)


def otp_reason(error: OtpRefused) -> Reason:
    return Reason(error.code, error.message_ru, error.message_kk)


@dataclass
class H3Applications:
    applications: Applications
    shep: Callable[[], ShepPort]
    otp: OtpConfirmation
    files: FileStore
    accept_simulated_time: bool = True
    system_key: KeyPair | None = None  # the portal's own key (ProviderHost's enrolled identity)

    def use_system_key(self, keypair: KeyPair) -> None:
        self.system_key = keypair

    # --- process 3: the form and the draft -------------------------------------------------------
    async def form(self, user: User) -> H3Form:
        organisation = await attached_organisation(self.shep(), user)
        consent_ru, consent_kk = consent_text()
        max_files, max_file, max_total, media = limits()
        return H3Form(
            organisation,
            consent_ru,
            consent_kk,
            max_files,
            max_file,
            max_total,
            media,
            mask_phone(user.phone),
        )

    def submitted_at(self, simulated: str | None) -> tuple[datetime, bool]:
        """``submittedAt``: the portal's clock, or the sandbox's ``X-Egov-Simulated-Time``."""
        if not simulated or not simulated.strip():
            return now(), False
        if not self.accept_simulated_time:
            raise h3_form.SimulatedTimeInvalid(
                "Портал не принимает X-Egov-Simulated-Time (PORTAL_ACCEPT_SIMULATED_TIME=false)",
                "Портал X-Egov-Simulated-Time қабылдамайды (PORTAL_ACCEPT_SIMULATED_TIME=false)",
                code="SIMULATED_TIME_NOT_ACCEPTED",
            )
        return h3_form.parse_simulated_time(simulated), True

    async def draft(
        self,
        user: User,
        session: Session,
        form: H3Input,
        *,
        simulated_time: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Application:
        """Process 3: check the form, build the unsigned application, keep it (and its files)."""
        submitted_at, simulated = self.submitted_at(simulated_time)

        async def build(application_id: str) -> DraftContent:
            current = trace.get_current_span()
            diagnosis_code = h3_form.check_diagnosis_code(form.diagnosis_code)
            diagnosis_text = h3_form.check_diagnosis_text(form.diagnosis_text)
            examined_on = h3_form.check_examined_on(form.examined_on, submitted_at)
            confirmation = h3_form.check_confirmation(form.confirmation)
            max_files, max_file, max_total, media = limits()
            checked = h3_form.check_attachments(
                form.files,
                max_files=max_files,
                max_file_bytes=max_file,
                max_total_bytes=max_total,
                media_types=media,
            )
            organisation = await attached_organisation(self.shep(), user)
            if organisation is None:
                raise NotAttached(
                    "Вы не прикреплены к организации ПМСП: сначала прикрепитесь (услуга H1), заключение "
                    "выдаёт организация, к которой вы прикреплены",
                    "Сіз МСАК ұйымына бекітілмегенсіз: алдымен бекітіліңіз (H1 қызметі), қорытындыны сіз "
                    "бекітілген ұйым береді",
                    field="organisation",
                )
            element = build_application(
                h3.build_application,
                user,
                organisation_code=organisation.code,
                diagnosis_code=diagnosis_code,
                diagnosis_text=diagnosis_text,
                examined_on=examined_on,
                files=checked,
                consent=form.consent,
                confirmation=confirmation,
                otp=_provisional_otp(user, submitted_at) if confirmation == "otp" else None,
                application_id=application_id,
                submitted_at=submitted_at,
            )
            for item in checked:
                self.files.write(item)
            current.set_attribute("egov.h3.confirmation", confirmation)
            current.set_attribute("egov.h3.consent", form.consent)
            current.set_attribute("egov.h3.files", len(checked))
            current.set_attribute("egov.h3.simulated_time", simulated)
            details: dict[str, Any] = {
                "diagnosisCode": diagnosis_code,
                "diagnosisText": diagnosis_text,
                "examinedOn": examined_on.isoformat(),
                "consent": form.consent,
                "confirmation": confirmation,
                "files": [
                    {
                        "fileName": item.file_name,
                        "mediaType": item.media_type,
                        "size": item.size,
                        "sha256": item.sha256,
                    }
                    for item in checked
                ],
                "submittedAt": submitted_at.isoformat(),
                "simulatedTime": simulated,
            }
            return DraftContent(organisation, h3.to_text(element), details)

        return await self.applications.create_draft(
            user, session, service_id=SERVICE_ID, build=build, headers=headers
        )

    def _mine(self, user: User, application_id: str) -> Application:
        application = self.applications.get(user, application_id)
        if application.service_id != SERVICE_ID:
            raise ServiceNotAvailable(
                f"Заявление {application_id} — не заявление H3",
                f"{application_id} өтініші H3 өтініші емес",
                code="APPLICATION_NOT_H3",
            )
        return application

    @staticmethod
    def _expect_confirmation(application: Application, confirmation: str) -> None:
        chosen = application.details.get("confirmation")
        if chosen != confirmation:
            if confirmation == "otp":
                raise ConfirmationMismatch(
                    "Для этого заявления выбрана подпись ЭЦП: одноразовый пароль к нему не применяется",
                    "Бұл өтініш үшін ЭЦҚ қолтаңбасы таңдалған: бір реттік құпиясөз оған қолданылмайды",
                )
            raise ConfirmationMismatch(
                "Для этого заявления выбран одноразовый пароль: подтвердите его кодом из SMS",
                "Бұл өтініш үшін бір реттік құпиясөз таңдалған: оны SMS-тегі кодпен растаңыз",
            )

    # --- condition 2, EDS branch -----------------------------------------------------------------
    async def submit_eds(
        self,
        user: User,
        session: Session,
        *,
        application_id: str,
        signed_xml: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> Application:
        """Condition 2 (EDS) → process 4 or process 5: the pipeline's ``submit``."""
        application = self._mine(user, application_id)
        if application.status == ApplicationStatus.DRAFT:
            self._expect_confirmation(application, "eds")
        return await self.applications.submit(
            user, session, application_id=application_id, signed_xml=signed_xml, headers=headers
        )

    # --- condition 2, one-time password branch (seed 004 item 10) --------------------------------
    async def request_otp(
        self,
        user: User,
        session: Session,
        *,
        application_id: str,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Application, CodeSent]:
        """Send a (new) code by SMS to the phone the recipient registered on the portal."""
        application = self._mine(user, application_id)
        carrier = parent_carrier(headers, application.traceparent, session.traceparent)
        with continued(carrier):
            if application.status != ApplicationStatus.DRAFT:
                raise replayed()
            self._expect_confirmation(application, "otp")
            names = load_regulation(SERVICE_ID).names  # cached by the kit
            sent = await self.otp.send_code(
                purpose=OTP_PURPOSE,
                subject=application_id,
                phone=user.phone,
                title_ru=names.ru,
                title_kk=names.kk,
            )

            def remember(current: Application) -> None:
                current.details["otp"] = {
                    "phoneMasked": sent.phone_masked,
                    "sentAt": sent.sent_at.isoformat(),
                    "expiresAt": sent.expires_at.isoformat(),
                    "smsId": sent.sms_id,
                }

            return self.applications.mutate(application_id, remember), sent

    async def confirm_otp(
        self,
        user: User,
        session: Session,
        *,
        application_id: str,
        code: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> Application:
        """Condition 2 with the typed code → process 4 (expired, locked) or process 5 (sent).

        A wrong code with attempts left raises ``OTP_WRONG`` and changes nothing else.
        """
        application = self._mine(user, application_id)
        carrier = parent_carrier(headers, application.traceparent, session.traceparent)
        typed = (code or "").strip()
        with continued(carrier):
            if application.status != ApplicationStatus.DRAFT:
                if typed:  # a code used once says so (OTP_ALREADY_USED); anything else is a replay
                    self.otp.verify(purpose=OTP_PURPOSE, subject=application_id, code=typed)
                raise replayed()
            self._expect_confirmation(application, "otp")
            if not typed:
                raise FormInvalid(
                    "Введите код из SMS",
                    "SMS-тегі кодты енгізіңіз",
                    code="OTP_REQUIRED",
                    field="code",
                )
            steps = self.applications.steps_for(SERVICE_ID)
            refusal: Reason | None = None
            with steps.step("condition 2", application=application_id) as current:
                current.set_attribute("egov.confirmation", "otp")
                try:
                    self.otp.verify(purpose=OTP_PURPOSE, subject=application_id, code=typed)
                except OtpRefused as exc:
                    current.set_attribute("egov.otp.result", exc.code)
                    if exc.code not in OTP_REFUSALS:
                        current.set_attribute("egov.condition.result", "retry")
                        raise
                    refusal = otp_reason(exc)
                    current.set_attribute("egov.condition.result", "refused")
                    current.set_attribute("egov.refusal.code", refusal.code)
                else:
                    current.set_attribute("egov.condition.result", "passed")
            self.applications.claim_draft(user, application_id)
            if refusal is not None:
                return self.applications.refuse_at_condition_2(application_id, "", refusal)
            confirmed_at = now()
            document, element = self._attested(application, confirmed_at=confirmed_at)

            def confirmed(current: Application) -> None:
                current.details["otp"] = {
                    **dict(current.details.get("otp") or {}),
                    "confirmedAt": confirmed_at.isoformat(),
                }

            self.applications.mutate(application_id, confirmed)
            return await self.applications.send(application_id, document, element)

    def _attested(self, application: Application, *, confirmed_at: datetime) -> tuple[str, etree._Element]:
        """The draft with the ``otpConfirmation`` block, signed with the portal's own system key."""
        if self.system_key is None:
            raise NotReady(
                "Ключ портала ещё не получен: повторите через минуту",
                "Порталдың кілті әлі алынбады: бір минуттан кейін қайталаңыз",
            )
        draft = h3.parse_application(parse_xml(application.unsigned_xml.encode("utf-8")))
        otp_details = application.details.get("otp") or {}
        phone_masked = str(
            otp_details.get("phoneMasked") or (draft.otp.phone_masked if draft.otp else "+7 *** *** ** **")
        )
        with portal_span(
            "H3: the portal attests the one-time password with its own signature",
            service_id=SERVICE_ID,
            application=application.application_id,
        ):
            element = h3.build_application(
                recipient=draft.recipient,
                organisation_code=draft.organisation_code,
                diagnosis_code=draft.diagnosis_code,
                diagnosis_text=draft.diagnosis_text,
                examined_on=draft.examined_on,
                files=list(draft.files),
                consent=draft.consent,
                confirmation="otp",
                otp=h3.OtpConfirmation(phone_masked=phone_masked, confirmed_at=confirmed_at),
                channel=draft.channel,
                application_id=draft.application_id,
                submitted_at=draft.submitted_at,
            )
            h3.sign_with(element, self.system_key)
        return h3.to_text(element), element


def _provisional_otp(user: User, submitted_at: datetime) -> h3.OtpConfirmation:
    """The ``otpConfirmation`` block of an OTP draft, as it will read once confirmed.

    The contract has no unconfirmed OTP application (``CONFIRMATION_INVALID``), so the draft carries
    the registered phone, masked, and ``confirmedAt`` = ``submittedAt``; condition 2 rebuilds the
    block with the real moment before the portal signs it (:meth:`H3Applications._attested`).
    """
    return h3.OtpConfirmation(phone_masked=mask_phone(user.phone), confirmed_at=submitted_at)
