"""The steps of H1 that РПН carries out, as the regulation (``services/h1_phc_attachment.yaml``) names them.

Every step runs inside its span (``"<step id>: <title_en>"``, see
:meth:`egov_kit.regulations.Regulation.step_span`) and writes a log line naming it (logger
``phc_registry.steps``), so a trace and the log read like the seed's diagram:

* portal channel (seed 000 §10): process 6 (register, number, UPDATE), condition 3 (the checks),
  process 7 (motivated refusal) or process 8 (talon), each a RESPONSE;
* provider channel (seed 002 table 2): step 1 (log in) … step 8 (the paper talon).

``application`` on a span is the applicationId; the registration number, once assigned, is the
attribute ``egov.registration_number``. Work that belongs to a provider step without being it (the
scans, the forms of steps 5, 7 and 8) has its own span (:func:`step_part`) naming the step in
``egov.within_step``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from egov_kit.documents.h1 import Ground
from egov_kit.regulations import Regulation, load_regulation
from egov_kit.telemetry import span
from opentelemetry.trace import Span

log = logging.getLogger("phc_registry.steps")

REGULATION_ID = "H1"
SYSTEM = "phc-registry"

PORTAL = "portal"
PROVIDER = "provider"

PROCESS_6 = "process 6"
CONDITION_3 = "condition 3"
PROCESS_7 = "process 7"
PROCESS_8 = "process 8"

STEP_1 = "step 1"  # log in with ИИН and password
STEP_2 = "step 2"  # choose the service
STEP_3 = "step 3"  # ask ГБД ФЛ
STEP_4 = "step 4"  # no data in ГБД ФЛ: motivated refusal
STEP_5 = "step 5"  # fill in the form, attach scans, sign
STEP_6 = "step 6"  # register with a number
STEP_7 = "step 7"  # motivated refusal
STEP_8 = "step 8"  # paper talon


def regulation() -> Regulation:
    return load_regulation(REGULATION_ID)


@contextmanager
def step_of(
    regulation_id: str, channel: str, step_id: str, *, application: str | None = None, **attributes: Any
) -> Iterator[Span]:
    """The span of one step of a regulation (H1, H2, H3) carried out by РПН, and its log line."""
    extra = {f"egov.{key}": value for key, value in attributes.items() if value is not None}
    regulation = load_regulation(regulation_id)
    with regulation.step_span(
        channel, step_id, system=SYSTEM, application=application, attributes=extra
    ) as current:
        title = regulation.step(channel, step_id).title_en
        log.info("%s %s %s: %s%s", regulation_id, channel, step_id, title, _facts(application, extra))
        yield current


@contextmanager
def step_part(regulation_id: str, step_id: str, name: str, **attributes: Any) -> Iterator[Span]:
    """A span of work that belongs to a provider step without being it (a form, an upload): named
    ``name``, the step's id in ``egov.within_step`` (not ``egov.step.id``: the step's own span is
    the one of that step) and in its log line."""
    extra = {f"egov.{key}": value for key, value in attributes.items() if value is not None}
    extra |= {"egov.within_service": regulation_id, "egov.within_step": step_id}
    with span(name, attributes=extra) as current:
        log.info("%s %s %s, %s%s", regulation_id, PROVIDER, step_id, name, _facts(None, extra))
        yield current


def _facts(application: str | None, attributes: dict[str, Any]) -> str:
    facts = {"application": application} if application else {}
    facts |= {
        key.removeprefix("egov."): value
        for key, value in attributes.items()
        if not key.startswith("egov.within_")
    }
    return "".join(f" {key}={value}" for key, value in facts.items())


def ground_of(regulation_id: str, code: str) -> Ground:
    """A refusal ground of a regulation with its wording."""
    found = load_regulation(regulation_id).refusal_ground(code)
    return Ground(found.code, found.ru, found.kk)


def names_of(regulation_id: str) -> tuple[str, str]:
    """A service's name (ru, kk) for the workstation's choice of service (step 2)."""
    names = load_regulation(regulation_id).names
    return names.ru, names.kk


step = partial(step_of, REGULATION_ID)  # The span of one step of H1 carried out by РПН.
part = partial(step_part, REGULATION_ID)  # A span of work within a provider step of H1.


def ground(code: str) -> Ground:
    """A refusal ground with the regulation's wording."""
    return ground_of(REGULATION_ID, code)


def service_names() -> tuple[str, str]:
    """The service's name (ru, kk) for the workstation's choice of service (step 2)."""
    return names_of(REGULATION_ID)
