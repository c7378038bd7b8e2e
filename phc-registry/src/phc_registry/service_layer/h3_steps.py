"""The steps of H3 that РПН carries out, as ``services/h3_sanatorium_card.yaml`` names them.

Portal channel (seed 004, the typical diagram of seed 000 §10): process 6 (register, number, the
term, UPDATE), condition 3 (the grounds of item 9), process 7 (motivated refusal) or process 8 (the
card 069/у), each a RESPONSE. Provider channel (the workstation, seed 002 table 2's actions): step 1
(log in) … step 8 (the card).
"""

from __future__ import annotations

from functools import partial

from egov_kit.documents import h3
from egov_kit.documents.h1 import Ground
from egov_kit.regulations import Regulation, load_regulation

from phc_registry.service_layer.steps import names_of, step_of, step_part

REGULATION_ID = h3.SERVICE_ID
SYSTEM = "phc-registry"

PORTAL = "portal"
PROVIDER = "provider"

PROCESS_6 = "process 6"  # register, number, the term; UPDATE
CONDITION_3 = "condition 3"  # the grounds of item 9
PROCESS_7 = "process 7"  # motivated refusal, RESPONSE
PROCESS_8 = "process 8"  # the card 069/у, RESPONSE

STEP_1 = "step 1"  # log in with ИИН and password
STEP_2 = "step 2"  # choose the service
STEP_3 = "step 3"  # ask ГБД ФЛ
STEP_4 = "step 4"  # no data in ГБД ФЛ: motivated refusal
STEP_5 = "step 5"  # fill in the form, attach scans, consent, sign
STEP_6 = "step 6"  # register with a number, check the grounds
STEP_7 = "step 7"  # motivated refusal
STEP_8 = "step 8"  # the card 069/у


def regulation() -> Regulation:
    return load_regulation(REGULATION_ID)


step = partial(step_of, REGULATION_ID)  # The span of one step of H3 carried out by РПН.
part = partial(step_part, REGULATION_ID)  # A span of work within a provider step of H3.


def ground(code: str) -> Ground:
    """A refusal ground of H3 with the regulation's wording (whitespace of the YAML folded)."""
    return h3.ground(code)


def service_names() -> tuple[str, str]:
    return names_of(REGULATION_ID)
