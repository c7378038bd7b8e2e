"""H3 through the portal (seed 004): ``PHC_SanatoriumCard`` REQUEST → UPDATE, RESPONSE.

For each REQUEST (the application of ``egov_kit.documents.h3``, delivered by the gateway):

* the confirmation of seed 004 item 10 is believed first (:func:`egov_kit.documents.h3.verify_confirmation`):
  an EDS of the recipient, or the portal's own signature attesting a one-time password. A request
  that cannot be read or believed is not registered: a motivated refusal ``UNRELIABLE_DATA`` without
  a number (process 7), signed in the organisation's name (the register's when the organisation is
  unknown), so the sender is not left waiting;
* **process 6** — register it with a number, its term (``registeredFor``: item 7's 18:00 cut-off,
  weekends and holidays → 9:00 of the next working day; ``dueAt``: one working day later) and its
  files, and tell the sender with an UPDATE (REGISTERED);
* **condition 3** — the grounds of item 9 in order: ``NO_CONSENT``; ``UNRELIABLE_DATA`` (ГБД ФЛ
  through ШЭП: absent, other names, no valid identity document, deceased); ``REQUIREMENTS_NOT_MET``
  (not attached to the organisation, no clinical results, results older than 30 days — ours);
* **process 7** — the signed motivated refusal in a RESPONSE, or
* **process 8** — the card 069/у signed by the organisation's authorised person in a RESPONSE.

The answer is automatic (no employee acts in the portal channel). Idempotent: a REQUEST handled
halfway resumes where it stopped; the same applicationId in another message keeps its number and gets
the state it has (UPDATE, and the RESPONSE once there is one) correlated to that message. Transient
failures (ГБД ФЛ or the gateway unreachable) raise, so the consumer retries. UPDATE / RESPONSE /
NOTIFICATION messages addressed to РПН are ignored.
"""

from __future__ import annotations

import asyncio
import logging

from egov_kit.attachments import AttachmentError
from egov_kit.documents import h3
from egov_kit.documents.errors import DocumentError
from egov_kit.dsig import SignatureError
from egov_kit.errors import KitError
from egov_kit.identifiers import InvalidIdentifier
from egov_kit.pki import CertificateError
from egov_kit.shep.codes import SchemaViolation
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from egov_kit.shep.provider_app import handler_span
from lxml import etree

from phc_registry.adapters.orm_sanatorium import SanatoriumApplicationRow
from phc_registry.domain import seed
from phc_registry.domain.grounds import Violation
from phc_registry.domain.sanatorium import check_request
from phc_registry.service_layer import attachment, h3_steps, sanatorium
from phc_registry.service_layer.portal_replies import PortalReplies, named_in
from phc_registry.service_layer.runtime import PhcRuntime

log = logging.getLogger("phc_registry.sanatorium")

SERVICE_ID = h3.SHEP_SERVICE_ID
SYSTEM = h3_steps.SYSTEM
PORTAL_BIN = h3.PORTAL_BIN

# What makes a request unreadable or unbelievable (named errors; nothing is registered).
UNREADABLE = (SchemaViolation, InvalidIdentifier, AttachmentError, DocumentError)
UNCONFIRMED = (SignatureError, CertificateError, DocumentError)


REPLIES = PortalReplies(
    SERVICE_ID,
    h3_steps.REGULATION_ID,
    lambda uow: uow.sanatorium,
    lambda row: sanatorium.status_document(row, status="REGISTERED"),
    sanatorium.result_document,
)


async def handle_sanatorium_request(
    element: etree._Element, context: ShepContext, *, runtime: PhcRuntime
) -> None:
    """The asynchronous handler of ``PHC_SanatoriumCard`` (REQUEST from the portal)."""
    if context.message_type not in (None, MessageType.REQUEST.value):
        log.info("ignoring %s %s: РПН answers REQUESTs only", context.message_type, context.message_id)
        return
    with handler_span(f"{SERVICE_ID}: H3 application", context, system=SYSTEM) as current:
        try:
            application = h3.parse_application(element)
        except UNREADABLE as exc:
            current.set_attribute("egov.error.code", exc.code)
            await _refuse_unbelieved(runtime, element, context, exc, "Запрос не принят", "Сұрау қабылданбады")
            return
        current.set_attribute("egov.application", application.application_id)
        await process_application(runtime, element, application, context)


