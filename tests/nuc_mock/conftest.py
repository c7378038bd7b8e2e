"""Fixtures of nuc-mock's tests: the app in-process, or served by uvicorn on a free port (CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from egov_kit.clock import configure_clock

from tests.nuc_mock.served import ServedNuc, serve_nuc
from tests.pki.support import Nuc


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    configure_clock()
    yield
    configure_clock()


@pytest.fixture
def nuc(tmp_path: Path) -> Nuc:
    """nuc-mock of this test alone, in-process (httpx.ASGITransport)."""
    return Nuc.start(tmp_path / "var")


@pytest.fixture(scope="module")
def served_nuc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNuc]:
    with serve_nuc(tmp_path_factory.mktemp("served-nuc")) as served:
        yield served
