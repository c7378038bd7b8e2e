"""What the portal channels of H1, H2 and H3 share: answering the sender of a REQUEST.

A :class:`PortalReplies` is one service's answers, correlated to the REQUEST they answer:

* :meth:`PortalReplies.tell_registered` — the end of process 6: the UPDATE (REGISTERED), sent once
  (again when the same applicationId comes in another message), marked ``update_sent_at``;
* :meth:`PortalReplies.resend_decided` — a request decided before (a redelivery after a crash, or the
  same application sent again) gets its RESPONSE again, in the span of process 7 or process 8;
* :meth:`PortalReplies.send_result` — the stored result in a RESPONSE, marked ``response_sent_at``;
* :meth:`PortalReplies.refuse` — process 7: the service's signed refusal kept, then sent;
* :meth:`PortalReplies.refuse_unregistered` — process 7 without a number for a request that cannot be
  registered (unreadable, or its confirmation not believed), with what it names of itself
  (:func:`named_in`), so the sender is not left waiting.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from egov_kit.clock import now
from egov_kit.identifiers import is_valid
from egov_kit.shep.models import MessageType
from egov_kit.shep.provider import ShepContext
from lxml import etree

from phc_registry.domain import seed
from phc_registry.domain.grounds import Violation
from phc_registry.domain.model import MedicalOrganisation
from phc_registry.service_layer.attachment import SignRefusal
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.steps import PORTAL, PROCESS_7, PROCESS_8, step_of
from phc_registry.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory


class RequestRow(Protocol):
    """A request of the portal channel as kept (H1, H2 and H3 rows alike)."""

    application_id: str
    registration_number: str
    message_id: str | None
    result_kind: str | None
    result_xml: str | None
    update_sent_at: datetime | None
    response_sent_at: datetime | None


RowT = TypeVar("RowT", bound=RequestRow)


class Rows(Protocol[RowT]):
    def get(self, application_id: str) -> RowT | None: ...

    def add(self, row: RowT) -> RowT: ...


@dataclass(frozen=True)
class Named:
    """What a request that cannot be registered names of itself (each when it reads as one)."""

    recipient_iin: str | None
    application_id: str | None
    organisation: MedicalOrganisation | None


def named_in(element: etree._Element, tag: Callable[[str], str]) -> Named:
    """The recipient's ИИН, the applicationId and the organisation of a request (``tag``: its namespace)."""
    iin = element.findtext(f"{tag('recipient')}/{tag('iin')}") or ""
    return Named(
        iin if is_valid(iin) else None,
        _uuid(element.findtext(tag("applicationId"))),
        seed.organisation(element.findtext(tag("organisationCode")) or ""),
    )


def _uuid(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class PortalReplies(Generic[RowT]):
    service_id: str  # the ШЭП service the REQUEST came on
    regulation_id: str  # whose step ids the spans carry
    rows: Callable[[UnitOfWork], Rows[RowT]]  # where the service keeps its requests
    registered: Callable[[RowT], etree._Element]  # the UPDATE's body: REGISTERED
    result: Callable[[RowT], etree._Element]  # the RESPONSE's body: the stored result

    async def reply(
        self, runtime: PhcRuntime, element: etree._Element, kind: MessageType, context: ShepContext
    ) -> None:
        await runtime.reply.send(
            self.service_id, element, message_type=kind, correlation_id=context.message_id
        )

    def mark_sent(self, uow_factory: UnitOfWorkFactory, application_id: str, *, update: bool = False) -> None:
        with uow_factory() as uow:
            rows = self.rows(uow)
            row = rows.get(application_id)
            if row is None:
                return
            if update:
                row.update_sent_at = now().astimezone(UTC)
            else:
                row.response_sent_at = now().astimezone(UTC)
            rows.add(row)

    async def tell_registered(
        self, runtime: PhcRuntime, row: RowT, created: bool, context: ShepContext
    ) -> bool:
        """Process 6's UPDATE (REGISTERED); whether the application came again in another message."""
        resubmitted = not created and row.message_id != context.message_id
        if created or resubmitted or row.update_sent_at is None:
            await self.reply(runtime, self.registered(row), MessageType.UPDATE, context)
            if not resubmitted:
                await asyncio.to_thread(self.mark_sent, runtime.uow_factory, row.application_id, update=True)
        return resubmitted

    async def resend_decided(
        self, runtime: PhcRuntime, row: RowT, context: ShepContext, *, resubmitted: bool
    ) -> bool:
        """Whether the request is decided; its RESPONSE again when not sent yet or asked again."""
        if row.result_xml is None:
            return False
        if row.response_sent_at is None or resubmitted:
            step_id = PROCESS_7 if row.result_kind == "refusal" else PROCESS_8
            with step_of(
                self.regulation_id,
                PORTAL,
                step_id,
                application=row.application_id,
                registration_number=row.registration_number,
            ):
                await self.send_result(runtime, row, context, mark=not resubmitted)
        return True

    async def send_result(self, runtime: PhcRuntime, row: RowT, context: ShepContext, *, mark: bool) -> None:
        await self.reply(runtime, self.result(row), MessageType.RESPONSE, context)
        if mark:
            await asyncio.to_thread(self.mark_sent, runtime.uow_factory, row.application_id)

    async def refuse(
        self,
        runtime: PhcRuntime,
        context: ShepContext,
        row: RowT,
        violation: Violation,
        refuse: Callable[[PhcRuntime, str, Violation], RowT],
    ) -> RowT:
        """Process 7: the signed refusal naming ``violation``'s ground (kept by ``refuse``) in a RESPONSE."""
        with step_of(
            self.regulation_id,
            PORTAL,
            PROCESS_7,
            application=row.application_id,
            registration_number=row.registration_number,
            ground=violation.ground,
        ):
            refused = await asyncio.to_thread(refuse, runtime, row.application_id, violation)
            await self.send_result(runtime, refused, context, mark=True)
        return refused

    async def refuse_unregistered(
        self,
        runtime: PhcRuntime,
        context: ShepContext,
        named: Named,
        violation: Violation,
        sign: SignRefusal,
    ) -> None:
        """Process 7 without a number: the signed refusal (``sign``) in a RESPONSE."""
        with step_of(
            self.regulation_id, PORTAL, PROCESS_7, application=named.application_id, ground=violation.ground
        ):
            refusal = await asyncio.to_thread(
                sign,
                runtime,
                violation,
                recipient_iin=named.recipient_iin,
                organisation=named.organisation,
                application_id=named.application_id,
            )
            await self.reply(runtime, refusal, MessageType.RESPONSE, context)
