"""Pages of the quality survey (seed 002 appendix 3): the form of one application, the summary.

The application page shows the survey through ``_survey.html`` (the template global ``survey_for``,
set in ``app.py``); these routes take the posted answer, show the form again after a refusal, and
render ``/surveys`` (per service: count, distribution per question, averages; logged-in users).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from egov_portal.domain.errors import ApplicationNotFound, PortalError
from egov_portal.domain.survey import not_available
from egov_portal.entrypoints.api_survey import summary_json, surveys
from egov_portal.entrypoints.context import parse_form, read_limited, visitor
from egov_portal.entrypoints.pages import SMALL_FORM_BYTES, error_page, render
from egov_portal.service_layer.accounts import csrf_matches


def _login(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)


def _answers(form: dict[str, str]) -> dict[str, object]:
    """Form values as the survey checks them: digits become numbers, anything else stays as given."""
    return {key: int(value) if value.isdigit() and len(value) < 4 else value for key, value in form.items()}


def pages_survey_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/applications/{application_id}/survey")
    async def survey_page(request: Request, application_id: str) -> Response:
        found = visitor(request)
        if found.user is None:
            return _login(request)
        try:
            state = surveys(request).state(found.user, application_id)
        except ApplicationNotFound as error:
            return error_page(request, error, lang_path="/cabinet")
        context = {
            "application": state.application,
            "state": state,
            "error": None if state.available else not_available(),
        }
        return render(request, "survey.html", context)

    @router.post("/applications/{application_id}/survey")
    async def answer(request: Request, application_id: str) -> Response:
        found = visitor(request)
        if found.user is None or found.session is None:
            return _login(request)
        lang_path = f"/applications/{application_id}/survey"
        body = await read_limited(request, SMALL_FORM_BYTES)
        form = None if body is None else parse_form(body)
        if form is None or not csrf_matches(found.session, form.get("csrf_token")):
            return render(request, "csrf.html", status=403, lang_path=lang_path)
        service = surveys(request)
        try:
            service.answer(found.user, application_id, _answers(form), headers=request.headers)
        except ApplicationNotFound as error:
            return error_page(request, error, lang_path="/cabinet")
        except PortalError as error:
            state = service.state(found.user, application_id)
            context = {
                "application": state.application,
                "state": state,
                "error": error,
                "survey_values": form,
            }
            return render(request, "survey.html", context, status=error.http_status, lang_path=lang_path)
        return RedirectResponse(f"/applications/{application_id}#survey", status_code=303)

    @router.get("/surveys")
    async def summary(request: Request) -> Response:
        if visitor(request).user is None:
            return _login(request)
        service = surveys(request)
        context = {
            "survey": service.survey,
            "summaries": [summary_json(request, item) for item in service.summary()],
        }
        return render(request, "surveys.html", context)

    return router
