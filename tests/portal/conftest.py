"""Fixtures of the portal tests: the portal app without the bus, a fake ШЭП, a throwaway CA."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from egov_kit import clock
from egov_portal.entrypoints.app import create_app
from egov_portal.settings import Settings
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.portal import support


@pytest.fixture(autouse=True)
def _fresh_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(clock, "_clock", clock.Clock())
    monkeypatch.setenv("EGOV_VAR_DIR", str(tmp_path / "var"))


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return support.Ca.start(tmp_path_factory.mktemp("nuc"))


@pytest.fixture(scope="session")
def keys(ca: Any) -> Any:
    return support.issue_keys(ca)


@pytest.fixture
def shep() -> Any:
    return support.FakeShep()


@pytest.fixture
def portal_app(tmp_path: Path, shep: Any, ca: Any) -> FastAPI:
    settings = Settings(var_dir=tmp_path / "portal")
    return create_app(settings, serve_shep=False, shep_client=shep, validator=ca.validator())


@pytest.fixture
def client(portal_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(portal_app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def portal_key(ca: Any) -> Any:
    """The portal's own system key (it signs what a one-time password confirmed)."""
    from tests.portal import h3_support

    return h3_support.portal_key(ca)


@pytest.fixture
def sms(portal_app: FastAPI, portal_key: Any) -> Any:
    """The fake SMS gateway wired into the portal (with the portal's system key) — H3's OTP tests."""
    from tests.portal import h3_support

    fake = h3_support.FakeSms()
    h3_support.wire(portal_app, fake, portal_key)
    return fake


@pytest.fixture
def api_login(client: TestClient) -> Callable[..., str]:
    """Register (if needed) and log in through the API; returns the CSRF token."""

    def _login(iin: str = support.ADULT, password: str = support.PASSWORD) -> str:
        client.post("/api/register", json={"iin": iin, "password": password, "phone": support.PHONE})
        response = client.post("/api/login", json={"iin": iin, "password": password})
        assert response.status_code == 200, response.text
        token: str = response.json()["csrf_token"]
        return token

    return _login


@pytest.fixture
def shift_clock() -> Callable[..., None]:
    def _shift(**delta: float) -> None:
        from datetime import timedelta

        clock.get_clock().shift(timedelta(**delta))

    return _shift
