"""Dates and times on the portal's pages read in Kazakhstan's local time, whatever offset they came in."""

from __future__ import annotations

from datetime import UTC, date, datetime

from egov_portal.entrypoints.formatting import local_time


def test_a_utc_moment_is_shown_in_local_time() -> None:
    # РПН's status documents carry UTC; the citizen reads UTC+5.
    assert local_time(datetime(2026, 11, 24, 6, 49, 12, tzinfo=UTC), seconds=True) == "24.11.2026 11:49:12"


def test_iso_text_with_an_offset_and_plain_dates() -> None:
    assert local_time("2026-11-24T11:49:13+05:00") == "24.11.2026 11:49"
    assert local_time("1980-10-17") == "17.10.1980"
    assert local_time(date(2026, 1, 2)) == "02.01.2026"


def test_missing_and_unreadable_values() -> None:
    assert local_time(None) == "—"
    assert local_time("") == "—"
    assert local_time("not a date") == "not a date"
