"""The clock every service reads time through.

Real time by default; it can be shifted (start in the past or future) or accelerated for scenarios
through settings (``EGOV_CLOCK_OFFSET_SECONDS``, ``EGOV_CLOCK_SPEED``). Times are timezone-aware in
Kazakhstan's single time zone (UTC+5 since 2024-03-01).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

KZ_TZ = timezone(timedelta(hours=5), "Asia/Almaty")


@dataclass
class Clock:
    """Real, shifted or accelerated time; ``speed`` 60 makes one real second a simulated minute."""

    offset: timedelta = timedelta(0)
    speed: float = 1.0
    _anchor_real: float = field(default_factory=time.time, repr=False)

    def now(self) -> datetime:
        real = time.time()
        simulated = self._anchor_real + (real - self._anchor_real) * self.speed
        return datetime.fromtimestamp(simulated, tz=UTC).astimezone(KZ_TZ) + self.offset

    def utcnow(self) -> datetime:
        return self.now().astimezone(UTC)

    def shift(self, delta: timedelta) -> None:
        self.offset += delta

    def set(self, moment: datetime) -> None:
        """Make ``now()`` return ``moment`` at this instant (speed unchanged)."""
        self.offset += moment - self.now()


_clock = Clock()


def get_clock() -> Clock:
    return _clock


def configure_clock(*, offset_seconds: float = 0.0, speed: float = 1.0) -> Clock:
    global _clock
    _clock = Clock(offset=timedelta(seconds=offset_seconds), speed=speed)
    return _clock


def now() -> datetime:
    return _clock.now()
