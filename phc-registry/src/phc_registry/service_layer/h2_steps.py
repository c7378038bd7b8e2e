"""The steps of H2 that РПН carries out, as ``services/h2_doctor_appointment.yaml`` names them.

Portal channel (seed 001 §9): process 6 (register, number, UPDATE), condition 3 (the checks), process
7 (motivated refusal) or process 8 (the appointment), each a RESPONSE. Provider channel (seed 001 §5):
step 1 (accept the documents), step 2 (the entry in the pre-registration journal).
"""

from __future__ import annotations

from functools import partial

from egov_kit.documents.h1 import Ground
from egov_kit.regulations import Regulation, load_regulation

from phc_registry.service_layer.steps import ground_of, step_of

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


step = partial(step_of, REGULATION_ID)  # The span of one step of H2 carried out by РПН.


def ground(code: str) -> Ground:
    return ground_of(REGULATION_ID, code)
