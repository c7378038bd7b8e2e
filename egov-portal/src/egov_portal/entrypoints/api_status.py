"""The «1414» status look-up: ``GET /api/status/{number}``, no login, rate-limited per client IP.

``number`` is the portal's application id or the provider's registration number. The answer is the
status (code and text ru/kk), the service (id, names ru/kk) and the dates (submitted, registered,
result, due while awaited) — nothing about the person or the organisation. Errors: 400
``STATUS_NUMBER_INVALID``, 404 ``STATUS_NOT_FOUND``, 429 ``TOO_MANY_REQUESTS`` with ``Retry-After``
(``PORTAL_STATUS_LOOKUP_LIMIT`` look-ups per ``PORTAL_STATUS_LOOKUP_WINDOW_SECONDS`` per IP, on the
kit clock). Every look-up counts, found or not (numbers cannot be enumerated quickly).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from egov_portal.domain.status_lookup import StatusReport
from egov_portal.entrypoints.context import portal
from egov_portal.entrypoints.i18n import STATUS_KEYS, TEXTS
from egov_portal.entrypoints.limits import RateLimiter, TooManyRequests
from egov_portal.service_layer.status_lookup import StatusLookup

TAG_STATUS = "status"


def status_lookup(request: Request) -> StatusLookup:
    value: StatusLookup = request.app.state.status_lookup
    return value


def count_lookup(request: Request) -> None:
    """One look-up of the client's address; :class:`TooManyRequests` over the limit."""
    limiter: RateLimiter = request.app.state.status_limiter
    limiter.hit(request.client.host if request.client is not None else "unknown")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def report_json(request: Request, report: StatusReport) -> dict[str, Any]:
    kk, ru = TEXTS[STATUS_KEYS[report.status.value]]
    entry = portal(request).catalogue.entry(report.service_id)
    return {
        "number": report.number,
        "status": report.status.value,
        "statusText": {"ru": ru, "kk": kk},
        "service": {
            "id": report.service_id,
            "name_ru": entry.name_ru if entry else report.service_id,
            "name_kk": entry.name_kk if entry else report.service_id,
        },
        "submittedAt": _iso(report.submitted_at),
        "registeredAt": _iso(report.registered_at),
        "resultAt": _iso(report.result_at),
        "dueAt": _iso(report.due_at),
    }


def api_status_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=[TAG_STATUS])

    @router.get(
        "/status/{number}",
        summary="«1414»: the status of an application by its number (no login, no personal data)",
        responses={
            400: {"description": "STATUS_NUMBER_INVALID"},
            404: {"description": "STATUS_NOT_FOUND"},
            429: {"description": "TOO_MANY_REQUESTS, with Retry-After (seconds)"},
        },
    )
    async def status(request: Request, number: str) -> JSONResponse:
        try:
            count_lookup(request)
        except TooManyRequests as exc:
            return JSONResponse(exc.as_json(), status_code=exc.http_status, headers=exc.headers)
        report = status_lookup(request).lookup(number, headers=request.headers)
        return JSONResponse(report_json(request, report))

    return router
