"""Rules of a power of attorney: the verdict order, revocation, registration checks."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest
from egov_kit.clock import KZ_TZ
from egov_kit.errors import KitError
from enis_mock.domain.model import PowerOfAttorney, Verdict, verify
from enis_mock.domain.results import MESSAGES, status_at
from enis_mock.domain.test_powers_of_attorney import (
    OTHER_PERSON_IIN,
    PRINCIPAL_IIN,
    REPRESENTATIVE_IIN,
    TEST_POWERS_OF_ATTORNEY,
    seeded_powers_of_attorney,
)

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=KZ_TZ)
VALID = seeded_powers_of_attorney()[0]


def test_test_powers_of_attorney_give_their_documented_verdicts() -> None:
    by_number = {power.number: power for power in seeded_powers_of_attorney()}
    for entry in TEST_POWERS_OF_ATTORNEY:
        power = by_number.get(entry.number)
        assert verify(power, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW) is entry.expected, entry.number
        if power is not None:
            power.check(NOW.date())


def test_test_powers_of_attorney_name_gbd_fl_test_persons() -> None:
    from gbd_fl_mock.domain.test_persons import TEST_PERSONS_BY_ARCHETYPE

    assert TEST_PERSONS_BY_ARCHETYPE["principal"].iin == PRINCIPAL_IIN
    assert TEST_PERSONS_BY_ARCHETYPE["representative"].iin == REPRESENTATIVE_IIN
    assert TEST_PERSONS_BY_ARCHETYPE["adult"].iin == OTHER_PERSON_IIN


def test_verdict_order() -> None:
    revoked_and_expired = dataclasses.replace(
        VALID, valid_until=date(2025, 1, 1), revoked_at=datetime(2025, 6, 1, tzinfo=KZ_TZ)
    )
    assert verify(None, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW) is Verdict.MISSING
    assert verify(revoked_and_expired, REPRESENTATIVE_IIN, PRINCIPAL_IIN, NOW) is Verdict.MISMATCH
    assert verify(revoked_and_expired, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW) is Verdict.REVOKED
    expired = dataclasses.replace(VALID, valid_until=date(2025, 1, 1))
    assert verify(expired, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW) is Verdict.EXPIRED
    limited = dataclasses.replace(VALID, scope=("RSHEP_S9",))
    assert verify(limited, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW, "RSHEP_S1") is Verdict.OUT_OF_SCOPE
    assert verify(limited, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW, "RSHEP_S9") is Verdict.VALID
    assert verify(VALID, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW, "ANY_SERVICE") is Verdict.VALID


def test_validity_is_judged_at_the_moment() -> None:
    expires = dataclasses.replace(VALID, valid_until=date(2026, 1, 10))
    assert verify(expires, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW) is Verdict.VALID  # last day included
    assert (
        verify(expires, PRINCIPAL_IIN, REPRESENTATIVE_IIN, datetime(2026, 1, 11, tzinfo=KZ_TZ))
        is Verdict.EXPIRED
    )
    revoked = VALID.revoke(NOW)
    assert (
        verify(revoked, PRINCIPAL_IIN, REPRESENTATIVE_IIN, datetime(2026, 1, 9, tzinfo=KZ_TZ))
        is Verdict.VALID
    )
    assert verify(revoked, PRINCIPAL_IIN, REPRESENTATIVE_IIN, NOW) is Verdict.REVOKED
    assert status_at(revoked, NOW).code == "3"
    assert status_at(expires, datetime(2026, 2, 1, tzinfo=KZ_TZ)).code == "2"
    assert status_at(VALID, NOW).code == "1"


def test_revoking_twice_is_a_named_error() -> None:
    with pytest.raises(KitError) as caught:
        VALID.revoke(NOW).revoke(NOW)
    assert caught.value.code == "ALREADY_REVOKED"


def test_messages_are_distinct_and_bilingual() -> None:
    assert len({m.code for m in MESSAGES.values()}) == len(Verdict)
    assert len({m.message_ru for m in MESSAGES.values()}) == len(Verdict)
    assert len({m.message_kz for m in MESSAGES.values()}) == len(Verdict)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"principal_iin": "480509490640"}, "INVALID_IIN_BIN"),
        ({"representative_iin": "80101739071"}, "INVALID_IIN_BIN"),
        ({"representative_iin": PRINCIPAL_IIN}, "SAME_PERSON"),
        ({"issue_date": date(2026, 1, 11)}, "INVALID_DATES"),
        ({"valid_until": date(2024, 12, 31)}, "INVALID_DATES"),
        ({"scope": ()}, "INVALID_SCOPE"),
    ],
)
def test_registration_checks(change: dict[str, object], code: str) -> None:
    power: PowerOfAttorney = dataclasses.replace(VALID, **change)
    with pytest.raises(KitError) as caught:
        power.check(NOW.date())
    assert caught.value.code == code


def test_notary_office_id_check_digit() -> None:
    bad = dataclasses.replace(VALID, notary=dataclasses.replace(VALID.notary, office_id="090540011230"))
    with pytest.raises(KitError) as caught:
        bad.check(NOW.date())
    assert caught.value.code == "INVALID_IIN_BIN"
