"""Fixtures shared by the tests of provider services (gbd-fl-mock, enis-mock, …).

A service's conftest imports the plain fixtures and builds the ones bound to its app::

    from tests.support.service_app import at_moment, keep_var_in_tmp, provider_fixtures  # noqa: F401

    gbd_app, client, context = provider_fixtures(create_app, Settings, "gbd_app", SERVICE_ID)

``<app name>`` is the service's app without the bus (``serve_shep=False``) in a temporary state
folder, ``client`` a TestClient that runs its lifespan once per session, and ``context`` a fresh
:class:`ShepContext` for calling its ШЭП handlers directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from egov_kit import clock
from egov_kit.shep.provider import ShepContext
from fastapi import FastAPI
from fastapi.testclient import TestClient

SENDER_ID = "IISGK"


@pytest.fixture(autouse=True)
def keep_var_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never the repository's var/: whatever a test starts keeps its state in a temporary folder."""
    monkeypatch.setenv("EGOV_VAR_DIR", str(tmp_path / "var"))


@pytest.fixture
def at_moment(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the kit's clock to a given moment for one test (restored afterwards)."""

    def _set(moment: datetime) -> None:
        shifted = clock.Clock()
        shifted.set(moment)
        monkeypatch.setattr(clock, "_clock", shifted)

    return _set


def provider_fixtures(
    create_app: Callable[..., FastAPI], settings_type: Callable[..., Any], app_name: str, service_id: str
) -> tuple[Any, Any, Any]:
    """The fixtures ``<app_name>``, ``client`` and ``context`` of one provider service."""

    @pytest.fixture(scope="session", name=app_name)
    def service_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
        return create_app(settings_type(var_dir=tmp_path_factory.mktemp(f"{app_name}-var")), serve_shep=False)

    @pytest.fixture(scope="session", name="client")
    def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
        with TestClient(request.getfixturevalue(app_name)) as test_client:
            yield test_client

    @pytest.fixture(name="context")
    def context() -> ShepContext:
        return ShepContext(message_id=str(uuid.uuid4()), service_id=service_id, sender_id=SENDER_ID)

    return service_app, client, context
