"""The H3 JSON API (seed 004): the form, the draft with files, EDS or one-time password, and status.

Registered before the generic ``/api`` routes, so these paths are H3's own. Same session, CSRF
header (``X-CSRF-Token``) and error shape as the rest of the API.

* ``GET /api/services/H3/form`` — the attached organisation, the limits, the consent text ru/kk;
* ``POST /api/applications/H3/draft`` (multipart or JSON) — 201 ``{applicationId, status: draft,
  xml, confirmation, consent, warnings}``;
* ``POST /api/applications/H3`` ``{applicationId, signed_xml}`` — EDS: 202 sent / 422 process 4;
* ``POST /api/applications/H3/{id}/otp`` — one-time password by SMS: ``{phoneMasked, expiresAt}``;
* ``POST /api/applications/H3/{id}/confirm`` ``{code}`` — 202 sent / 422 ``OTP_WRONG`` / 422 process 4.
"""

from __future__ import annotations

from typing import Any

from egov_kit.regulations import load_regulation
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from egov_portal.domain.model import Application
from egov_portal.entrypoints.api import authenticated
from egov_portal.entrypoints.h3_input import read_h3_form
from egov_portal.entrypoints.views import organisation_json, process_4_json, sent_json, user_json
from egov_portal.service_layer.h3_applications import H3Applications
from egov_portal.service_layer.tracing import continued, parent_carrier

SIMULATED_TIME_HEADER = "X-Egov-Simulated-Time"
TAG = "H3"


class SubmitBody(BaseModel):
    applicationId: str = Field(description="from POST /api/applications/H3/draft")
    signed_xml: str = Field(description="the draft's xml with the recipient's enveloped XML-DSig")


class ConfirmBody(BaseModel):
    code: str = Field(description="the one-time password from the SMS", examples=["482913"])


def h3_service(request: Request) -> H3Applications:
    service: H3Applications = request.app.state.h3
    return service


def consent_warning() -> dict[str, str]:
    ground = next(g for g in load_regulation("H3").refusal_grounds if g.code == "NO_CONSENT")
    return {
        "code": "NO_CONSENT",
        "message_ru": "Согласие не дано: услугодатель откажет по основанию пункта 9 3) стандарта — "
        + ground.ru,
        "message_kk": "Келісім берілмеді: қызмет беруші стандарттың 9-тармағының 3) тармақшасы бойынша "
        "бас тартады — " + ground.kk,
    }


def draft_json(application: Application) -> dict[str, Any]:
    details = application.details
    body: dict[str, Any] = {
        "applicationId": application.application_id,
        "serviceId": application.service_id,
        "status": application.status.value,
        "xml": application.unsigned_xml,
        "organisation": organisation_json(application.organisation),
        "confirmation": details.get("confirmation"),
        "consent": bool(details.get("consent")),
        "files": details.get("files", []),
        "submittedAt": details.get("submittedAt"),
        "simulatedTime": bool(details.get("simulatedTime")),
        "warnings": [] if details.get("consent") else [consent_warning()],
    }
    if details.get("confirmation") == "otp":
        body["next"] = f"POST /api/applications/H3/{application.application_id}/otp"
    else:
        body["next"] = "POST /api/applications/H3 {applicationId, signed_xml}"
    return body


def otp_process_4_json(application: Application) -> dict[str, Any]:
    """Process 4 of the one-time password branch (expired, locked), HTTP 422."""
    step = load_regulation("H3").channel("portal").step("process 4")
    return process_4_json(application, error="OTP_NOT_CONFIRMED", title=(step.title_ru, step.title_kk))


