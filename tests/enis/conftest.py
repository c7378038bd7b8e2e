"""Fixtures for enis-mock: one seeded service in a temporary folder (never var/)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from egov_kit import clock
from enis_mock.entrypoints.app import create_app
from enis_mock.service_layer.context import ShepCallContext
from enis_mock.settings import Settings
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture(autouse=True)
def _no_repository_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EGOV_VAR_DIR", str(tmp_path / "var"))


@pytest.fixture(scope="session")
def enis_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return create_app(Settings(var_dir=tmp_path_factory.mktemp("enis-var")), serve_shep=False)


@pytest.fixture(scope="session")
def client(enis_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(enis_app) as test_client:
        yield test_client


@pytest.fixture
def context() -> ShepCallContext:
    return ShepCallContext(
        message_id=str(uuid.uuid4()), sender_id="IISGK", service_id="ENIS_PowerOfAttorneySync"
    )


@pytest.fixture
def at_moment(monkeypatch: pytest.MonkeyPatch):
    """Set the kit's clock to a given moment for one test (restored afterwards)."""

    def _set(moment: datetime) -> None:
        shifted = clock.Clock()
        shifted.set(moment)
        monkeypatch.setattr(clock, "_clock", shifted)

    return _set
