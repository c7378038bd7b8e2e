"""The steps of H2 that РПН carries out, as ``services/h2_doctor_appointment.yaml`` names them.

Portal channel (seed 001 §9): process 6 (register, number, UPDATE), condition 3 (the checks), process
7 (motivated refusal) or process 8 (the appointment), each a RESPONSE. Provider channel (seed 001 §5):
step 1 (accept the documents), step 2 (the entry in the pre-registration journal).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from egov_kit.documents.h1 import Ground
from egov_kit.regulations import Regulation, load_regulation
from opentelemetry.trace import Span

REGULATION_ID = "H2"
SYSTEM = "phc-registry"

PORTAL = "portal"
PROVIDER = "provider"

PROCESS_6 = "process 6"
CONDITION_3 = "condition 3"
PROCESS_7 = "process 7"
PROCESS_8 = "process 8"
STEP_1 = "step 1"  # accept the recipient's documents
STEP_2 = "step 2"  # the entry in the journal, the date and time told

NOT_IN_GBDFL = "NOT_IN_GBDFL"
NOT_ATTACHED = "NOT_ATTACHED"
SLOT_TAKEN = "SLOT_TAKEN"
SIGNATURE_NOT_CONFIRMED = "SIGNATURE_NOT_CONFIRMED"


def regulation() -> Regulation:
    return load_regulation(REGULATION_ID)


@contextmanager
def step(channel: str, step_id: str, *, application: str | None = None, **attributes: Any) -> Iterator[Span]:
    """The span of one step of H2 carried out by РПН."""
    extra = {f"egov.{key}": value for key, value in attributes.items() if value is not None}
    with regulation().step_span(
        channel, step_id, system=SYSTEM, application=application, attributes=extra
    ) as current:
        yield current


def ground(code: str) -> Ground:
    found = regulation().refusal_ground(code)
    return Ground(found.code, found.ru, found.kk)
