"""Fixtures of the one-time-password tests: a service over the in-memory store, a clock to shift."""

from __future__ import annotations

import pytest
from egov_kit.otp import MemoryOtpStore, OneTimePasswords

SECRET = b"otp-test-secret-0123456789abcdef"


@pytest.fixture
def store() -> MemoryOtpStore:
    return MemoryOtpStore()


@pytest.fixture
def secret() -> bytes:
    return SECRET


@pytest.fixture
def otp(store: MemoryOtpStore) -> OneTimePasswords:
    return OneTimePasswords(store, SECRET)
