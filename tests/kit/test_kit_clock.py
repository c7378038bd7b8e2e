"""The landscape clock (`egov_kit.clock`): real, shifted, set and accelerated time in UTC+5."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from egov_kit import clock as clock_module
from egov_kit.clock import KZ_TZ, Clock, configure_clock, get_clock, now

TOLERANCE = timedelta(milliseconds=1)


class FakeTime:
    """Stands in for the `time` module inside egov_kit.clock: time moves only when told."""

    def __init__(self, start: float) -> None:
        self.current = start

    def time(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime(float(int(time.time())))
    monkeypatch.setattr(clock_module, "time", fake)
    return fake


@pytest.fixture
def restore_module_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock_module, "_clock", clock_module._clock)


def close(a: datetime, b: datetime, tolerance: timedelta = TOLERANCE) -> bool:
    return abs(a - b) <= tolerance


def test_default_clock_is_close_to_real_time_and_in_utc_plus_five() -> None:
    moment = Clock().now()
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(hours=5)
    assert moment.tzname() == "Asia/Almaty"
    assert close(moment, datetime.now(UTC), timedelta(seconds=5))


def test_wall_time_is_kazakhstan_time(fake_time: FakeTime) -> None:
    fake_time.current = datetime(2024, 3, 1, 0, 0, tzinfo=UTC).timestamp()
    moment = Clock().now()
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == (2024, 3, 1, 5, 0)
    assert moment == datetime(2024, 3, 1, 5, 0, tzinfo=KZ_TZ)


def test_utcnow_is_the_same_instant_in_utc(fake_time: FakeTime) -> None:
    clock = Clock()
    local, utc = clock.now(), clock.utcnow()
    assert utc.utcoffset() == timedelta(0)
    assert utc == local
    assert utc.hour == (local.hour - 5) % 24


def test_offset_given_at_construction_applies(fake_time: FakeTime) -> None:
    real = Clock().now()
    assert close(Clock(offset=timedelta(days=-2)).now(), real - timedelta(days=2))


def test_shift_moves_the_clock(fake_time: FakeTime) -> None:
    clock = Clock()
    before = clock.now()
    clock.shift(timedelta(days=3, hours=1))
    assert close(clock.now(), before + timedelta(days=3, hours=1))
    clock.shift(timedelta(hours=-5))
    assert close(clock.now(), before + timedelta(days=2, hours=20))
    assert clock.now().utcoffset() == timedelta(hours=5)


def test_set_makes_now_return_the_moment(fake_time: FakeTime) -> None:
    clock = Clock()
    moment = datetime(2030, 1, 15, 9, 30, tzinfo=KZ_TZ)
    clock.set(moment)
    assert close(clock.now(), moment)
    fake_time.advance(10)
    assert close(clock.now(), moment + timedelta(seconds=10))


def test_set_accepts_a_moment_in_another_zone(fake_time: FakeTime) -> None:
    clock = Clock()
    moment = datetime(2020, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-3)))
    clock.set(moment)
    assert close(clock.now(), moment)
    assert clock.now().utcoffset() == timedelta(hours=5)
    assert clock.now().hour == 20


def test_set_on_a_real_clock_is_close_to_the_moment() -> None:
    clock = Clock()
    moment = datetime(2001, 9, 1, 8, 0, tzinfo=KZ_TZ)
    clock.set(moment)
    assert close(clock.now(), moment, timedelta(seconds=5))


def test_normal_speed_one_real_second_is_one_second(fake_time: FakeTime) -> None:
    clock = Clock()
    start = clock.now()
    fake_time.advance(1)
    assert close(clock.now(), start + timedelta(seconds=1))


def test_speed_sixty_makes_a_real_second_a_simulated_minute(fake_time: FakeTime) -> None:
    clock = Clock(speed=60)
    start = clock.now()
    fake_time.advance(1)
    assert close(clock.now(), start + timedelta(minutes=1))
    fake_time.advance(30)
    assert close(clock.now(), start + timedelta(minutes=31))


def test_speed_applies_after_set(fake_time: FakeTime) -> None:
    clock = Clock(speed=60)
    moment = datetime(2025, 5, 5, 10, 0, tzinfo=KZ_TZ)
    clock.set(moment)
    assert close(clock.now(), moment)
    fake_time.advance(2)
    assert close(clock.now(), moment + timedelta(minutes=2))


def test_configure_clock_replaces_the_module_clock(fake_time: FakeTime, restore_module_clock: None) -> None:
    real = Clock().now()
    configured = configure_clock(offset_seconds=3600)
    assert get_clock() is configured
    assert close(now(), real + timedelta(hours=1))
    assert now().utcoffset() == timedelta(hours=5)


def test_configure_clock_speed_reaches_module_now(fake_time: FakeTime, restore_module_clock: None) -> None:
    configure_clock(speed=60)
    start = now()
    fake_time.advance(5)
    assert close(now(), start + timedelta(minutes=5))


def test_configure_clock_defaults_to_real_time(restore_module_clock: None) -> None:
    configure_clock(offset_seconds=86400)
    configure_clock()
    assert get_clock().speed == 1.0
    assert close(now(), datetime.now(UTC), timedelta(seconds=5))
