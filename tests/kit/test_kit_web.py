"""Readiness (`GET /healthz`) and named-error rendering (`egov_kit.web`)."""

from __future__ import annotations

import pytest
from egov_kit.errors import KitError
from egov_kit.identifiers import InvalidIdentifier
from egov_kit.web import Readiness, healthz_router, install_error_handlers, install_error_statuses
from fastapi import FastAPI
from fastapi.testclient import TestClient


def client_for(readiness: Readiness) -> TestClient:
    app = FastAPI()
    app.include_router(healthz_router(readiness))
    return TestClient(app)


def _boom() -> bool:
    raise RuntimeError("database unreachable")


async def _async_true() -> bool:
    return True


async def _async_false() -> bool:
    return False


async def _async_boom() -> bool:
    raise ConnectionError("broker gone")


def test_all_checks_true_is_200() -> None:
    readiness = Readiness("svc")
    readiness.add("database", lambda: True)
    readiness.add("bus", lambda: True)
    response = client_for(readiness).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"service": "svc", "status": "ok", "checks": {"database": True, "bus": True}}


def test_a_false_check_is_503_and_named() -> None:
    readiness = Readiness("svc", checks={"database": lambda: True, "bus": lambda: False})
    response = client_for(readiness).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "service": "svc",
        "status": "unavailable",
        "checks": {"database": True, "bus": False},
    }


def test_a_raising_check_is_503_and_the_others_still_run() -> None:
    readiness = Readiness("svc")
    readiness.add("database", _boom)
    readiness.add("bus", lambda: True)
    response = client_for(readiness).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": False, "bus": True}


def test_no_checks_is_503() -> None:
    response = client_for(Readiness("empty")).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"service": "empty", "status": "unavailable", "checks": {}}


def test_async_checks_are_awaited() -> None:
    # An un-awaited coroutine is truthy: a False result only shows if the check was awaited.
    readiness = Readiness("svc", checks={"sync": lambda: True, "async": _async_false})
    response = client_for(readiness).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"sync": True, "async": False}


def test_async_true_check_is_200() -> None:
    readiness = Readiness("svc", checks={"async": _async_true})
    assert client_for(readiness).get("/healthz").status_code == 200


def test_raising_async_check_is_503() -> None:
    readiness = Readiness("svc", checks={"ok": _async_true, "broker": _async_boom})
    response = client_for(readiness).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"ok": True, "broker": False}


def test_truthy_results_are_reported_as_booleans() -> None:
    readiness = Readiness("svc", checks={"count": lambda: 3, "empty": lambda: 0})  # type: ignore[dict-item]
    response = client_for(readiness).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"count": True, "empty": False}


def test_checks_are_evaluated_on_every_request() -> None:
    state = {"up": True}
    readiness = Readiness("svc", checks={"database": lambda: state["up"]})
    client = client_for(readiness)
    assert client.get("/healthz").status_code == 200
    state["up"] = False
    assert client.get("/healthz").status_code == 503
    readiness.add("database", lambda: True)  # a check registered again replaces the old one
    assert client.get("/healthz").status_code == 200


def _app_with_errors() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/custom")
    async def custom() -> None:
        raise KitError("x", code="SOME_CODE")

    @app.get("/subclass")
    def subclass() -> None:
        raise InvalidIdentifier("'123' is not a valid ИИН")

    @app.get("/plain")
    async def plain() -> None:
        raise KitError("plain failure")

    @app.get("/unnamed")
    async def unnamed() -> None:
        raise ValueError("not a named error")

    return app


def test_named_error_renders_as_400_json() -> None:
    response = TestClient(_app_with_errors()).get("/custom")
    assert response.status_code == 400
    assert response.json() == {"error": "SOME_CODE", "message": "x"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/subclass", {"error": "INVALID_IIN_BIN", "message": "'123' is not a valid ИИН"}),
        ("/plain", {"error": "KIT_ERROR", "message": "plain failure"}),
    ],
)
def test_subclasses_and_default_codes_render_too(path: str, body: dict[str, str]) -> None:
    response = TestClient(_app_with_errors()).get(path)
    assert response.status_code == 400
    assert response.json() == body


def test_other_exceptions_are_not_rendered_as_named_errors() -> None:
    response = TestClient(_app_with_errors(), raise_server_exceptions=False).get("/unnamed")
    assert response.status_code == 500
    assert "not a named error" not in response.text


class _Missing(KitError):
    code = "MISSING"


class _MissingPerson(_Missing):
    code = "PERSON_MISSING"


class _Taken(KitError):
    code = "TAKEN"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (_Missing("no such record"), 404),
        (_MissingPerson("no such person"), 404),  # a subclass takes its nearest listed class's status
        (_Taken("already there"), 409),
        (KitError("anything else", code="OTHER"), 400),  # install_error_handlers still renders the rest
    ],
)
def test_named_errors_with_their_own_status(error: KitError, status: int) -> None:
    app = FastAPI()
    install_error_handlers(app)
    install_error_statuses(app, {_Missing: 404, _Taken: 409})

    @app.get("/fail")
    async def fail() -> None:
        raise error

    response = TestClient(app).get("/fail")
    assert response.status_code == status
    assert response.json() == {"error": error.code, "message": error.message}
