"""The JSON API beside the pages (``/api/...``): what the replay, the CLI and the browser tests drive.

Authentication is the same server-side session as the pages' (cookie ``egov_session``, HttpOnly,
SameSite=Lax). Every state-changing call but ``/api/register`` and ``/api/login`` must carry the
session's CSRF token in the ``X-CSRF-Token`` header; ``/api/login`` returns it as ``csrf_token``.
Errors are ``{"error": CODE, "message_ru": …, "message_kk": …}``. A ``traceparent`` header is
continued (one application, one trace).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from egov_portal.domain.errors import CsrfRejected, NotAuthenticated, ServiceNotAvailable
from egov_portal.domain.model import Session, User
from egov_portal.entrypoints.context import (
    CSRF_HEADER,
    clear_session_cookie,
    portal,
    set_session_cookie,
    visitor,
)
from egov_portal.entrypoints.views import (
    application_json,
    draft_created,
    organisation_json,
    sent_json,
    user_json,
)
from egov_portal.service_layer.accounts import csrf_matches
from egov_portal.service_layer.applications import SERVICE_ID
from egov_portal.service_layer.documents import is_registered
from egov_portal.service_layer.tracing import continued, parent_carrier

TAG_ACCOUNT = "account"
TAG_SERVICES = "services"
TAG_APPLICATIONS = "applications"


class RegisterBody(BaseModel):
    iin: str = Field(description="ИИН, 12 digits with a valid check digit", examples=["880412390017"])
    password: str = Field(description="at least 8 characters", examples=["correct-horse-1"])
    phone: str = Field(description="+7 7xx xxx xx xx", examples=["+7 701 234 56 78"])


class LoginBody(BaseModel):
    iin: str = Field(examples=["880412390017"])
    password: str = Field(examples=["correct-horse-1"])
    serviceId: str | None = Field(
        None, description="the service the recipient logs in for (names the spans of process 1)"
    )


class DraftBody(BaseModel):
    organisationCode: str | None = Field(None, description="a code from GET /api/services/H1/form")
    reason: str | None = Field(None, description="why (at most 500 characters)")


class SubmitBody(BaseModel):
    applicationId: str = Field(description="from POST /api/applications/H1/draft")
    signed_xml: str = Field(description="the draft's xml with the recipient's enveloped XML-DSig")


def authenticated(request: Request, *, csrf: bool = False) -> tuple[User, Session]:
    """The API caller's user and session (401 otherwise); with ``csrf`` also the CSRF header (403)."""
    found = visitor(request)
    if found.user is None or found.session is None:
        raise NotAuthenticated("Войдите на портал: POST /api/login", "Порталға кіріңіз: POST /api/login")
    if csrf:
        check_csrf(request, found.session)
    return found.user, found.session


def check_csrf(request: Request, session: Session) -> None:
    if not csrf_matches(session, request.headers.get(CSRF_HEADER)):
        raise CsrfRejected(
            f"Нет или неверен заголовок {CSRF_HEADER} (выдаётся в ответе /api/login): ничего не изменено",
            f"{CSRF_HEADER} тақырыбы жоқ немесе қате (/api/login жауабында беріледі): ештеңе өзгертілмеді",
        )


def _only_h1(service_id: str) -> None:
    if service_id != SERVICE_ID:
        _not_available(service_id)


def _submittable(service_id: str) -> None:
    """Condition 2 and process 5 are the pipeline's: any service whose documents are registered."""
    if not is_registered(service_id):
        _not_available(service_id)


