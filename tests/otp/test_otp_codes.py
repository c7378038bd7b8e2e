"""egov_kit.otp: issue, expiry, single use, wrong codes and the lock, reissue (in-memory store)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from egov_kit.clock import now
from egov_kit.errors import KitError
from egov_kit.otp import (
    MemoryOtpStore,
    OneTimePasswords,
    OtpAlreadyUsed,
    OtpExpired,
    OtpLocked,
    OtpNotIssued,
    OtpWrong,
)

PURPOSE = "H3.confirm"
SUBJECT = "APP-2025-000001"
Shift = Callable[[timedelta], None]


def wrong(code: str) -> str:
    """A code of the same length that is not ``code``."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def test_issue_gives_six_random_digits_valid_for_five_minutes(otp: OneTimePasswords) -> None:
    before = now()
    issued = otp.issue(PURPOSE, SUBJECT)
    assert issued.code.isdigit() and len(issued.code) == 6
    assert (issued.purpose, issued.subject) == (PURPOSE, SUBJECT)
    assert before <= issued.issued_at <= now()
    assert issued.ttl == timedelta(minutes=5)
    assert issued.expires_at == issued.issued_at + timedelta(minutes=5)
    assert issued.code not in repr(issued)  # never in logs by accident
    codes = {otp.issue(PURPOSE, f"S-{n}").code for n in range(40)}
    assert len(codes) > 30  # random, not a counter or a constant


def test_length_and_ttl_are_chosen_by_the_caller(otp: OneTimePasswords) -> None:
    issued = otp.issue(PURPOSE, SUBJECT, ttl=timedelta(minutes=2), length=8)
    assert len(issued.code) == 8 and issued.code.isdigit()
    assert issued.ttl == timedelta(minutes=2)
    for bad_length in (3, 11):
        with pytest.raises(ValueError):
            otp.issue(PURPOSE, SUBJECT, length=bad_length)
    for bad_ttl in (timedelta(0), timedelta(seconds=-1), timedelta(days=2)):
        with pytest.raises(ValueError):
            otp.issue(PURPOSE, SUBJECT, ttl=bad_ttl)
    with pytest.raises(ValueError):
        otp.issue("", SUBJECT)


def test_the_right_code_confirms_once(otp: OneTimePasswords) -> None:
    issued = otp.issue(PURPOSE, SUBJECT)
    assert otp.verify(PURPOSE, SUBJECT, issued.code) is None
    with pytest.raises(OtpAlreadyUsed) as used:
        otp.verify(PURPOSE, SUBJECT, issued.code)
    assert used.value.code == "OTP_ALREADY_USED"
    # A used code gives no information by a wrong guess either, and counts no attempt.
    with pytest.raises(OtpAlreadyUsed):
        otp.verify(PURPOSE, SUBJECT, wrong(issued.code))


def test_spaces_in_the_typed_code_are_ignored(otp: OneTimePasswords) -> None:
    issued = otp.issue(PURPOSE, SUBJECT)
    otp.verify(PURPOSE, SUBJECT, f" {issued.code[:3]} {issued.code[3:]} ")


def test_a_code_expires_after_its_ttl(otp: OneTimePasswords, shift_clock: Shift) -> None:
    issued = otp.issue(PURPOSE, SUBJECT)
    shift_clock(timedelta(minutes=5, seconds=1))
    with pytest.raises(OtpExpired) as expired:
        otp.verify(PURPOSE, SUBJECT, issued.code)
    assert expired.value.code == "OTP_EXPIRED"
    assert expired.value.expired_at == issued.expires_at
    # Expired is checked before the code: a wrong guess on an expired code costs no attempt.
    with pytest.raises(OtpExpired):
        otp.verify(PURPOSE, SUBJECT, wrong(issued.code))
    state = otp.state(PURPOSE, SUBJECT)
    assert state is not None and state.attempts_left == 3


def test_a_code_is_good_until_the_last_second(otp: OneTimePasswords, shift_clock: Shift) -> None:
    issued = otp.issue(PURPOSE, SUBJECT, ttl=timedelta(minutes=1))
    shift_clock(timedelta(seconds=58))
    otp.verify(PURPOSE, SUBJECT, issued.code)


def test_expiry_follows_the_kit_clock_shifted_into_the_past(
    otp: OneTimePasswords, shift_clock: Shift
) -> None:
    shift_clock(timedelta(days=-30))
    issued = otp.issue(PURPOSE, SUBJECT)
    shift_clock(timedelta(days=30))  # back to real time: a month later the code is long expired
    with pytest.raises(OtpExpired):
        otp.verify(PURPOSE, SUBJECT, issued.code)


def test_wrong_codes_count_down_then_lock_the_request(otp: OneTimePasswords) -> None:
    issued = otp.issue(PURPOSE, SUBJECT)
    for left in (2, 1):
        with pytest.raises(OtpWrong) as error:
            otp.verify(PURPOSE, SUBJECT, wrong(issued.code))
        assert error.value.code == "OTP_WRONG"
        assert error.value.attempts_left == left
        assert str(left) in error.value.message_ru and str(left) in error.value.message_kk
    with pytest.raises(OtpLocked) as locked:
        otp.verify(PURPOSE, SUBJECT, wrong(issued.code))
    assert locked.value.code == "OTP_LOCKED"
    assert locked.value.locked_until > now()
    # Locked: even the right code fails now.
    with pytest.raises(OtpLocked):
        otp.verify(PURPOSE, SUBJECT, issued.code)
    state = otp.state(PURPOSE, SUBJECT)
    assert state is not None and state.attempts_left == 0 and state.used_at is None


