"""FastAPI helpers shared by every service: readiness (`GET /healthz`) and error rendering.

`/healthz` answers 200 only when every registered readiness check passes (database reachable, bus
consumers attached, …) and 503 with the failing checks otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from egov_kit.errors import KitError
from egov_kit.settings import ServiceSettings

ReadinessCheck = Callable[[], bool | Awaitable[bool]]


@dataclass
class Readiness:
    """Named readiness checks; a service adds one per dependency it needs."""

    service: str
    checks: dict[str, ReadinessCheck] = field(default_factory=dict)

    def add(self, name: str, check: ReadinessCheck) -> None:
        self.checks[name] = check

    async def evaluate(self) -> dict[str, bool]:
        results: dict[str, bool] = {}
        for name, check in self.checks.items():
            try:
                outcome = check()
                if isinstance(outcome, Awaitable):
                    outcome = await outcome
                results[name] = bool(outcome)
            except Exception:
                results[name] = False
        return results


def healthz_router(readiness: Readiness) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["health"])
    async def healthz() -> JSONResponse:
        results = await readiness.evaluate()
        ok = bool(results) and all(results.values())
        return JSONResponse(
            {"service": readiness.service, "status": "ok" if ok else "unavailable", "checks": results},
            status_code=200 if ok else 503,
        )

    return router


def install_error_handlers(app: FastAPI) -> None:
    """Render every named error as JSON ``{"error": code, "message": …}`` with HTTP 400."""

    @app.exception_handler(KitError)
    async def _named_error(_request: object, exc: KitError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=400)


class ErrorBody(BaseModel):
    """The JSON of a named error, for a route's OpenAPI ``responses``."""

    error: str = Field(description="stable error code")
    message: str


def install_error_statuses(app: FastAPI, statuses: Mapping[type[KitError], int]) -> None:
    """Render the named errors of ``statuses`` like :func:`install_error_handlers`, each with its own
    HTTP status (404 for a missing record, 409 for a conflict, …); the nearest listed class counts."""

    async def _named_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, KitError)
        status = next(statuses[cls] for cls in type(exc).__mro__ if cls in statuses)
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=status)

    for error_class in statuses:
        app.add_exception_handler(error_class, _named_error)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run a service's app: logging, the configured clock, uvicorn on the settings' host and port."""
    import logging

    import uvicorn

    from egov_kit.clock import configure_clock

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per OCSP/CRL request is noise
    configure_clock(offset_seconds=settings.clock_offset_seconds, speed=settings.clock_speed)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
