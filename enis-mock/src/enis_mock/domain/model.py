"""A notarised power of attorney (доверенность) and how ЕНИС judges it on a given moment.

Seed 003 (services 9 and 10): the State Corporation operator enters the power of attorney's data when
it is notarised, and ЕНИС is asked about it through ШЭП (process 3, condition 1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from egov_kit.identifiers import is_valid, validate_iin

from enis_mock.domain.errors import AlreadyRevoked, InvalidDates, InvalidScope, SamePerson

ALL_SERVICES = "ALL"


class Verdict(StrEnum):
    """The answer about one power of attorney for one principal/representative pair."""

    VALID = "VALID"
    MISSING = "MISSING"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    MISMATCH = "MISMATCH"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"


@dataclass(frozen=True, slots=True)
class Notary:
    full_name: str
    licence_number: str
    office_id: str  # БИН of the notary office, or ИИН of a private notary


@dataclass(frozen=True, slots=True)
class PowerOfAttorney:
    number: str
    principal_iin: str
    representative_iin: str
    notary: Notary
    issue_date: date
    valid_until: date
    scope: tuple[str, ...] = (ALL_SERVICES,)  # service codes, or ALL
    scope_text: str | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def covers_all_services(self) -> bool:
        return ALL_SERVICES in self.scope

    def covers(self, service_code: str) -> bool:
        return self.covers_all_services or service_code in self.scope

    def is_revoked_at(self, moment: datetime) -> bool:
        return self.revoked_at is not None and self.revoked_at <= moment

    def is_expired_on(self, day: date) -> bool:
        return day > self.valid_until

    def revoke(self, moment: datetime, reason: str | None = None) -> PowerOfAttorney:
        if self.revoked_at is not None:
            raise AlreadyRevoked(
                f"Доверенность {self.number} уже отменена / {self.number} сенімхатының күші бұрын жойылған"
            )
        return dataclasses.replace(self, revoked_at=moment, revocation_reason=reason)

    def check(self, today: date) -> None:
        """Rules for registration (named errors): ИИН check digits, distinct persons, dates, scope."""
        validate_iin(self.principal_iin)
        validate_iin(self.representative_iin)
        if not is_valid(self.notary.office_id):
            validate_iin(self.notary.office_id)  # raises INVALID_IIN_BIN with the standard message
        if self.principal_iin == self.representative_iin:
            raise SamePerson(
                "Доверитель и представитель не могут быть одним лицом / "
                "Сенім білдіруші мен өкіл бір тұлға бола алмайды"
            )
        if self.issue_date > today:
            raise InvalidDates(
                "Дата совершения доверенности позже текущей даты / "
                "Сенімхат жасалған күн ағымдағы күннен кейін"
            )
        if self.valid_until < self.issue_date:
            raise InvalidDates(
                "Срок действия заканчивается раньше даты совершения / "
                "Қолданылу мерзімі сенімхат жасалған күннен бұрын аяқталады"
            )
        if not self.scope or any(not code.strip() for code in self.scope):
            raise InvalidScope(
                "Укажите полномочия: коды услуг или ALL / "
                "Өкілеттіктерді көрсетіңіз: қызмет кодтары немесе ALL"
            )


def verify(
    power: PowerOfAttorney | None,
    principal_iin: str,
    representative_iin: str,
    moment: datetime,
    service_code: str | None = None,
) -> Verdict:
    """Judge a power of attorney for a pair of persons at ``moment`` (from ``egov_kit.clock``).

    Order: missing, then a different pair (the details are not disclosed), then revoked, then
    expired, then outside the scope asked about; otherwise valid.
    """
    if power is None:
        return Verdict.MISSING
    if (power.principal_iin, power.representative_iin) != (principal_iin, representative_iin):
        return Verdict.MISMATCH
    if power.is_revoked_at(moment):
        return Verdict.REVOKED
    if power.is_expired_on(moment.date()):
        return Verdict.EXPIRED
    if service_code is not None and not power.covers(service_code):
        return Verdict.OUT_OF_SCOPE
    return Verdict.VALID


def discloses_details(verdict: Verdict) -> bool:
    """Details are answered only to the pair the power of attorney names."""
    return verdict not in (Verdict.MISSING, Verdict.MISMATCH)
