"""Kazakhstan's working days (`egov_kit.calendar`): holidays, weekend transfers, decrees."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time

import pytest
from egov_kit.calendar import HOLIDAYS, KURBAN_AIT, TRANSFERS, WorkingCalendar, get_calendar


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1),
        date(2025, 1, 2),
        date(2025, 1, 7),  # Orthodox Christmas (Tuesday)
        date(2025, 3, 21),  # Nauryz (Friday)
        date(2025, 5, 1),
        date(2025, 5, 7),
        date(2025, 5, 9),
        date(2025, 6, 6),  # Kurban Ait (Friday)
        date(2026, 7, 6),  # Capital Day (Monday)
        date(2024, 8, 30),
        date(2024, 10, 25),  # Republic Day, a day off since 2022
        date(2024, 12, 16),
    ],
)
def test_public_holidays_on_weekdays_are_days_off(cal: WorkingCalendar, day: date) -> None:
    assert day.weekday() < 5
    assert cal.is_holiday(day)
    assert not cal.is_working_day(day)


def test_republic_day_counts_from_2022_and_the_second_independence_day_ended_in_2021(
    cal: WorkingCalendar,
) -> None:
    assert cal.is_working_day(date(2021, 10, 25))  # Monday, not yet a holiday
    assert not cal.is_working_day(date(2022, 10, 25))
    assert not cal.is_working_day(date(2021, 12, 17))  # Friday, still a holiday then
    assert cal.is_working_day(date(2024, 12, 17))  # Tuesday, no longer a holiday
    assert not cal.is_holiday(date(2024, 12, 17))


def test_a_holiday_on_saturday_moves_the_day_off_to_monday(cal: WorkingCalendar) -> None:
    # 8 March 2025 and 16 December 2023 were Saturdays.
    assert not cal.is_working_day(date(2025, 3, 10))
    assert "International Women's Day" in (cal.day_off_reason(date(2025, 3, 10)) or "")
    assert not cal.is_working_day(date(2023, 12, 18))
    assert cal.is_working_day(date(2025, 3, 11))
    assert cal.is_working_day(date(2023, 12, 19))


def test_nauryz_on_a_weekend_moves_both_days_off_past_the_holidays(cal: WorkingCalendar) -> None:
    # 2025: 21 Friday, 22 Saturday, 23 Sunday -> days off Monday 24 and Tuesday 25 March.
    assert [cal.is_working_day(date(2025, 3, d)) for d in range(20, 27)] == [
        True,
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    # 2026: 21 Saturday, 22 Sunday, 23 Monday (a holiday itself) -> Tuesday 24 and Wednesday 25.
    assert not cal.is_working_day(date(2026, 3, 24))
    assert not cal.is_working_day(date(2026, 3, 25))
    assert cal.is_working_day(date(2026, 3, 26))


def test_a_transfer_skips_a_following_holiday(cal: WorkingCalendar) -> None:
    # 7 May 2022 was a Saturday; Monday 9 May is Victory Day, so the day off goes to Tuesday 10 May.
    assert not cal.is_working_day(date(2022, 5, 9))
    assert not cal.is_working_day(date(2022, 5, 10))
    assert cal.is_working_day(date(2022, 5, 11))


def test_religious_holidays_on_a_weekend_are_not_transferred(cal: WorkingCalendar) -> None:
    # Orthodox Christmas on Sunday 7 January 2024; Kurban Ait on Sunday 16 June 2024.
    assert cal.is_holiday(date(2024, 1, 7))
    assert cal.is_working_day(date(2024, 1, 8))
    assert cal.is_holiday(date(2024, 6, 16))
    assert cal.is_working_day(date(2024, 6, 17))


def test_kurban_ait_table_covers_2024_to_2028() -> None:
    days = {d.day.year: d.day for d in KURBAN_AIT}
    assert {year: days[year] for year in range(2024, 2029)} == {
        2024: date(2024, 6, 16),
        2025: date(2025, 6, 6),
        2026: date(2026, 5, 27),
        2027: date(2027, 5, 16),
        2028: date(2028, 5, 5),
    }
    assert all(not d.transferable for d in KURBAN_AIT)


def test_decreed_transfers_make_a_weekend_day_working_and_a_weekday_off(cal: WorkingCalendar) -> None:
    # Order of 17 April 2024: Saturday 4 May worked, Wednesday 8 May off.
    assert cal.is_working_day(date(2024, 5, 4))
    assert not cal.is_working_day(date(2024, 5, 8))
    # Order No. 436 of 21 November 2024: Sunday 5 January 2025 worked, Friday 3 January off.
    assert cal.is_working_day(date(2025, 1, 5))
    assert not cal.is_working_day(date(2025, 1, 3))
    assert len(TRANSFERS) >= 4


def test_extra_days_off_and_working_days_extend_the_calendar() -> None:
    decreed = WorkingCalendar(
        extra_days_off=frozenset({date(2026, 5, 8)}),
        extra_working_days=frozenset({date(2026, 5, 16)}),
    )
    assert WorkingCalendar().is_working_day(date(2026, 5, 8))
    assert not decreed.is_working_day(date(2026, 5, 8))
    assert decreed.day_off_reason(date(2026, 5, 8)) == "day off by decree"
    assert not WorkingCalendar().is_working_day(date(2026, 5, 16))  # a Saturday
    assert decreed.is_working_day(date(2026, 5, 16))
    # dataclasses.replace keeps the rest of the configuration
    replaced = dataclasses.replace(get_calendar(), extra_days_off=frozenset({date(2026, 5, 8)}))
    assert not replaced.is_working_day(date(2026, 5, 8))
    assert replaced.holidays == HOLIDAYS


def test_weekends_are_not_working_days(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2025, 11, 15))  # Saturday
    assert not cal.is_working_day(date(2025, 11, 16))  # Sunday
    assert cal.day_off_reason(date(2025, 11, 15)) == "weekend"
    assert cal.is_working_day(date(2025, 11, 17))
    assert cal.day_off_reason(date(2025, 11, 17)) is None


def test_next_working_day_skips_the_new_year_break(cal: WorkingCalendar) -> None:
    assert cal.next_working_day(date(2025, 12, 31)) == date(2026, 1, 5)
    assert cal.next_working_day(date(2026, 1, 6)) == date(2026, 1, 8)  # 7 January Orthodox Christmas


def test_a_datetime_is_read_as_its_date_in_kazakhstan(cal: WorkingCalendar) -> None:
    # 19:30 UTC on Friday is already 00:30 on Saturday in Kazakhstan (UTC+5).
    assert not cal.is_working_day(datetime(2025, 11, 14, 19, 30, tzinfo=UTC))
    assert cal.is_working_day(datetime(2025, 11, 14, 18, 30, tzinfo=UTC))


def test_working_hours_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="increasing"):
        WorkingCalendar(lunch_start=time(15, 0), lunch_end=time(14, 0))
    with pytest.raises(ValueError, match="together"):
        WorkingCalendar(lunch_start=None)
    no_lunch = WorkingCalendar(lunch_start=None, lunch_end=None)
    assert len(no_lunch.working_periods(date(2025, 11, 17))) == 1
