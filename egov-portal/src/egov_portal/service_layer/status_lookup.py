"""The «1414» status look-up: an application by its portal id or the provider's registration number.

Read through the unit of work; the answer is a :class:`~egov_portal.domain.status_lookup.StatusReport`
(no personal data). Each look-up is a portal span (``status look-up («1414»)``), continued from the
request's ``traceparent`` when it carries one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from egov_kit.regulations import Regulation

from egov_portal.domain.status_lookup import StatusReport, checked_number, not_found, report_of
from egov_portal.service_layer.tracing import continued, parent_carrier, portal_span
from egov_portal.service_layer.unit_of_work import UnitOfWorkFactory

LOOKUP_SPAN = "status look-up («1414»)"


class StatusLookup:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        regulation: Callable[[str], Regulation | None],
    ) -> None:
        self.uow = uow
        self._regulation = regulation

    def lookup(self, number: str | None, *, headers: Mapping[str, str] | None = None) -> StatusReport:
        """The status of the application numbered ``number``; STATUS_NUMBER_INVALID, STATUS_NOT_FOUND."""
        with (
            continued(parent_carrier(headers)),
            portal_span(LOOKUP_SPAN, service_id="", attributes={"egov.lookup": "1414"}) as current,
        ):
            value = checked_number(number)
            with self.uow() as unit:
                application = unit.applications.get(value)
                if application is None:
                    application_id = unit.numbers.by_registration_number(value)
                    application = None if application_id is None else unit.applications.get(application_id)
            if application is None:
                current.set_attribute("egov.lookup.found", False)
                raise not_found()
            current.set_attribute("egov.lookup.found", True)
            current.set_attribute("egov.service", application.service_id)
            current.set_attribute("egov.application", application.application_id)
            regulation = self._regulation(application.service_id)
            deadline = None if regulation is None else regulation.norm.deadline()
            return report_of(application, value, deadline)
