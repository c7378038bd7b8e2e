"""The server-rendered pages (Jinja2), in Kazakh and Russian, usable without JavaScript but signing.

Every POST form carries the session's CSRF token (``csrf_token``); a missing or wrong token answers
403 and changes nothing. Before login the visitor gets an anonymous session, which holds the token
of the login and registration forms; logging in replaces it with a new session (new id, new token).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from egov_kit.calendar import get_calendar
from fastapi import APIRouter, Request, Response

from egov_portal.domain.errors import (
    ExternalUnavailable,
    FormInvalid,
    NotReady,
    PortalError,
    SignedDocumentRejected,
)
from egov_portal.domain.model import Application, ApplicationStatus, Organisation, Session, User
from egov_portal.domain.refusals import PROCESS_4_TITLE_KK, PROCESS_4_TITLE_RU
from egov_portal.entrypoints.context import (
    Visitor,
    clear_session_cookie,
    portal,
    set_session_cookie,
    visitor,
)
from egov_portal.entrypoints.rendering import (
    ServicePage,
    csrf_failed,
    csrf_ok,
    draft_from_form,
    error_page,
    login_redirect,
    not_found,
    owned_application,
    read_form,
    read_signed_form,
    redirect,
    render,
)
from egov_portal.entrypoints.views import sorted_history
from egov_portal.service_layer.applications import SERVICE_ID
from egov_portal.service_layer.catalogue import Catalogue

__all__ = ["error_page", "pages_router", "render"]  # render and error_page: for the other page modules

SMALL_FORM_BYTES = 8 * 1024  # login, registration, logout
_SERVICE_PATH = re.compile(r"^/services/([A-Z][0-9]+)(?:[/?#]|$)")


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/cabinet"


def _service_of(target: str) -> str | None:
    """The service a login leads to (``/services/H2`` → ``H2``): its regulation names process 1."""
    found = _SERVICE_PATH.match(target)
    return found.group(1) if found else None


def _ensure_session(request: Request) -> tuple[Visitor, str | None]:
    """The visitor, with an anonymous session (and its token, to set as a cookie) if it had none."""
    found = visitor(request)
    if found.session is not None:
        return found, None
    opened = portal(request).accounts.anonymous_session()
    found.session, found.token = opened.session, opened.token
    return found, opened.token


def _organisations(request: Request) -> Callable[[User], Awaitable[list[Organisation]]]:
    return portal(request).applications.organisations


def _organisations_list(request: Request, context: dict[str, Any]) -> None:
    """H1's form lists the organisations of the recipient's region."""
    context["organisations"] = context.pop("form") or []


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home(request: Request) -> Response:
        return render(request, "home.html")

    # --- registration (step 0) ------------------------------------------------------------------------
    @router.get("/register")
    async def register_form(request: Request) -> Response:
        found, token = _ensure_session(request)
        if found.user is not None:
            return redirect("/cabinet")
        return render(request, "register.html", {"values": {}}, new_session_token=token)

    @router.post("/register")
    async def register(request: Request) -> Response:
        form = await read_form(request, SMALL_FORM_BYTES)
        found = visitor(request)
        if form is None or not csrf_ok(found, form):
            return csrf_failed(request, "/register")
        values = {"iin": form.get("iin", ""), "phone": form.get("phone", "")}
        try:
            await portal(request).accounts.register(
                form.get("iin", ""), form.get("password", ""), form.get("phone", ""), headers=request.headers
            )
        except PortalError as error:
            context = {"error": error, "values": values}
            return render(request, "register.html", context, status=error.http_status, lang_path="/register")
        return redirect("/login?registered=1")

    # --- authorisation (process 1, condition 1, process 2) ---------------------------------------------
    @router.get("/login")
    async def login_form(request: Request) -> Response:
        found, token = _ensure_session(request)
        if found.user is not None:
            return redirect(_safe_next(request.query_params.get("next")))
        context = {
            "values": {},
            "next": _safe_next(request.query_params.get("next")),
            "registered": request.query_params.get("registered") == "1",
        }
        return render(request, "login.html", context, new_session_token=token)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await read_form(request, SMALL_FORM_BYTES)
        found = visitor(request)
        if form is None or not csrf_ok(found, form):
            return csrf_failed(request, "/login")
        target = _safe_next(form.get("next"))
        p = portal(request)
        try:
            opened = await p.accounts.login(
                form.get("iin", ""),
                form.get("password", ""),
                headers=request.headers,
                service_id=_service_of(target),
            )
        except PortalError as error:
            context = {"error": error, "values": {"iin": form.get("iin", "")}, "next": target}
            return render(request, "login.html", context, status=error.http_status, lang_path="/login")
        if found.session is not None:
            p.accounts.logout(found.session)  # the anonymous session ends: a new id after login
        response = redirect(target)
        set_session_cookie(response, request, opened.token)
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        form = await read_form(request, SMALL_FORM_BYTES)
        found = visitor(request)
        if form is None or not csrf_ok(found, form):
            return csrf_failed(request)
        if found.session is not None:
            portal(request).accounts.logout(found.session)
        response = redirect("/")
        clear_session_cookie(response, request)
        return response

    # --- catalogue and the H1 form (process 3) ---------------------------------------------------------
    @router.get("/services")
    async def services(request: Request) -> Response:
        return render(request, "catalogue.html", {"entries": portal(request).catalogue.entries()})

    def _service_page(service_id: str) -> ServicePage:
        return ServicePage(service_id, "service.html", load=_organisations, fill=_organisations_list)

    @router.get("/services/{service_id}")
    async def service(request: Request, service_id: str) -> Response:
        return await _service_page(service_id)(request)

    @router.post("/services/{service_id}")
    async def service_form(request: Request, service_id: str) -> Response:
        found = visitor(request)
        if found.user is None or found.session is None:
            return login_redirect(request)
        if service_id != SERVICE_ID:
            return not_found(request)

        async def draft(user: User, session: Session, form: Mapping[str, str]) -> Application:
            return await portal(request).applications.draft(
                user,
                session,
                organisation_code=form.get("organisationCode"),
                reason=form.get("reason"),
                headers=request.headers,
            )

        return await draft_from_form(
            request,
            service_id,
            fields=("organisationCode", "reason"),
            draft=draft,
            page=_service_page(service_id),
            errors=(FormInvalid, ExternalUnavailable, NotReady),
        )

    # --- signing, condition 2, process 4 / 5 ------------------------------------------------------------
    def _mine(request: Request, application_id: str) -> tuple[User, Application] | Response:
        return owned_application(request, application_id)

    @router.get("/applications/{application_id}/sign")
    async def sign_page(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        _user, application = mine
        if application.status != ApplicationStatus.DRAFT:
            return redirect(f"/applications/{application_id}")
        return render(request, "sign.html", {"application": application})

    @router.post("/applications/{application_id}/sign")
    async def sign(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        user, application = mine
        found = visitor(request)
        lang_path = f"/applications/{application_id}"
        form = await read_signed_form(request, lang_path)
        if isinstance(form, Response):
            return form
        assert found.session is not None
        try:
            if isinstance(form, SignedDocumentRejected):
                raise form
            application = await portal(request).applications.submit(
                user,
                found.session,
                application_id=application_id,
                signed_xml=form.get("signed_xml"),
                headers=request.headers,
            )
        except SignedDocumentRejected as error:
            context = {"application": application, "error": error}
            return render(request, "sign.html", context, status=error.http_status, lang_path=lang_path)
        except PortalError as error:
            return error_page(request, error, lang_path=lang_path)
        if application.status == ApplicationStatus.REFUSED:
            context = {
                "application": application,
                "title_ru": PROCESS_4_TITLE_RU,
                "title_kk": PROCESS_4_TITLE_KK,
            }
            return render(request, "process4.html", context, status=422, lang_path=lang_path)
        return redirect(f"/applications/{application_id}")

    # --- personal cabinet ------------------------------------------------------------------------------
    @router.get("/cabinet")
    async def cabinet(request: Request) -> Response:
        found = visitor(request)
        if found.user is None:
            return login_redirect(request)
        applications = portal(request).applications.list(found.user)
        return render(request, "cabinet.html", {"applications": applications})

    def _due(application: Application) -> Any:
        sent = next((e.at for e in application.history if e.status == ApplicationStatus.SENT), None)
        if sent is None or application.status.final:
            return None
        regulation = Catalogue.regulation(application.service_id)
        limit = regulation.norm.max_duration() if regulation is not None else None
        if limit is not None:  # H2: 30 minutes around the clock (seed 001 §9)
            return sent + limit
        calendar = get_calendar()
        return calendar.add_working_days(calendar.registration_moment(sent), 1)

    @router.get("/applications/{application_id}")
    async def application_page(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        _user, application = mine
        context = {
            "application": application,
            "history": sorted_history(application),
            "due": _due(application),
        }
        return render(request, "application.html", context)

    @router.get("/applications/{application_id}/print")
    async def print_page(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        user, application = mine
        if application.result is None:
            return redirect(f"/applications/{application_id}")
        return render(request, "print.html", {"application": application, "recipient": user})

    @router.get("/applications/{application_id}/result.xml")
    async def result_xml(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        _user, application = mine
        if application.result is None:
            return redirect(f"/applications/{application_id}")
        name = f"{application.result.kind.value}-{application_id}.xml"
        return Response(
            application.result.xml.encode("utf-8"),
            media_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/applications/{application_id}/application.xml")
    async def application_xml(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        _user, application = mine
        document = application.signed_xml or application.unsigned_xml
        return Response(
            document.encode("utf-8"),
            media_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="application-{application_id}.xml"'},
        )

    return router
