"""Result of ENIS_PowerOfAttorneySync: a code and messages in Russian and Kazakh, and the status
dictionary of a power of attorney (code + nameRu + nameKz).

| code         | when                                                                  |
|--------------|-----------------------------------------------------------------------|
| VALID        | in force for this principal and representative                        |
| MISSING      | no power of attorney with this number                                 |
| EXPIRED      | its validity ended before today                                       |
| REVOKED      | revoked by the principal (notary registered the revocation)           |
| MISMATCH     | the number exists but names another principal/representative pair     |
| OUT_OF_SCOPE | in force, but does not cover the serviceCode asked about (optional)   |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from enis_mock.domain.model import PowerOfAttorney, Verdict


@dataclass(frozen=True, slots=True)
class Message:
    code: str
    message_ru: str
    message_kz: str


MESSAGES: dict[Verdict, Message] = {
    Verdict.VALID: Message("VALID", "Доверенность действительна", "Сенімхат жарамды"),
    Verdict.MISSING: Message(
        "MISSING",
        "Доверенность с указанным номером в ЕНИС отсутствует",
        "Көрсетілген нөмірлі сенімхат БНАЖ-да жоқ",
    ),
    Verdict.EXPIRED: Message(
        "EXPIRED", "Срок действия доверенности истёк", "Сенімхаттың қолданылу мерзімі өтті"
    ),
    Verdict.REVOKED: Message(
        "REVOKED", "Доверенность отменена доверителем", "Сенімхаттың күшін сенім білдіруші жойды"
    ),
    Verdict.MISMATCH: Message(
        "MISMATCH",
        "Доверенность выдана другим лицом или на другое лицо",
        "Сенімхат басқа тұлғаға немесе басқа тұлғаның атынан берілген",
    ),
    Verdict.OUT_OF_SCOPE: Message(
        "OUT_OF_SCOPE",
        "Доверенность не распространяется на указанную услугу",
        "Сенімхат көрсетілген қызметке қолданылмайды",
    ),
}


@dataclass(frozen=True, slots=True)
class Status:
    code: str
    name_ru: str
    name_kz: str


ACTIVE = Status("1", "Действует", "Күшінде")
EXPIRED = Status("2", "Срок действия истёк", "Мерзімі өтті")
REVOKED = Status("3", "Отменена", "Күші жойылды")


def status_at(power: PowerOfAttorney, moment: datetime) -> Status:
    if power.is_revoked_at(moment):
        return REVOKED
    if power.is_expired_on(moment.date()):
        return EXPIRED
    return ACTIVE
