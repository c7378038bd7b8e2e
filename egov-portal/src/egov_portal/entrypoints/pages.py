"""The server-rendered pages (Jinja2), in Kazakh and Russian, usable without JavaScript but signing.

Every POST form carries the session's CSRF token (``csrf_token``); a missing or wrong token answers
403 and changes nothing. Before login the visitor gets an anonymous session, which holds the token
of the login and registration forms; logging in replaces it with a new session (new id, new token).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from egov_kit.calendar import get_calendar
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from egov_portal.domain.errors import (
    ApplicationNotFound,
    ExternalUnavailable,
    FormInvalid,
    FormTooLarge,
    NotReady,
    PortalError,
    SignedDocumentRejected,
)
from egov_portal.domain.model import Application, ApplicationStatus, Organisation, User
from egov_portal.domain.refusals import PROCESS_4_TITLE_KK, PROCESS_4_TITLE_RU
from egov_portal.domain.rules import REASON_MAX, format_phone
from egov_portal.entrypoints.context import (
    Visitor,
    clear_session_cookie,
    parse_form,
    portal,
    read_limited,
    set_session_cookie,
    visitor,
)
from egov_portal.entrypoints.i18n import LANG_COOKIE, STATUS_KEYS, Translator, choose_lang
from egov_portal.entrypoints.views import sorted_history
from egov_portal.service_layer.accounts import csrf_matches
from egov_portal.service_layer.applications import SERVICE_ID
from egov_portal.service_layer.catalogue import Catalogue
from egov_portal.service_layer.tracing import continued, parent_carrier

SMALL_FORM_BYTES = 8 * 1024  # login, registration, logout
_SERVICE_PATH = re.compile(r"^/services/([A-Z][0-9]+)(?:[/?#]|$)")


def security_headers(signer_url: str) -> dict[str, str]:
    """Pages load only their own scripts and styles; the signing page talks to NCALayer (or `egov
    signer`) on its local port, the only other place a page may connect to (ws, or wss for NCALayer)."""
    address = urlsplit(signer_url).netloc
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' ws://{address} wss://{address}; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


def _lang(request: Request) -> tuple[str, bool]:
    return choose_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    lang_path: str | None = None,
    new_session_token: str | None = None,
) -> Response:
    lang, chosen = _lang(request)
    found = visitor(request)
    values: dict[str, Any] = {
        "lang": lang,
        "t": Translator(lang),
        "user": found.user,
        "csrf_token": found.session.csrf_token if found.session is not None else "",
        "lang_path": lang_path or request.url.path,
        "status_key": STATUS_KEYS,
        "format_phone": format_phone,
        "reason_max": REASON_MAX,
        "signer_url": portal(request).settings.signer_url,
    }
    values.update(context or {})
    response = portal(request).templates.TemplateResponse(request, template, values, status_code=status)
    if chosen:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=int(timedelta(days=365).total_seconds()),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    if new_session_token is not None:
        set_session_cookie(response, request, new_session_token)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(security_headers(portal(request).settings.signer_url))
    return response


def error_page(request: Request, error: PortalError, *, lang_path: str = "/") -> Response:
    return render(request, "error.html", {"error": error}, status=error.http_status, lang_path=lang_path)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _login_redirect(request: Request) -> RedirectResponse:
    return _redirect("/login?next=" + quote(request.url.path))


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


def _csrf_failed(request: Request, lang_path: str = "/") -> Response:
    return render(request, "csrf.html", status=403, lang_path=lang_path)


async def _form(request: Request, limit: int) -> dict[str, str] | None:
    body = await read_limited(request, limit)
    return None if body is None else parse_form(body)


def _csrf_ok(found: Visitor, form: Mapping[str, str]) -> bool:
    return found.session is not None and csrf_matches(found.session, form.get("csrf_token"))


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
            return _redirect("/cabinet")
        return render(request, "register.html", {"values": {}}, new_session_token=token)

    @router.post("/register")
    async def register(request: Request) -> Response:
        form = await _form(request, SMALL_FORM_BYTES)
        found = visitor(request)
        if form is None or not _csrf_ok(found, form):
            return _csrf_failed(request, "/register")
        values = {"iin": form.get("iin", ""), "phone": form.get("phone", "")}
        try:
            await portal(request).accounts.register(
                form.get("iin", ""), form.get("password", ""), form.get("phone", ""), headers=request.headers
            )
        except PortalError as error:
            context = {"error": error, "values": values}
            return render(request, "register.html", context, status=error.http_status, lang_path="/register")
        return _redirect("/login?registered=1")

    # --- authorisation (process 1, condition 1, process 2) ---------------------------------------------
    @router.get("/login")
    async def login_form(request: Request) -> Response:
        found, token = _ensure_session(request)
        if found.user is not None:
            return _redirect(_safe_next(request.query_params.get("next")))
        context = {
            "values": {},
            "next": _safe_next(request.query_params.get("next")),
            "registered": request.query_params.get("registered") == "1",
        }
        return render(request, "login.html", context, new_session_token=token)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await _form(request, SMALL_FORM_BYTES)
        found = visitor(request)
        if form is None or not _csrf_ok(found, form):
            return _csrf_failed(request, "/login")
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
        response = _redirect(target)
        set_session_cookie(response, request, opened.token)
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        form = await _form(request, SMALL_FORM_BYTES)
        found = visitor(request)
        if form is None or not _csrf_ok(found, form):
            return _csrf_failed(request)
        if found.session is not None:
            portal(request).accounts.logout(found.session)
        response = _redirect("/")
        clear_session_cookie(response, request)
        return response

    # --- catalogue and the H1 form (process 3) ---------------------------------------------------------
    @router.get("/services")
    async def services(request: Request) -> Response:
        return render(request, "catalogue.html", {"entries": portal(request).catalogue.entries()})

    async def _service_page(
        request: Request,
        service_id: str,
        *,
        error: PortalError | None = None,
        values: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        p = portal(request)
        entry = p.catalogue.entry(service_id)
        if entry is None:
            return render(request, "not_found.html", status=404)
        found = visitor(request)
        organisations: list[Organisation] = []
        unavailable: PortalError | None = None
        if entry.available and found.user is not None and found.session is not None:
            try:
                with continued(parent_carrier(request.headers, found.session.traceparent)):
                    organisations = await p.applications.organisations(found.user)
            except (ExternalUnavailable, NotReady) as exc:
                unavailable = exc
        context = {
            "entry": entry,
            "organisations": organisations,
            "unavailable": unavailable,
            "error": error,
            "values": values or {},
        }
        return render(request, "service.html", context, status=status, lang_path=f"/services/{service_id}")

    @router.get("/services/{service_id}")
    async def service(request: Request, service_id: str) -> Response:
        return await _service_page(request, service_id)

    @router.post("/services/{service_id}")
    async def service_form(request: Request, service_id: str) -> Response:
        p = portal(request)
        found = visitor(request)
        if found.user is None or found.session is None:
            return _login_redirect(request)
        if service_id != SERVICE_ID:
            return render(request, "not_found.html", status=404)
        body = await read_limited(request, p.settings.max_form_bytes)
        if body is None:
            limit_kb = p.settings.max_form_bytes // 1024
            too_large = FormTooLarge(
                f"Форма слишком большая: не более {limit_kb} КБ. Ничего не сохранено, заполните её заново.",
                f"Нысан тым үлкен: {limit_kb} КБ-тан аспауы керек. Ештеңе сақталмады, оны қайта толтырыңыз.",
            )
            return await _service_page(request, service_id, error=too_large, status=too_large.http_status)
        form = parse_form(body)
        if form is None or not _csrf_ok(found, form):
            return _csrf_failed(request, f"/services/{service_id}")
        values = {"organisationCode": form.get("organisationCode", ""), "reason": form.get("reason", "")}
        try:
            application = await p.applications.draft(
                found.user,
                found.session,
                organisation_code=form.get("organisationCode"),
                reason=form.get("reason"),
                headers=request.headers,
            )
        except (FormInvalid, ExternalUnavailable, NotReady) as error:
            return await _service_page(
                request, service_id, error=error, values=values, status=error.http_status
            )
        return _redirect(f"/applications/{application.application_id}/sign")

    # --- signing, condition 2, process 4 / 5 ------------------------------------------------------------
    def _mine(request: Request, application_id: str) -> tuple[User, Application] | Response:
        found = visitor(request)
        if found.user is None:
            return _login_redirect(request)
        try:
            return found.user, portal(request).applications.get(found.user, application_id)
        except ApplicationNotFound as error:
            return error_page(request, error, lang_path="/cabinet")

    @router.get("/applications/{application_id}/sign")
    async def sign_page(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        _user, application = mine
        if application.status != ApplicationStatus.DRAFT:
            return _redirect(f"/applications/{application_id}")
        return render(request, "sign.html", {"application": application})

    @router.post("/applications/{application_id}/sign")
    async def sign(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        user, application = mine
        p = portal(request)
        found = visitor(request)
        lang_path = f"/applications/{application_id}"
        body = await read_limited(request, p.settings.max_signed_bytes)
        form = None if body is None else parse_form(body)
        if body is not None and (form is None or not _csrf_ok(found, form)):
            return _csrf_failed(request, lang_path)
        assert found.session is not None
        try:
            if form is None:
                limit_kb = p.settings.max_signed_bytes // 1024
                raise SignedDocumentRejected(
                    f"Подписанный документ больше {limit_kb} КБ: он не принят",
                    f"Қол қойылған құжат {limit_kb} КБ-тан үлкен: ол қабылданбады",
                )
            application = await p.applications.submit(
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
        return _redirect(f"/applications/{application_id}")

    # --- personal cabinet ------------------------------------------------------------------------------
    @router.get("/cabinet")
    async def cabinet(request: Request) -> Response:
        found = visitor(request)
        if found.user is None:
            return _login_redirect(request)
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
            return _redirect(f"/applications/{application_id}")
        return render(request, "print.html", {"application": application, "recipient": user})

    @router.get("/applications/{application_id}/result.xml")
    async def result_xml(request: Request, application_id: str) -> Response:
        mine = _mine(request, application_id)
        if isinstance(mine, Response):
            return mine
        _user, application = mine
        if application.result is None:
            return _redirect(f"/applications/{application_id}")
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
