"""Fixtures of the SMS gateway tests: the app in a temporary state folder, a clock to shift."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from egov_kit.clock import get_clock
from fastapi.testclient import TestClient
from sms_gateway.entrypoints.app import create_app
from sms_gateway.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def shift_clock() -> Iterator[Callable[[timedelta], None]]:
    """``shift_clock(d)`` moves the kit's clock by ``d``; restored afterwards."""
    shifted: list[timedelta] = []

    def shift(delta: timedelta) -> None:
        get_clock().shift(delta)
        shifted.append(delta)

    yield shift
    get_clock().shift(-sum(shifted, timedelta(0)))
