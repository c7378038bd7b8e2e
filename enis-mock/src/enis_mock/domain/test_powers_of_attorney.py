"""Documented test powers of attorney (enis-mock/README.md), seeded on first start.

They name gbd-fl-mock's test persons: the principal 480509490641 (Нурпеисова Бибігүл Оспанқызы) and
her representative 801017390711 (Нурпеисов Данияр Ғалымұлы). The two services share no code; a
test checks these ИИН against gbd_fl_mock.domain.test_persons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from egov_kit.clock import KZ_TZ

from enis_mock.domain.model import ALL_SERVICES, Notary, PowerOfAttorney, Verdict

PRINCIPAL_IIN = "480509490641"  # gbd-fl-mock archetype "principal"
REPRESENTATIVE_IIN = "801017390711"  # gbd-fl-mock archetype "representative"
OTHER_PERSON_IIN = "880412390017"  # gbd-fl-mock archetype "adult": used to show MISMATCH

VALID_NUMBER = "POA-2025-000001"
EXPIRED_NUMBER = "POA-2021-000002"
REVOKED_NUMBER = "POA-2024-000003"
LIMITED_SCOPE_NUMBER = "POA-2025-000004"
MISSING_NUMBER = "POA-2025-999999"  # never registered

NOTARY_ORAL = Notary("Тлеуова Гульмира Сериковна", "0001847 от 14.05.2009", "750214491019")
NOTARY_OFFICE = Notary("Абдуллина Роза Маратовна", "0002319 от 02.09.2011", "090540011237")


@dataclass(frozen=True, slots=True)
class TestPowerOfAttorney:
    power: PowerOfAttorney | None  # None: the number that is never registered
    number: str
    expected: Verdict  # for the documented principal/representative pair
    purpose_en: str

    __test__ = False  # not a pytest test class


TEST_POWERS_OF_ATTORNEY: tuple[TestPowerOfAttorney, ...] = (
    TestPowerOfAttorney(
        PowerOfAttorney(
            number=VALID_NUMBER,
            principal_iin=PRINCIPAL_IIN,
            representative_iin=REPRESENTATIVE_IIN,
            notary=NOTARY_ORAL,
            issue_date=date(2025, 1, 15),
            valid_until=date(2035, 1, 14),
            scope=(ALL_SERVICES,),
            scope_text="Представлять интересы доверителя в государственных органах и "
            "Государственной корпорации по всем государственным услугам / "
            "Сенім білдірушінің мүддесін мемлекеттік органдарда және "
            "Мемлекеттік корпорацияда барлық мемлекеттік қызметтер бойынша білдіру",
        ),
        VALID_NUMBER,
        Verdict.VALID,
        "In force for all services until 2035-01-14 (the default example)",
    ),
    TestPowerOfAttorney(
        PowerOfAttorney(
            number=EXPIRED_NUMBER,
            principal_iin=PRINCIPAL_IIN,
            representative_iin=REPRESENTATIVE_IIN,
            notary=NOTARY_ORAL,
            issue_date=date(2021, 2, 1),
            valid_until=date(2022, 1, 31),
        ),
        EXPIRED_NUMBER,
        Verdict.EXPIRED,
        "Expired on 2022-01-31",
    ),
    TestPowerOfAttorney(
        PowerOfAttorney(
            number=REVOKED_NUMBER,
            principal_iin=PRINCIPAL_IIN,
            representative_iin=REPRESENTATIVE_IIN,
            notary=NOTARY_OFFICE,
            issue_date=date(2024, 3, 1),
            valid_until=date(2027, 2, 28),
            revoked_at=datetime(2024, 9, 10, 11, 30, tzinfo=KZ_TZ),
            revocation_reason="Отмена по заявлению доверителя / Сенім білдірушінің өтініші бойынша күшін жою",
        ),
        REVOKED_NUMBER,
        Verdict.REVOKED,
        "Revoked on 2024-09-10 (otherwise valid until 2027-02-28)",
    ),
    TestPowerOfAttorney(
        PowerOfAttorney(
            number=LIMITED_SCOPE_NUMBER,
            principal_iin=PRINCIPAL_IIN,
            representative_iin=REPRESENTATIVE_IIN,
            notary=NOTARY_OFFICE,
            issue_date=date(2025, 2, 3),
            valid_until=date(2030, 2, 2),
            scope=("RSHEP_S9", "RSHEP_S10"),
            scope_text="Только услуги 9 и 10 (seed 003) / Тек 9 және 10 қызметтер",
        ),
        LIMITED_SCOPE_NUMBER,
        Verdict.VALID,
        "In force until 2030-02-02 for services RSHEP_S9 and RSHEP_S10 only (OUT_OF_SCOPE for others)",
    ),
    TestPowerOfAttorney(
        None,
        MISSING_NUMBER,
        Verdict.MISSING,
        "Never registered: MISSING",
    ),
)


def seeded_powers_of_attorney() -> list[PowerOfAttorney]:
    return [entry.power for entry in TEST_POWERS_OF_ATTORNEY if entry.power is not None]
