"""H1 through the portal (seed 000 §10, seed 002 table 1): ``RPN_Attachment`` REQUEST → UPDATE, RESPONSE.

For each REQUEST (the citizen-signed application, delivered by the gateway):

* **process 6** — register it with a number and tell the sender with an UPDATE (status REGISTERED);
* **condition 3** — the application's signature and the signer's certificate (the signer is the
  recipient), then ГБД ФЛ through ШЭП (present, alive, the same names), the organisation serves the
  recipient's registered address, the recipient is not attached to it already;
* **process 7** — a signed motivated refusal in a RESPONSE, or
* **process 8** — the attachment (closing the previous one) and the signed talon in a RESPONSE.

Idempotent: the consumer skips a messageId it handled; a REQUEST handled halfway (a crash between
steps) resumes where it stopped; the same applicationId in another message keeps its number and
gets the state it has (UPDATE, and the RESPONSE once there is one) correlated to that message.
Transient failures (ГБД ФЛ or the gateway unreachable) raise, so the consumer retries.
"""

from __future__ import annotations

import asyncio
import logging

from egov_kit.documents import h1
from egov_kit.documents.errors import IinMismatch
from egov_kit.documents.h1 import Application, parse_application, verify_signed
from egov_kit.dsig import SignatureError
from egov_kit.errors import KitError
from egov_kit.identifiers import InvalidIdentifier
from egov_kit.pki import CertificateError
from egov_kit.shep.codes import SchemaViolation
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from egov_kit.shep.provider_app import handler_span
from lxml import etree

from phc_registry.adapters.orm import ApplicationRow
from phc_registry.domain import grounds as g
from phc_registry.domain import seed
from phc_registry.domain.grounds import Violation
from phc_registry.domain.rules import Accepted, check_application
from phc_registry.service_layer import attachment, steps
from phc_registry.service_layer.portal_replies import PortalReplies, named_in
from phc_registry.service_layer.runtime import PhcRuntime

log = logging.getLogger("phc_registry.portal")

SERVICE_ID = h1.SHEP_SERVICE_ID
SYSTEM = steps.SYSTEM


REPLIES = PortalReplies(
    SERVICE_ID,
    steps.REGULATION_ID,
    lambda uow: uow.applications,
    lambda row: attachment.status_document(row, status="REGISTERED"),
    attachment.result_document,
)


async def _signature_violation(
    runtime: PhcRuntime, element: etree._Element, application: Application
) -> tuple[Violation | None, str | None]:
    """Condition 3, first: the application is signed by the recipient with a valid certificate."""
    try:
        identity = await verify_signed(element, runtime.validator, expected_iin=application.recipient.iin)
    except (SignatureError, CertificateError, IinMismatch) as exc:
        return (
            Violation(
                g.SIGNATURE_NOT_CONFIRMED,
                f"Подпись заявления не подтверждена ({exc.code}): {exc.message}",
                f"Өтініштің қолтаңбасы расталмады ({exc.code}): {exc.message}",
            ),
            None,
        )
    return None, f"{identity.common_name} (ИИН {identity.iin})"


async def handle_attachment_request(
    element: etree._Element, context: ShepContext, *, runtime: PhcRuntime
) -> None:
    """The asynchronous handler of ``RPN_Attachment`` (REQUEST from the portal or an integrator)."""
    if context.message_type not in (None, MessageType.REQUEST.value):
        log.info("ignoring %s %s: РПН answers REQUESTs only", context.message_type, context.message_id)
        return
    with handler_span(f"{SERVICE_ID}: H1 application", context, system=SYSTEM) as current:
        try:
            application = parse_application(element)
        except (SchemaViolation, InvalidIdentifier) as exc:
            current.set_attribute("egov.error.code", exc.code)
            await _refuse_unreadable(runtime, element, context, exc)
            return
        current.set_attribute("egov.application", application.application_id)
        await process_application(runtime, element, application, context)


async def process_application(
    runtime: PhcRuntime, element: etree._Element, application: Application, context: ShepContext
) -> ApplicationRow:
    application_id = application.application_id
    signed_xml = h1.to_text(element)

    # --- process 6: register, assign a number, tell the sender -------------------------------------
    with steps.step(steps.PORTAL, steps.PROCESS_6, application=application_id) as span:
        registration = await asyncio.to_thread(
            attachment.register,
            runtime.uow_factory,
            application,
            signed_xml,
            sender_id=context.sender_id,
            message_id=context.message_id,
        )
        row = registration.row
        span.set_attribute("egov.registration_number", row.registration_number)
        span.set_attribute("egov.duplicate", not registration.created)
        resubmitted = await REPLIES.tell_registered(runtime, row, registration.created, context)
    number = row.registration_number

    if await REPLIES.resend_decided(runtime, row, context, resubmitted=resubmitted):
        return row

    # --- condition 3: the grounds for the service ----------------------------------------------------
    with steps.step(
        steps.PORTAL, steps.CONDITION_3, application=application_id, registration_number=number
    ) as span:
        violation, signer = await _signature_violation(runtime, element, application)
        decision: Violation | Accepted
        person = None
        if violation is not None:
            decision = violation
        else:
            lookup = await runtime.gbd.lookup(application.recipient.iin)
            span.set_attribute("egov.gbdfl.status", lookup.status)
            person = lookup.person
            organisation = seed.organisation(application.organisation_code)
            history = await asyncio.to_thread(
                attachment.history_of, runtime.uow_factory, application.recipient.iin
            )
            decision = check_application(application, lookup, organisation, history)
        span.set_attribute(
            "egov.decision", decision.ground if isinstance(decision, Violation) else "accepted"
        )
        if signer:
            span.set_attribute("egov.signer", signer)

    # --- process 7 or process 8 ----------------------------------------------------------------------
    if isinstance(decision, Violation):
        return await REPLIES.refuse(runtime, context, row, decision, attachment.refuse)
    assert person is not None
    with steps.step(
        steps.PORTAL, steps.PROCESS_8, application=application_id, registration_number=number
    ) as span:
        row = await asyncio.to_thread(attachment.attach, runtime, application_id, decision, person)
        span.set_attribute("egov.result", row.result_kind or "")
        await REPLIES.send_result(runtime, row, context, mark=True)
    return row


async def _refuse_unreadable(
    runtime: PhcRuntime, element: etree._Element, context: ShepContext, error: KitError
) -> None:
    """An application that breaks the contract cannot be registered: a refusal in the register's name.

    Process 7 without a number: the RESPONSE names UNRELIABLE_DATA and what was wrong, so the sender
    is not left waiting.
    """
    problem = error.message[:1500]
    violation = Violation(
        g.UNRELIABLE_DATA, f"Заявление не принято: {problem}", f"Өтініш қабылданбады: {problem}"
    )
    await REPLIES.refuse_unregistered(
        runtime, context, named_in(element, h1.tag), violation, attachment.refusal_document
    )