def h3_api_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=[TAG])

    @router.get(
        "/services/H3/form", summary="H3 process 3: the form (attached organisation, limits, consent)"
    )
    async def form(request: Request) -> dict[str, Any]:
        user, session = authenticated(request, csrf=False)
        with continued(parent_carrier(request.headers, session.traceparent)):
            shown = await h3_service(request).form(user)
        return {
            "serviceId": "H3",
            "recipient": user_json(user),
            "organisation": None if shown.organisation is None else organisation_json(shown.organisation),
            "organisations": [] if shown.organisation is None else [organisation_json(shown.organisation)],
            "limits": {
                "maxFiles": shown.max_files,
                "maxFileBytes": shown.max_file_bytes,
                "maxTotalBytes": shown.max_total_bytes,
                "mediaTypes": list(shown.media_types),
            },
            "consent": {"ru": shown.consent_ru, "kk": shown.consent_kk},
            "confirmations": ["eds", "otp"],
            "phoneMasked": shown.phone_masked,
        }

    @router.post(
        "/applications/H3/draft",
        status_code=201,
        summary="H3 process 3: the form (multipart/form-data, or JSON with base64 files) → the draft",
        responses={
            413: {"description": "ATTACHMENT_TOO_LARGE / ATTACHMENTS_TOO_LARGE / FORM_TOO_LARGE"},
            415: {"description": "ATTACHMENT_TYPE_NOT_ALLOWED"},
            422: {"description": "a form rule (field named), NOT_ATTACHED, ATTACHMENT_TOO_MANY"},
        },
    )
    async def draft(request: Request) -> JSONResponse:
        """Fields: ``diagnosisCode`` (ICD-10), ``diagnosisText``, ``examinedOn`` (not in the future),
        ``consent`` (absent = no consent: a warning, the provider refuses with NO_CONSENT),
        ``confirmation`` (``eds`` | ``otp``), ``files`` (PDF/JPEG/PNG, at most 3, 1 MiB each, 2 MiB in
        all). ``X-Egov-Simulated-Time: <ISO datetime>`` sets submittedAt (sandbox)."""
        user, session = authenticated(request, csrf=True)
        h3_input, _text = await read_h3_form(request)
        application = await h3_service(request).draft(
            user,
            session,
            h3_input,
            simulated_time=request.headers.get(SIMULATED_TIME_HEADER),
            headers=request.headers,
        )
        return JSONResponse(draft_json(application), status_code=201)

    @router.post(
        "/applications/H3",
        summary="H3 condition 2 (EDS) on the signed application, then process 4 or process 5",
        responses={202: {"description": "sent (process 5)"}, 422: {"description": "process 4"}},
    )
    async def submit(request: Request, body: SubmitBody) -> JSONResponse:
        user, session = authenticated(request, csrf=True)
        application = await h3_service(request).submit_eds(
            user,
            session,
            application_id=body.applicationId,
            signed_xml=body.signed_xml,
            headers=request.headers,
        )
        return sent_json(application)

    @router.post(
        "/applications/H3/{application_id}/otp",
        summary="H3 item 10: send a one-time password by SMS to the registered phone",
        responses={423: {"description": "OTP_LOCKED"}, 503: {"description": "SMS_NOT_SENT"}},
    )
    async def request_otp(request: Request, application_id: str) -> dict[str, Any]:
        user, session = authenticated(request, csrf=True)
        application, sent = await h3_service(request).request_otp(
            user, session, application_id=application_id, headers=request.headers
        )
        return {
            "applicationId": application.application_id,
            "status": application.status.value,
            "phoneMasked": sent.phone_masked,
            "sentAt": sent.sent_at.isoformat(),
            "expiresAt": sent.expires_at.isoformat(),
        }

    @router.post(
        "/applications/H3/{application_id}/confirm",
        summary="H3 condition 2 (one-time password), then process 4 or process 5",
        responses={
            202: {"description": "confirmed and sent (process 5)"},
            409: {"description": "OTP_ALREADY_USED, OTP_NOT_ISSUED, APPLICATION_REPLAYED"},
            422: {"description": "OTP_WRONG (attemptsLeft), or process 4 OTP_NOT_CONFIRMED"},
            423: {"description": "OTP_LOCKED"},
        },
    )
    async def confirm(request: Request, application_id: str, body: ConfirmBody) -> JSONResponse:
        user, session = authenticated(request, csrf=True)
        application = await h3_service(request).confirm_otp(
            user, session, application_id=application_id, code=body.code, headers=request.headers
        )
        return sent_json(application, refused=otp_process_4_json)

    return router
