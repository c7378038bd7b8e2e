"""Grounds of a motivated refusal of H1: the codes of ``services/h1_phc_attachment.yaml``.

Seed 000 §10 process 7 and seed 002 table 2 steps 4 and 7 refuse "because of violations in the
recipient's data"; the ground names which one (its wording is the regulation's), the details say
what exactly was found in this case.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_IN_GBDFL = "NOT_IN_GBDFL"
DECEASED = "DECEASED"
OUT_OF_SERVICE_AREA = "OUT_OF_SERVICE_AREA"
ALREADY_ATTACHED = "ALREADY_ATTACHED"
UNRELIABLE_DATA = "UNRELIABLE_DATA"
SIGNATURE_NOT_CONFIRMED = "SIGNATURE_NOT_CONFIRMED"

CODES = (
    NOT_IN_GBDFL,
    DECEASED,
    OUT_OF_SERVICE_AREA,
    ALREADY_ATTACHED,
    UNRELIABLE_DATA,
    SIGNATURE_NOT_CONFIRMED,
)


@dataclass(frozen=True, slots=True)
class Violation:
    """A reason to refuse: the ground's code and the details of this case (ru, kk)."""

    ground: str
    details_ru: str
    details_kk: str