def _not_available(service_id: str) -> None:
    raise ServiceNotAvailable(
        f"Услуга {service_id} пока недоступна на портале",
        f"{service_id} қызметі порталда әлі қолжетімсіз",
    )


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api")

    # --- account ----------------------------------------------------------------------------------
    @router.post("/register", status_code=201, tags=[TAG_ACCOUNT], summary="Registration (step 0 of flow P)")
    async def register(request: Request, body: RegisterBody) -> JSONResponse:
        """ИИН (check digit; present and alive in ГБД ФЛ, asked through ШЭП), password, phone."""
        user = await portal(request).accounts.register(
            body.iin, body.password, body.phone, headers=request.headers
        )
        return JSONResponse(user_json(user), status_code=201)

    @router.post("/login", tags=[TAG_ACCOUNT], summary="Authorisation (process 1, condition 1, process 2)")
    async def login(request: Request, body: LoginBody) -> JSONResponse:
        """Sets the session cookie and returns ``csrf_token`` for the ``X-CSRF-Token`` header.

        Refusals (process 2) answer 401: ``UNKNOWN_IIN``, ``WRONG_PASSWORD``, ``ACCOUNT_LOCKED``
        (5 consecutive failures lock the account for 15 minutes), ``PERSON_DECEASED``.
        """
        p = portal(request)
        previous = visitor(request).session
        opened = await p.accounts.login(
            body.iin, body.password, headers=request.headers, service_id=body.serviceId
        )
        if previous is not None:
            p.accounts.logout(previous)
        assert opened.user is not None
        response = JSONResponse({"csrf_token": opened.session.csrf_token, "user": user_json(opened.user)})
        set_session_cookie(response, request, opened.token)
        return response

    @router.post("/logout", tags=[TAG_ACCOUNT], summary="End the session (X-CSRF-Token)")
    async def logout(request: Request) -> JSONResponse:
        _user, session = authenticated(request, csrf=True)
        portal(request).accounts.logout(session)
        response = JSONResponse({"status": "logged_out"})
        clear_session_cookie(response, request)
        return response

    @router.get("/me", tags=[TAG_ACCOUNT], summary="The logged-in user (from ГБД ФЛ, cached)")
    async def me(request: Request) -> dict[str, Any]:
        user, session = authenticated(request)
        return {"user": user_json(user), "csrf_token": session.csrf_token}

    # --- catalogue and forms ----------------------------------------------------------------------
    @router.get("/catalogue", tags=[TAG_SERVICES], summary="Public services (from services/*.yaml)")
    async def catalogue(request: Request) -> dict[str, Any]:
        return {"services": [entry.as_json() for entry in portal(request).catalogue.entries()]}

    @router.get(
        "/services/{service_id}/form",
        tags=[TAG_SERVICES],
        summary="The form's choices: organisations of the user's region (RPN_MedicalOrganizationsSync)",
    )
    async def form(request: Request, service_id: str) -> dict[str, Any]:
        user, session = authenticated(request)
        _only_h1(service_id)
        with continued(parent_carrier(request.headers, session.traceparent)):
            organisations = await portal(request).applications.organisations(user)
        return {
            "serviceId": service_id,
            "recipient": user_json(user),
            "organisations": [organisation_json(org) for org in organisations],
            "reasonMaxLength": 500,
        }

    # --- applications -----------------------------------------------------------------------------
    @router.post(
        "/applications/{service_id}/draft",
        status_code=201,
        tags=[TAG_APPLICATIONS],
        summary="Process 3: the filled-in form → the unsigned application XML",
    )
    async def draft(request: Request, service_id: str, body: DraftBody) -> JSONResponse:
        user, session = authenticated(request, csrf=True)
        _only_h1(service_id)
        application = await portal(request).applications.draft(
            user,
            session,
            organisation_code=body.organisationCode,
            reason=body.reason,
            headers=request.headers,
        )
        return draft_created(application)

    @router.post(
        "/applications/{service_id}",
        tags=[TAG_APPLICATIONS],
        summary="Condition 2 on the signed application, then process 4 (refusal) or process 5 (sent)",
        responses={
            202: {"description": "sent through ШЭП (process 5)"},
            409: {"description": "APPLICATION_REPLAYED: this applicationId was already submitted"},
            422: {"description": "process 4: SIGNATURE_NOT_CONFIRMED with the reason"},
            502: {"description": "ШЭП did not accept the request (status failed)"},
        },
    )
    async def submit(request: Request, service_id: str, body: SubmitBody) -> JSONResponse:
        user, session = authenticated(request, csrf=True)
        _submittable(service_id)
        application = await portal(request).applications.submit(
            user,
            session,
            application_id=body.applicationId,
            signed_xml=body.signed_xml,
            headers=request.headers,
            service_id=service_id,
        )
        return sent_json(application)

    @router.get("/applications", tags=[TAG_APPLICATIONS], summary="The personal cabinet: my applications")
    async def applications(request: Request) -> dict[str, Any]:
        user, _session = authenticated(request)
        found = portal(request).applications.list(user)
        return {"applications": [application_json(app, with_documents=False) for app in found]}

    @router.get(
        "/applications/{application_id}",
        tags=[TAG_APPLICATIONS],
        summary="One application: status, history and the result (signed XML as received, fields)",
    )
    async def application(request: Request, application_id: str) -> dict[str, Any]:
        user, _session = authenticated(request)
        return application_json(portal(request).applications.get(user, application_id))

    @router.get(
        "/applications/{application_id}/result.xml",
        tags=[TAG_APPLICATIONS],
        summary="The result document (talon or refusal) exactly as received, with its signature",
    )
    async def result_xml(request: Request, application_id: str) -> Response:
        user, _session = authenticated(request)
        found = portal(request).applications.get(user, application_id)
        if found.result is None:
            return JSONResponse(
                {
                    "error": "RESULT_NOT_READY",
                    "message_ru": "Результата пока нет",
                    "message_kk": "Нәтиже әлі жоқ",
                },
                status_code=404,
            )
        name = f"{found.result.kind.value}-{application_id}.xml"
        return Response(
            found.result.xml.encode("utf-8"),
            media_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
