"""The «1414» status look-up (seed 004: the single contact centre tells the status of an application).

Anyone may ask by number — the portal's application id or the provider's registration number — so
the answer carries the status, the service and the dates only: no name, no ИИН, no organisation, no
reason text, no document. The due moment is the regulation's overall norm counted from the
registration moment of the request (``egov_kit.calendar``), shown while the result is awaited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from egov_kit.calendar import registration_moment

from egov_portal.domain.errors import PortalError
from egov_portal.domain.model import Application, ApplicationStatus

# Portal ids are UUIDs, registration numbers e.g. "RPN-2025-000042": letters, digits and - _ .
NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


class StatusNumberInvalid(PortalError):
    code = "STATUS_NUMBER_INVALID"
    http_status = 400


class StatusNotFound(PortalError):
    code = "STATUS_NOT_FOUND"
    http_status = 404


def checked_number(number: str | None) -> str:
    value = (number or "").strip()
    if not NUMBER.fullmatch(value):
        raise StatusNumberInvalid(
            "Укажите номер заявления (номер на портале или регистрационный номер услугодателя): "
            "латинские буквы, цифры, «-», «_», «.», не более 64 знаков",
            "Өтініш нөмірін көрсетіңіз (порталдағы нөмір немесе қызмет берушінің тіркеу нөмірі): "
            "латын әріптері, цифрлар, «-», «_», «.», 64 таңбадан аспайды",
        )
    return value


def not_found() -> StatusNotFound:
    return StatusNotFound(
        "Заявление с таким номером не найдено",
        "Мұндай нөмірлі өтініш табылмады",
    )


class DeadlineLike(Protocol):
    def due(self, start: datetime) -> datetime: ...


@dataclass(frozen=True)
class StatusReport:
    """What «1414» may tell anyone who knows the number."""

    number: str
    status: ApplicationStatus
    service_id: str
    submitted_at: datetime | None  # process 5: sent to the provider through ШЭП
    registered_at: datetime | None  # process 6: the provider assigned its number
    result_at: datetime | None  # the result or the refusal (process 4, 7 or 8)
    due_at: datetime | None  # while the result is awaited


def _first(application: Application, *statuses: ApplicationStatus) -> datetime | None:
    moments = [event.at for event in application.history if event.status in statuses]
    return min(moments) if moments else None


def report_of(application: Application, number: str, deadline: DeadlineLike | None) -> StatusReport:
    submitted = _first(application, ApplicationStatus.SENT)
    final = application.status in (ApplicationStatus.DONE, ApplicationStatus.REFUSED)
    due = None
    if submitted is not None and not application.status.final and deadline is not None:
        due = deadline.due(registration_moment(submitted))
    return StatusReport(
        number=number,
        status=application.status,
        service_id=application.service_id,
        submitted_at=submitted,
        registered_at=_first(application, ApplicationStatus.REGISTERED),
        result_at=_first(application, application.status) if final else None,
        due_at=due,
    )
