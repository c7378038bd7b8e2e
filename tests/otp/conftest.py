"""Fixtures of the one-time-password tests: a service over the in-memory store, a clock to shift."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from egov_kit.clock import get_clock
from egov_kit.otp import MemoryOtpStore, OneTimePasswords

SECRET = b"otp-test-secret-0123456789abcdef"


@pytest.fixture
def shift_clock() -> Iterator[Callable[[timedelta], None]]:
    """``shift_clock(d)`` moves the kit's clock by ``d`` (``get_clock().shift``); restored afterwards."""
    shifted: list[timedelta] = []

    def shift(delta: timedelta) -> None:
        get_clock().shift(delta)
        shifted.append(delta)

    yield shift
    get_clock().shift(-sum(shifted, timedelta(0)))


@pytest.fixture
def store() -> MemoryOtpStore:
    return MemoryOtpStore()


@pytest.fixture
def secret() -> bytes:
    return SECRET


@pytest.fixture
def otp(store: MemoryOtpStore) -> OneTimePasswords:
    return OneTimePasswords(store, SECRET)