def test_a_locked_request_gets_no_new_code_during_the_lock_period(
    otp: OneTimePasswords, shift_clock: Shift
) -> None:
    issued = otp.issue(PURPOSE, SUBJECT)
    for _ in range(3):
        with pytest.raises((OtpWrong, OtpLocked)):
            otp.verify(PURPOSE, SUBJECT, wrong(issued.code))
    shift_clock(timedelta(minutes=14))
    with pytest.raises(OtpLocked) as locked:
        otp.issue(PURPOSE, SUBJECT)
    assert locked.value.locked_until - issued.issued_at <= timedelta(minutes=15, seconds=1)
    # Other requests of the same person or purpose are not affected.
    otp.verify(PURPOSE, "APP-2025-000002", otp.issue(PURPOSE, "APP-2025-000002").code)
    otp.verify("H2.confirm", SUBJECT, otp.issue("H2.confirm", SUBJECT).code)
    # After the lock period a new code can be issued, with every attempt back.
    shift_clock(timedelta(minutes=1, seconds=1))
    fresh = otp.issue(PURPOSE, SUBJECT)
    with pytest.raises(OtpWrong) as error:
        otp.verify(PURPOSE, SUBJECT, wrong(fresh.code))
    assert error.value.attempts_left == 2
    otp.verify(PURPOSE, SUBJECT, fresh.code)


def test_attempts_and_lock_period_are_configurable(
    store: MemoryOtpStore, secret: bytes, shift_clock: Shift
) -> None:
    otp = OneTimePasswords(store, secret, max_attempts=5, lock_period=timedelta(hours=1))
    issued = otp.issue(PURPOSE, SUBJECT)
    lefts = []
    for _ in range(4):
        with pytest.raises(OtpWrong) as error:
            otp.verify(PURPOSE, SUBJECT, wrong(issued.code))
        lefts.append(error.value.attempts_left)
    assert lefts == [4, 3, 2, 1]
    with pytest.raises(OtpLocked) as locked:
        otp.verify(PURPOSE, SUBJECT, wrong(issued.code))
    assert "5" in locked.value.message_ru
    shift_clock(timedelta(minutes=59))
    with pytest.raises(OtpLocked):
        otp.issue(PURPOSE, SUBJECT)
    shift_clock(timedelta(minutes=2))
    otp.issue(PURPOSE, SUBJECT)
    with pytest.raises(ValueError):
        OneTimePasswords(store, secret, max_attempts=0)
    with pytest.raises(ValueError):
        OneTimePasswords(store, secret, lock_period=timedelta(0))
    with pytest.raises(ValueError):
        OneTimePasswords(store, b"short")


def test_a_new_issue_invalidates_the_previous_code(otp: OneTimePasswords) -> None:
    first = otp.issue(PURPOSE, SUBJECT)
    second = otp.issue(PURPOSE, SUBJECT)
    if first.code != second.code:  # one in a million they coincide
        with pytest.raises(OtpWrong):
            otp.verify(PURPOSE, SUBJECT, first.code)
    otp.verify(PURPOSE, SUBJECT, second.code)


def test_wrong_attempts_carry_over_to_a_reissued_code(otp: OneTimePasswords) -> None:
    # "Two wrong, ask for a new code, two wrong" must not give unlimited guesses.
    first = otp.issue(PURPOSE, SUBJECT)
    for _ in range(2):
        with pytest.raises(OtpWrong):
            otp.verify(PURPOSE, SUBJECT, wrong(first.code))
    second = otp.issue(PURPOSE, SUBJECT)
    with pytest.raises(OtpLocked):
        otp.verify(PURPOSE, SUBJECT, wrong(second.code))


def test_attempts_start_afresh_after_a_success_or_long_after(
    otp: OneTimePasswords, shift_clock: Shift
) -> None:
    first = otp.issue(PURPOSE, SUBJECT)
    with pytest.raises(OtpWrong):
        otp.verify(PURPOSE, SUBJECT, wrong(first.code))
    otp.verify(PURPOSE, SUBJECT, first.code)
    second = otp.issue(PURPOSE, SUBJECT)
    state = otp.state(PURPOSE, SUBJECT)
    assert state is not None and state.attempts_left == 3
    for _ in range(2):
        with pytest.raises(OtpWrong):
            otp.verify(PURPOSE, SUBJECT, wrong(second.code))
    shift_clock(timedelta(minutes=16))  # the lock period after the previous code was issued
    otp.issue(PURPOSE, SUBJECT)
    state = otp.state(PURPOSE, SUBJECT)
    assert state is not None and state.attempts_left == 3


def test_verifying_what_was_never_issued(otp: OneTimePasswords) -> None:
    with pytest.raises(OtpNotIssued) as error:
        otp.verify(PURPOSE, SUBJECT, "123456")
    assert error.value.code == "OTP_NOT_ISSUED"
    otp.issue(PURPOSE, SUBJECT)
    with pytest.raises(OtpNotIssued):
        otp.verify("H2.confirm", SUBJECT, "123456")
    with pytest.raises(OtpNotIssued):
        otp.verify(PURPOSE, "", "123456")
    assert otp.state("H2.confirm", SUBJECT) is None


def test_errors_are_named_kit_errors_in_russian_and_kazakh(otp: OneTimePasswords) -> None:
    errors = []
    for call in (
        lambda: otp.verify(PURPOSE, "nothing", "123456"),
        lambda: otp.verify(PURPOSE, SUBJECT, wrong(otp.issue(PURPOSE, SUBJECT).code)),
    ):
        with pytest.raises(KitError) as error:
            call()
        errors.append(error.value)
    assert [e.code for e in errors] == ["OTP_NOT_ISSUED", "OTP_WRONG"]
    for error in errors:
        assert error.exposed
        assert error.message == error.message_ru  # type: ignore[attr-defined]
        assert error.message_in("kk") == error.message_kk != error.message_ru  # type: ignore[attr-defined]
