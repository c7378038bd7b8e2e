"""Steps of the regulation as spans, and the trace an application lives in.

Every step the portal performs is a span named after the regulation (``process 1: …``), opened with
``Regulation.step_span("portal", step_id, …)`` from ``egov_kit.regulations`` so that the names and
titles come from ``services/*.yaml``. One application is one trace: the parent context of a step is,
in this order, the ``traceparent`` the request carries (the replay sends one), the application's
stored context, the session's stored context (started at login, process 1); otherwise the step
starts a new trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from egov_kit.errors import KitError
from egov_kit.telemetry import extracted, inject, span
from egov_kit.telemetry import step_span as kit_step_span
from opentelemetry.trace import Span

log = logging.getLogger("egov_portal")

SYSTEM = "egov-portal"
CHANNEL = "portal"


class RegulationLike(Protocol):
    """What the portal uses of ``egov_kit.regulations.Regulation``."""

    def step(self, channel: str, step_id: str) -> object: ...

    def step_span(
        self, channel: str, step_id: str, *, system: str | None = ..., application: str | None = ...
    ) -> AbstractContextManager[Span]: ...


# Used only when the regulation cannot be loaded (a broken services/ folder): the same names.
FALLBACK_TITLES = {
    "process 1": "the recipient enters IIN and password (authorisation)",
    "condition 1": "the portal checks the registered recipient's IIN and password",
    "process 2": "the portal refuses authorisation",
    "process 3": "the recipient chooses the service and fills in the request form",
    "condition 2": "the portal checks the EDS certificate and the IIN in the request",
    "process 4": "refusal: the recipient's EDS is not confirmed",
    "process 5": "the signed request goes through SHEP to the provider",
}


class Steps:
    """Opens the portal's step spans for one regulation (the service the step belongs to).

    ``loader`` gives the regulation (``egov_kit.regulations.load_regulation``); it is asked again
    until it answers, so a portal started before ``services/`` is complete still names its spans.
    """

    def __init__(self, service_id: str, loader: Callable[[str], RegulationLike | None]) -> None:
        self.service_id = service_id
        self._loader = loader
        self._regulation: RegulationLike | None = None
        self._others: dict[str, Steps] = {service_id: self}

    def of(self, service_id: str) -> Steps:
        """The steps of another public service (same loader), made once and kept."""
        found = self._others.get(service_id)
        if found is None:
            found = self._others[service_id] = Steps(service_id, self._loader)
            found._others = self._others
        return found

    @property
    def regulation(self) -> RegulationLike | None:
        if self._regulation is None:
            try:
                self._regulation = self._loader(self.service_id)
            except KitError as exc:
                log.warning("regulation %s unavailable, spans use fallback titles: %s", self.service_id, exc)
        return self._regulation

    @contextmanager
    def step(
        self, step_id: str, *, application: str | None = None, attributes: Mapping[str, Any] | None = None
    ) -> Iterator[Span]:
        manager: AbstractContextManager[Span] | None = None
        regulation = self.regulation
        if regulation is not None:
            regulation.step(CHANNEL, step_id)  # an unknown step is a programming error: raise
            manager = regulation.step_span(CHANNEL, step_id, system=SYSTEM, application=application)
        if manager is None:
            manager = kit_step_span(
                step_id,
                FALLBACK_TITLES.get(step_id, step_id),
                system=SYSTEM,
                application=application,
                service=self.service_id,
                channel=CHANNEL,
            )
        with manager as current:
            for key, value in (attributes or {}).items():
                if value is not None:
                    current.set_attribute(key, value)
            yield current


@contextmanager
def portal_span(
    name: str, *, service_id: str, application: str | None = None, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """A span of the portal's own work that is no numbered step (registration, receiving a result)."""
    attrs: dict[str, Any] = {
        "egov.system": SYSTEM,
        "egov.service": service_id,
        "egov.channel": CHANNEL,
        "egov.application": application,
    }
    attrs.update(attributes or {})
    with span(name, attributes=attrs) as current:
        yield current


def parent_carrier(headers: Mapping[str, str] | None, *stored: str | None) -> dict[str, str]:
    """The W3C carrier to continue: the request's own, else the first stored traceparent."""
    if headers is not None:
        traceparent = headers.get("traceparent")
        if traceparent:
            carrier = {"traceparent": traceparent}
            tracestate = headers.get("tracestate")
            if tracestate:
                carrier["tracestate"] = tracestate
            return carrier
    for traceparent in stored:
        if traceparent:
            return {"traceparent": traceparent}
    return {}


def continued(carrier: Mapping[str, str]) -> AbstractContextManager[None]:
    """Make ``carrier``'s context current (an empty carrier starts a new trace)."""
    return extracted(carrier)


def current_traceparent() -> str | None:
    value = inject().get("traceparent")
    return str(value) if value else None