async def process_application(
    runtime: PhcRuntime, element: etree._Element, application: h3.SanatoriumApplication, context: ShepContext
) -> SanatoriumApplicationRow | None:
    application_id = application.application_id
    existing = await asyncio.to_thread(_existing, runtime, application_id)
    signer: str | None = None
    if existing is None:
        # item 10: believe the confirmation (EDS of the recipient, or the portal's OTP attestation)
        try:
            identity = await h3.verify_confirmation(element, runtime.validator, portal_bin=PORTAL_BIN)
        except UNCONFIRMED as exc:
            await _refuse_unbelieved(
                runtime,
                element,
                context,
                exc,
                "Подтверждение запроса не принято",
                "Сұраудың расталуы қабылданбады",
            )
            return None
        how = "ЭЦП" if application.confirmation == "eds" else "одноразовый пароль, удостоверено порталом"
        signer = f"{identity.common_name} ({how})"

    # --- process 6: register, number, the term, tell the sender --------------------------------------
    with h3_steps.step(h3_steps.PORTAL, h3_steps.PROCESS_6, application=application_id) as span:
        registration = await asyncio.to_thread(
            sanatorium.register,
            runtime,
            application,
            h3.to_text(element),
            sender_id=context.sender_id,
            message_id=context.message_id,
            signer=signer,
        )
        row = registration.row
        span.set_attribute("egov.registration_number", row.registration_number)
        span.set_attribute("egov.duplicate", not registration.created)
        span.set_attribute("egov.registered_for", sanatorium.local(row.registered_for).isoformat())
        span.set_attribute("egov.due_at", sanatorium.local(row.due_at).isoformat())
        resubmitted = await REPLIES.tell_registered(runtime, row, registration.created, context)
    number = row.registration_number

    if await REPLIES.resend_decided(runtime, row, context, resubmitted=resubmitted):
        return row

    # --- condition 3: the grounds of item 9 ----------------------------------------------------------
    with h3_steps.step(
        h3_steps.PORTAL, h3_steps.CONDITION_3, application=application_id, registration_number=number
    ) as span:
        organisation = seed.organisation(application.organisation_code)
        lookup = await runtime.gbd.lookup(application.recipient.iin)
        span.set_attribute("egov.gbdfl.status", lookup.status)
        history = await asyncio.to_thread(
            attachment.history_of, runtime.uow_factory, application.recipient.iin
        )
        active = history.active
        violation = check_request(application, lookup, organisation, active.organisation if active else None)
        await asyncio.to_thread(
            sanatorium.record_check, runtime.uow_factory, application_id, violation, lookup.person
        )
        span.set_attribute("egov.decision", violation.ground if violation else "accepted")

    # --- process 7 or process 8 ----------------------------------------------------------------------
    if violation is not None:
        return await REPLIES.refuse(runtime, context, row, violation, sanatorium.refuse)
    assert lookup.person is not None and active is not None
    with h3_steps.step(
        h3_steps.PORTAL, h3_steps.PROCESS_8, application=application_id, registration_number=number
    ) as span:
        row = await asyncio.to_thread(
            sanatorium.issue, runtime, application_id, lookup.person, active.section
        )
        span.set_attribute("egov.result", row.result_kind or "")
        span.set_attribute("egov.card_number", row.result_number or "")
        await REPLIES.send_result(runtime, row, context, mark=True)
    return row


def _existing(runtime: PhcRuntime, application_id: str) -> SanatoriumApplicationRow | None:
    with runtime.uow_factory() as uow:
        return uow.sanatorium.get(application_id)


async def _refuse_unbelieved(
    runtime: PhcRuntime,
    element: etree._Element,
    context: ShepContext,
    error: KitError,
    what_ru: str,
    what_kk: str,
) -> None:
    """A request that breaks the contract or whose confirmation is not believed is not registered:
    process 7 without a number, ``UNRELIABLE_DATA`` naming what was wrong (item 9 1))."""
    problem = f"{error.code}: {error.message}"[:1500]
    log.warning("%s %s not accepted: %s", SERVICE_ID, context.message_id, problem)
    violation = Violation(h3.UNRELIABLE_DATA, f"{what_ru}: {problem}", f"{what_kk}: {problem}")
    await REPLIES.refuse_unregistered(
        runtime, context, named_in(element, h3.tag), violation, sanatorium.signed_refusal
    )
