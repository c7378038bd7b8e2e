"""The workstation's pages under ``/workstation/`` (server-rendered, Russian and Kazakh).

Seed 002 table 2, one page per step: log in (1) → choose the service (2) → the recipient's ИИН, asked
in ГБД ФЛ (3; absent → printable refusal, 4) → the form with scans (5) → signing in the browser with
``/static/ncalayer.js`` (5) → registered with a number (6) → printable refusal (7) or talon (8).
Every form carries the session's CSRF token; the session cookie is HttpOnly, SameSite=Lax.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from egov_kit.documents.h1 import refusal_fields, talon_fields, to_text
from egov_kit.errors import KitError
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from phc_registry.adapters.orm import ApplicationRow
from phc_registry.domain.errors import CsrfRejected
from phc_registry.entrypoints.web import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Sessions,
    clear_session_cookie,
    error_status,
    in_session_trace,
    page,
    read_uploads,
    set_session_cookie,
    xml_download,
)
from phc_registry.service_layer import attachment, workstation
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.workstation import WorkstationUser
from phc_registry.settings import Settings

TAG = "workstation"


def render_error(request: Request, exc: KitError) -> Response:
    user: WorkstationUser | None = getattr(request.state, "user", None)
    return page(
        request,
        "error.html",
        user=user,
        status_code=error_status(exc),
        code=exc.code if exc.exposed else "INTERNAL_ERROR",
        message=exc.message if exc.exposed else "internal error",
    )


def document_view(row: ApplicationRow) -> dict[str, Any] | None:
    if row.result_xml is None:
        return None
    element = attachment.result_document(row)
    return talon_fields(element) if row.result_kind == "talon" else refusal_fields(element)


def html_router(runtime: PhcRuntime, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/workstation", tags=[TAG], include_in_schema=False)

    sessions = Sessions(runtime)
    current_user, checked = sessions.current, sessions.checked

    # --- step 1 --------------------------------------------------------------------------------
    @router.get("/login")
    def login_page(request: Request) -> Response:
        token = secrets.token_urlsafe(24)
        response = page(request, "login.html", login_csrf=token)
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies
        )
        return response

    @router.post("/login")
    def login(
        request: Request,
        iin: Annotated[str, Form()],
        password: Annotated[str, Form()],
        csrf_token: Annotated[str, Form()] = "",
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        if not expected or not secrets.compare_digest(expected, csrf_token):
            raise CsrfRejected(
                "Форма входа устарела (CSRF): обновите страницу / "
                "Кіру формасы ескірген (CSRF): бетті жаңартыңыз"
            )
        try:
            token, _user = workstation.login(runtime, iin.strip(), password)
        except KitError as exc:
            fresh = secrets.token_urlsafe(24)
            response = page(
                request,
                "login.html",
                status_code=error_status(exc),
                login_csrf=fresh,
                error=exc.message,
                iin=iin,
            )
            response.set_cookie(
                LOGIN_CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=settings.secure_cookies
            )
            return response
        response = RedirectResponse("/workstation/", status_code=303)
        set_session_cookie(response, token, settings)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @router.post("/logout")
    def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
        checked(request, csrf_token)
        workstation.logout(runtime, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/workstation/login", status_code=303)
        clear_session_cookie(response, settings)
        return response

    # --- step 2 --------------------------------------------------------------------------------
    @router.get("/")
    def services(request: Request) -> Response:
        user = current_user(request)
        return page(request, "services.html", user=user, services=workstation.services())

    @router.get("/h1")
    def h1_start(request: Request) -> Response:
        user = current_user(request)
        with in_session_trace(user):
            service = workstation.choose_service(runtime, user)
        recent = workstation.recent_applications(runtime, user)
        return page(request, "h1_search.html", user=user, service=service, recent=recent)

    # --- steps 3 and 4 -------------------------------------------------------------------------
    @router.post("/h1/lookup")
    async def h1_lookup(
        request: Request, iin: Annotated[str, Form()], csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = ""
    ) -> Response:
        user = checked(request, csrf_token)
        with in_session_trace(user):
            outcome = await workstation.lookup(runtime, user, iin)
        if outcome.refusal is not None:
            return page(
                request,
                "refusal_print.html",
                user=user,
                doc=refusal_fields(outcome.refusal),
                registered=False,
            )
        return page(request, "h1_person.html", user=user, outcome=outcome, person=outcome.lookup.person)

    # --- step 5 --------------------------------------------------------------------------------
    @router.post("/h1/draft")
    async def h1_draft(
        request: Request,
        iin: Annotated[str, Form()],
        section: Annotated[str, Form()],
        reason: Annotated[str, Form()],
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
        scans: Annotated[list[UploadFile] | None, File()] = None,
    ) -> Response:
        user = checked(request, csrf_token)
        files = await read_uploads(scans, runtime.limits.max_scan_bytes)
        with in_session_trace(user):
            references = workstation.upload_scans(runtime, user, files)
            element = workstation.draft(
                runtime, user, iin, section, reason, [ref.sha256 for ref in references]
            )
        return page(request, "h1_sign.html", user=user, xml=to_text(element), scans=references)

    # --- steps 5 (signature) to 8 --------------------------------------------------------------
    @router.post("/h1/register")
    async def h1_register(
        request: Request,
        signed_xml: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    ) -> Response:
        user = checked(request, csrf_token)
        with in_session_trace(user):
            outcome = await workstation.register(runtime, user, signed_xml)
        return RedirectResponse(
            f"/workstation/h1/applications/{outcome.row.registration_number}", status_code=303
        )

    @router.get("/h1/applications/{number}")
    def h1_application(request: Request, number: str) -> Response:
        user = current_user(request)
        row = workstation.application_of(runtime, user, number)
        return page(request, "h1_result.html", user=user, row=row, doc=document_view(row))

    @router.get("/h1/applications/{number}/print")
    def h1_print(request: Request, number: str) -> Response:
        user = current_user(request)
        row = workstation.application_of(runtime, user, number)
        doc = document_view(row)
        name = "talon_print.html" if row.result_kind == "talon" else "refusal_print.html"
        return page(request, name, user=user, row=row, doc=doc, registered=True)

    @router.get("/h1/applications/{number}/document.xml")
    def h1_document(request: Request, number: str) -> Response:
        user = current_user(request)
        row = workstation.application_of(runtime, user, number)
        return xml_download(attachment.result_document(row), f"{number}-{row.result_kind}.xml")

    return router
