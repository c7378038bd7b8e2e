"""Fixtures of the gateway's domain tests: the bundled registry and a fresh SQLite store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_shep.adapters.database import GatewayStore, open_store
from gateway_shep.adapters.registry_file import DEFAULT_REGISTRY_FILE, load_registry
from gateway_shep.domain.registry import Registry


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def registry_text() -> str:
    return DEFAULT_REGISTRY_FILE.read_text(encoding="utf-8")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GatewayStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'gateway.sqlite'}")
    yield opened
    opened.dispose()
