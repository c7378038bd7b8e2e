"""The «1414» status look-up page: ``/status`` (a GET form, no login), kk/ru like every page.

The same look-up as ``GET /api/status/{number}``, counted against the same per-IP limit; over the
limit the page answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from egov_portal.domain.errors import PortalError
from egov_portal.entrypoints.api_status import count_lookup, report_json, status_lookup
from egov_portal.entrypoints.limits import TooManyRequests
from egov_portal.entrypoints.pages import render


def pages_status_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/status")
    async def status_page(request: Request) -> Response:
        number = request.query_params.get("number")
        if number is None:
            return render(request, "status.html", {"number": "", "report": None})
        context: dict[str, object] = {"number": number.strip()[:64], "report": None}
        try:
            count_lookup(request)
            report = status_lookup(request).lookup(number, headers=request.headers)
        except TooManyRequests as error:
            response = render(request, "status.html", {**context, "error": error}, status=error.http_status)
            response.headers.update(error.headers)
            return response
        except PortalError as error:
            return render(request, "status.html", {**context, "error": error}, status=error.http_status)
        context["report"] = report_json(request, report)
        return render(request, "status.html", context)

    return router
