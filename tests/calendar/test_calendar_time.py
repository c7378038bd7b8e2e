"""Working time and deadlines (`egov_kit.calendar`): lunch, evenings, the 18:00 rule, working days."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from egov_kit import calendar as calendar_module
from egov_kit.calendar import (
    Deadline,
    WorkingCalendar,
    add_working_days,
    add_working_minutes,
    is_working_time,
    next_working_moment,
    registration_moment,
    working_time_between,
)
from egov_kit.clock import KZ_TZ


def kz(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KZ_TZ)


# 2025-11-14 is a Friday, 2025-11-17 the Monday after; no holidays around.
FRIDAY = (2025, 11, 14)
MONDAY = (2025, 11, 17)


@pytest.mark.parametrize(
    ("hour", "minute", "working"),
    [
        (8, 59, False),
        (9, 0, True),
        (12, 59, True),
        (13, 0, False),  # lunch 13:00-14:30
        (14, 29, False),
        (14, 30, True),
        (18, 29, True),
        (18, 30, False),
        (23, 0, False),
    ],
)
def test_working_time_is_nine_to_half_past_six_without_lunch(hour: int, minute: int, working: bool) -> None:
    assert is_working_time(kz(*MONDAY, hour, minute)) is working


def test_weekends_and_holidays_have_no_working_time() -> None:
    assert not is_working_time(kz(2025, 11, 15, 11, 0))  # Saturday
    assert not is_working_time(kz(2025, 12, 16, 11, 0))  # Independence Day


def test_next_working_moment_skips_lunch_evening_and_weekend() -> None:
    assert next_working_moment(kz(*MONDAY, 10, 15)) == kz(*MONDAY, 10, 15)
    assert next_working_moment(kz(*MONDAY, 7, 0)) == kz(*MONDAY, 9, 0)
    assert next_working_moment(kz(*MONDAY, 13, 20)) == kz(*MONDAY, 14, 30)
    assert next_working_moment(kz(*FRIDAY, 18, 45)) == kz(*MONDAY, 9, 0)
    assert next_working_moment(kz(2025, 12, 31, 19, 0)) == kz(2026, 1, 5, 9, 0)


def test_a_portal_request_before_18_counts_at_once() -> None:
    assert registration_moment(kz(*MONDAY, 17, 59)) == kz(*MONDAY, 17, 59)
    assert registration_moment(kz(*MONDAY, 6, 30)) == kz(*MONDAY, 9, 0)
    assert registration_moment(kz(*MONDAY, 13, 15)) == kz(*MONDAY, 14, 30)


def test_a_portal_request_after_18_on_a_working_day_counts_from_the_next_working_day() -> None:
    assert registration_moment(kz(*MONDAY, 18, 0)) == kz(2025, 11, 18, 9, 0)
    # between 18:00 and 18:30 the provider is still at work, but the request is not accepted that day
    assert registration_moment(kz(*MONDAY, 18, 20)) == kz(2025, 11, 18, 9, 0)


def test_friday_evening_and_weekend_requests_count_from_monday() -> None:
    assert registration_moment(kz(*FRIDAY, 18, 5)) == kz(*MONDAY, 9, 0)
    assert registration_moment(kz(2025, 11, 15, 12, 0)) == kz(*MONDAY, 9, 0)
    assert registration_moment(kz(2025, 11, 16, 23, 59)) == kz(*MONDAY, 9, 0)


def test_a_request_on_the_evening_before_nauryz_counts_after_the_holidays() -> None:
    # 2023: Nauryz 21-23 March on Tuesday-Thursday; the evening of Monday 20 March -> Friday 24 March.
    assert registration_moment(kz(2023, 3, 20, 19, 0)) == kz(2023, 3, 24, 9, 0)
    # 2025: 22-23 March fell on the weekend, so 24-25 March were days off too -> Wednesday 26 March.
    assert registration_moment(kz(2025, 3, 20, 19, 0)) == kz(2025, 3, 26, 9, 0)


def test_the_cutoff_is_configurable() -> None:
    assert registration_moment(kz(*MONDAY, 16, 30), cutoff=time(16, 0)) == kz(2025, 11, 18, 9, 0)
    early = WorkingCalendar(portal_cutoff=time(17, 0))
    assert early.registration_moment(kz(*MONDAY, 17, 0)) == kz(2025, 11, 18, 9, 0)


def test_add_working_minutes_skips_lunch() -> None:
    assert add_working_minutes(kz(*MONDAY, 12, 50), 20) == kz(*MONDAY, 14, 40)
    # a period that ends exactly at lunch stays at 13:00
    assert add_working_minutes(kz(*MONDAY, 12, 50), 10) == kz(*MONDAY, 13, 0)


def test_add_working_minutes_skips_the_evening_and_the_weekend() -> None:
    assert add_working_minutes(kz(*MONDAY, 18, 20), 20) == kz(2025, 11, 18, 9, 10)
    assert add_working_minutes(kz(*FRIDAY, 18, 20), 20) == kz(*MONDAY, 9, 10)
    assert add_working_minutes(kz(2025, 11, 15, 10, 0), 30) == kz(*MONDAY, 9, 30)


def test_add_working_minutes_skips_holidays() -> None:
    # Monday 15 December 2025 18:00 + 60 min: 30 min that day, Tuesday 16 December is a holiday.
    assert add_working_minutes(kz(2025, 12, 15, 18, 0), 60) == kz(2025, 12, 17, 9, 30)


def test_add_working_minutes_counts_a_whole_working_day_as_eight_hours() -> None:
    # 9:00-13:00 and 14:30-18:30: eight working hours.
    assert add_working_minutes(kz(*MONDAY, 9, 0), 8 * 60) == kz(*MONDAY, 18, 30)
    assert add_working_minutes(kz(*MONDAY, 9, 0), 8 * 60 + 1) == kz(2025, 11, 18, 9, 1)


def test_one_working_day_from_friday_afternoon_ends_on_monday_evening() -> None:
    assert add_working_days(kz(*FRIDAY, 17, 0), 1) == kz(*MONDAY, 18, 30)
    assert add_working_days(kz(*FRIDAY, 9, 0), 3) == kz(2025, 11, 19, 18, 30)


def test_a_portal_request_on_friday_evening_is_due_on_tuesday() -> None:
    registered = registration_moment(kz(*FRIDAY, 19, 0))
    assert registered == kz(*MONDAY, 9, 0)
    assert add_working_days(registered, 1) == kz(2025, 11, 18, 18, 30)


def test_one_working_day_over_the_new_year() -> None:
    # Wednesday 31 December 2025: 1-2 January holidays, 3-4 January weekend.
    assert add_working_days(kz(2025, 12, 31, 10, 0), 1) == kz(2026, 1, 5, 18, 30)
    # Tuesday 31 December 2024: 3 January 2025 off by decree, Sunday 5 January worked instead.
    assert add_working_days(kz(2024, 12, 31, 10, 0), 1) == kz(2025, 1, 5, 18, 30)
    assert add_working_days(kz(2024, 12, 31, 10, 0), 2) == kz(2025, 1, 6, 18, 30)


def test_zero_working_days_is_the_close_of_the_current_working_day() -> None:
    assert add_working_days(kz(*MONDAY, 11, 0), 0) == kz(*MONDAY, 18, 30)
    assert add_working_days(kz(*FRIDAY, 19, 0), 0) == kz(*MONDAY, 18, 30)


def test_working_time_between_across_a_weekend() -> None:
    # Friday 17:00-18:30 (1.5 h) + Monday 9:00-10:00 (1 h)
    assert working_time_between(kz(*FRIDAY, 17, 0), kz(*MONDAY, 10, 0)) == timedelta(hours=2, minutes=30)
    assert working_time_between(kz(*MONDAY, 10, 0), kz(*FRIDAY, 17, 0)) == -timedelta(hours=2, minutes=30)


def test_working_time_between_leaves_out_lunch_and_nights() -> None:
    assert working_time_between(kz(*MONDAY, 12, 0), kz(*MONDAY, 15, 0)) == timedelta(hours=1, minutes=30)
    assert working_time_between(kz(*MONDAY, 0, 0), kz(2025, 11, 18, 0, 0)) == timedelta(hours=8)
    assert working_time_between(kz(2025, 11, 15, 0, 0), kz(2025, 11, 16, 23, 0)) == timedelta(0)


@pytest.mark.parametrize("minutes", [1, 45, 240, 481, 2000])
@pytest.mark.parametrize("start", [kz(*FRIDAY, 16, 0), kz(*MONDAY, 12, 40), kz(2025, 12, 15, 18, 10)])
def test_adding_and_measuring_working_time_agree(start: datetime, minutes: int) -> None:
    end = add_working_minutes(start, minutes)
    assert working_time_between(start, end) == timedelta(minutes=minutes)


def test_times_in_other_zones_are_converted_and_naive_ones_refused() -> None:
    # 04:00 UTC is 09:00 in Kazakhstan
    assert is_working_time(datetime(2025, 11, 17, 4, 0, tzinfo=UTC))
    assert next_working_moment(datetime(2025, 11, 17, 3, 0, tzinfo=UTC)) == kz(*MONDAY, 9, 0)
    assert next_working_moment(datetime(2025, 11, 17, 3, 0, tzinfo=UTC)).utcoffset() == timedelta(hours=5)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_working_time(datetime(2025, 11, 17, 10, 0))


def test_defaults_read_the_landscape_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_module, "now", lambda: kz(*FRIDAY, 19, 0))
    assert not is_working_time()
    assert registration_moment() == kz(*MONDAY, 9, 0)
    assert calendar_module.is_working_day()  # Friday is a working day, even at 19:00
    monkeypatch.setattr(calendar_module, "now", lambda: kz(2025, 11, 15, 11, 0))
    assert not calendar_module.is_working_day()
    assert next_working_moment() == kz(*MONDAY, 9, 0)


def test_deadline_in_working_minutes_and_working_days() -> None:
    start = kz(*FRIDAY, 18, 20)
    assert Deadline("minutes", 20).due(start) == kz(*MONDAY, 9, 10)
    assert Deadline("seconds", 90).due(kz(*MONDAY, 12, 59)) == kz(*MONDAY, 14, 30) + timedelta(seconds=30)
    assert Deadline("working_days", 1).due(start) == kz(*MONDAY, 18, 30)
    assert Deadline("minutes", 20, working_time=False).due(start) == kz(*FRIDAY, 18, 40)


def test_deadline_overdue() -> None:
    deadline = Deadline("working_days", 1)
    start = kz(*FRIDAY, 17, 0)
    assert not deadline.overdue(start, at=kz(*MONDAY, 18, 30))
    assert deadline.overdue(start, at=kz(*MONDAY, 18, 31))


@pytest.mark.parametrize(("kind", "amount"), [("hours", 1), ("working_days", 1.5), ("minutes", -1)])
def test_deadline_rejects_nonsense(kind: str, amount: float) -> None:
    with pytest.raises(ValueError):
        Deadline(kind, amount)  # type: ignore[arg-type]
