"""JSON API of the quality survey (seed 002 appendix 3).

* ``GET /api/applications/{id}/survey`` — the questions and the scale (ru/kk), whether the survey is
  available (the provider's result arrived) and whether it was answered (with the answer);
* ``POST /api/applications/{id}/survey`` ``{q1, q2}`` (header ``X-CSRF-Token``) — 201 once; 409
  ``SURVEY_NOT_AVAILABLE`` before the result, 409 ``SURVEY_ALREADY_ANSWERED`` the second time, 422
  ``SURVEY_ANSWER_INVALID`` (``field`` names the question), 404 ``APPLICATION_NOT_FOUND`` for an
  application that is not the caller's;
* ``GET /api/surveys/summary`` — per service: count, distribution per question, averages. Open to
  every logged-in user (aggregates only, no personal data).
"""

from __future__ import annotations

from typing import Any

from egov_kit.survey import Survey
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from egov_portal.domain.survey import ServiceSummary, SurveyAnswer
from egov_portal.entrypoints.api import authenticated  # the API's own session and CSRF checks
from egov_portal.entrypoints.context import portal
from egov_portal.service_layer.survey import Surveys, SurveyState

TAG_SURVEY = "survey"


class SurveyBody(BaseModel):
    # Any JSON value is accepted here and checked against the survey's scale by the service layer,
    # so that every wrong answer gets the named error SURVEY_ANSWER_INVALID (not a schema error).
    q1: Any = Field(None, description="answer to question 1: a value of the scale (1, 2 or 3)", examples=[3])
    q2: Any = Field(None, description="answer to question 2: a value of the scale (1, 2 or 3)", examples=[2])


def surveys(request: Request) -> Surveys:
    value: Surveys = request.app.state.surveys
    return value


def survey_json(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.id,
        "seedRef": survey.seed_ref,
        "title": {"ru": survey.title.ru, "kk": survey.title.kk},
        "questions": [{"id": q.id, "ru": q.ru, "kk": q.kk} for q in survey.questions],
        "scale": [{"value": p.value, "ru": p.ru, "kk": p.kk} for p in survey.scale],
    }


def answer_json(answer: SurveyAnswer) -> dict[str, Any]:
    return {**answer.answers, "answeredAt": answer.answered_at.isoformat()}


def state_json(state: SurveyState) -> dict[str, Any]:
    return {
        "applicationId": state.application.application_id,
        "serviceId": state.application.service_id,
        "survey": survey_json(state.survey),
        "available": state.available,
        "answered": state.answer is not None,
        "answer": None if state.answer is None else answer_json(state.answer),
    }


def summary_json(request: Request, summary: ServiceSummary) -> dict[str, Any]:
    entry = portal(request).catalogue.entry(summary.service_id)
    return {
        "serviceId": summary.service_id,
        "name_ru": entry.name_ru if entry else summary.service_id,
        "name_kk": entry.name_kk if entry else summary.service_id,
        "count": summary.count,
        "average": summary.average,
        "questions": [
            {
                "id": q.question_id,
                "distribution": {str(value): n for value, n in q.distribution.items()},
                "average": q.average,
            }
            for q in summary.questions
        ],
    }


def api_survey_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=[TAG_SURVEY])

    @router.get(
        "/applications/{application_id}/survey",
        summary="The quality survey of an application (seed 002 appendix 3): questions, scale, state",
    )
    async def get_survey(request: Request, application_id: str) -> dict[str, Any]:
        user, _session = authenticated(request)
        return state_json(surveys(request).state(user, application_id))

    @router.post(
        "/applications/{application_id}/survey",
        status_code=201,
        summary="Answer the survey once, after the provider's result (X-CSRF-Token)",
        responses={
            404: {"description": "APPLICATION_NOT_FOUND: not the caller's application"},
            409: {"description": "SURVEY_NOT_AVAILABLE (no result yet) or SURVEY_ALREADY_ANSWERED"},
            422: {"description": "SURVEY_ANSWER_INVALID: field names the question"},
        },
    )
    async def answer_survey(request: Request, application_id: str, body: SurveyBody) -> JSONResponse:
        user, _session = authenticated(request, csrf=True)
        answer = surveys(request).answer(user, application_id, body.model_dump(), headers=request.headers)
        return JSONResponse(
            {
                "applicationId": answer.application_id,
                "serviceId": answer.service_id,
                "answers": dict(answer.answers),
                "answeredAt": answer.answered_at.isoformat(),
            },
            status_code=201,
        )

    @router.get("/surveys/summary", summary="Survey results per service (logged-in users; aggregates only)")
    async def summary(request: Request) -> dict[str, Any]:
        authenticated(request)
        found = surveys(request)
        return {
            "survey": survey_json(found.survey),
            "services": [summary_json(request, s) for s in found.summary()],
        }

    return router
