"""Fixtures of the PKI tests: nuc-mock in-process (one per module, or fresh), a clock put back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from egov_kit.clock import configure_clock

from tests.pki.support import Nuc


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    configure_clock()
    yield
    configure_clock()


@pytest.fixture(scope="module")
def nuc(tmp_path_factory: pytest.TempPathFactory) -> Nuc:
    """nuc-mock shared by a module's tests (each test issues its own certificates)."""
    return Nuc.start(tmp_path_factory.mktemp("nuc"))


@pytest.fixture
def fresh_nuc(tmp_path: Path) -> Nuc:
    """nuc-mock of this test alone."""
    return Nuc.start(tmp_path / "nuc")
