"""What every page handler shares: rendering (language, session, CSRF token, security headers),
the error page, redirects, the CSRF check of a form, the visitor's own application and the service
page's scaffold (the catalogue entry and the service's form data loaded in the request's trace)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from egov_portal.domain.errors import (
    ApplicationNotFound,
    ExternalUnavailable,
    FormTooLarge,
    NotReady,
    PortalError,
    SignedDocumentRejected,
)
from egov_portal.domain.model import Application, Session, User
from egov_portal.domain.rules import REASON_MAX, format_phone
from egov_portal.entrypoints.context import (
    Visitor,
    parse_form,
    portal,
    read_limited,
    set_session_cookie,
    visitor,
)
from egov_portal.entrypoints.i18n import LANG_COOKIE, STATUS_KEYS, Translator, choose_lang
from egov_portal.service_layer.accounts import csrf_matches
from egov_portal.service_layer.tracing import continued, parent_carrier

T = TypeVar("T")


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


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request, target: str | None = None) -> RedirectResponse:
    """To the login page, then back to ``target`` (the requested page by default)."""
    return redirect("/login?next=" + quote(target or request.url.path))


def csrf_failed(request: Request, lang_path: str = "/") -> Response:
    return render(request, "csrf.html", status=403, lang_path=lang_path)


async def read_form(request: Request, limit: int) -> dict[str, str] | None:
    """The url-encoded form of the request, or None when larger than ``limit`` or unreadable."""
    body = await read_limited(request, limit)
    return None if body is None else parse_form(body)


def csrf_ok(found: Visitor, form: Mapping[str, str]) -> bool:
    return found.session is not None and csrf_matches(found.session, form.get("csrf_token"))


def form_too_large(limit_bytes: int) -> FormTooLarge:
    limit_kb = limit_bytes // 1024
    return FormTooLarge(
        f"Форма слишком большая: не более {limit_kb} КБ. Ничего не сохранено, заполните её заново.",
        f"Нысан тым үлкен: {limit_kb} КБ-тан аспауы керек. Ештеңе сақталмады, оны қайта толтырыңыз.",
    )


def signed_too_large(limit_bytes: int) -> SignedDocumentRejected:
    limit_kb = limit_bytes // 1024
    return SignedDocumentRejected(
        f"Подписанный документ больше {limit_kb} КБ: он не принят",
        f"Қол қойылған құжат {limit_kb} КБ-тан үлкен: ол қабылданбады",
    )


def owned_application(
    request: Request, application_id: str, *, login_next: str | None = None
) -> tuple[User, Application] | Response:
    """The visitor's own application, or the response to give instead (login, not found)."""
    found = visitor(request)
    if found.user is None:
        return login_redirect(request, login_next)
    try:
        return found.user, portal(request).applications.get(found.user, application_id)
    except ApplicationNotFound as error:
        return error_page(request, error, lang_path="/cabinet")


async def service_context(
    request: Request,
    service_id: str,
    load: Callable[[User], Awaitable[T]],
    *,
    error: PortalError | None = None,
    values: Mapping[str, str] | None = None,
    caught: Mapping[str, type[PortalError]] | None = None,
) -> dict[str, Any] | None:
    """The service page's context: its catalogue ``entry``, the ``form`` data ``load`` gives for a
    logged-in visitor of an available service (``unavailable`` when РПН or the portal is not ready;
    each of ``caught``'s errors under its own key), the form's ``error`` and ``values``; None when
    there is no such service."""
    entry = portal(request).catalogue.entry(service_id)
    if entry is None:
        return None
    found = visitor(request)
    context: dict[str, Any] = {"entry": entry, "form": None, "error": error, "values": values or {}}
    errors = {"unavailable": (ExternalUnavailable, NotReady), **{k: (v,) for k, v in (caught or {}).items()}}
    context.update(dict.fromkeys(errors))
    if entry.available and found.user is not None and found.session is not None:
        try:
            with continued(parent_carrier(request.headers, found.session.traceparent)):
                context["form"] = await load(found.user)
        except PortalError as exc:
            key = next((key for key, kinds in errors.items() if isinstance(exc, kinds)), None)
            if key is None:
                raise
            context[key] = exc
    return context


def _nothing_more(request: Request, context: dict[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class ServicePage:
    """A service's page and form (process 3) on the shared scaffold (``_service_page.html``).

    ``load`` gives, per request, what loads the form's data for the user; ``fill`` adds the
    service's own context and may return the page's ``lang_path`` (else ``/services/{id}``).
    """

    service_id: str
    template: str
    load: Callable[[Request], Callable[[User], Awaitable[Any]]]
    fill: Callable[[Request, dict[str, Any]], str | None] = _nothing_more
    caught: Mapping[str, type[PortalError]] = field(default_factory=dict)

    async def __call__(
        self,
        request: Request,
        *,
        error: PortalError | None = None,
        values: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        context = await service_context(
            request, self.service_id, self.load(request), error=error, values=values, caught=self.caught
        )
        if context is None:
            return not_found(request)
        lang_path = self.fill(request, context) or f"/services/{self.service_id}"
        return render(request, self.template, context, status=status, lang_path=lang_path)


async def read_signed_form(
    request: Request, lang_path: str
) -> dict[str, str] | SignedDocumentRejected | Response:
    """The form carrying a signed document: the form, the error to raise when it is larger than the
    portal takes, or the 403 page of a wrong CSRF token."""
    limit = portal(request).settings.max_signed_bytes
    body = await read_limited(request, limit)
    if body is None:
        return signed_too_large(limit)
    form = parse_form(body)
    if form is None or not csrf_ok(visitor(request), form):
        return csrf_failed(request, lang_path)
    return form


def not_found(request: Request) -> Response:
    return render(request, "not_found.html", status=404)


async def draft_from_form(
    request: Request,
    service_id: str,
    *,
    fields: tuple[str, ...],
    draft: Callable[[User, Session, Mapping[str, str]], Awaitable[Application]],
    page: Callable[..., Awaitable[Response]],
    errors: tuple[type[PortalError], ...],
) -> Response:
    """Process 3 from a url-encoded service form: size limit, CSRF, the service's ``draft``; on a
    refused form the service ``page`` again with the error and the values, else the signing page."""
    found = visitor(request)
    if found.user is None or found.session is None:
        return login_redirect(request)
    limit = portal(request).settings.max_form_bytes
    body = await read_limited(request, limit)
    if body is None:
        too_large = form_too_large(limit)
        return await page(request, error=too_large, status=too_large.http_status)
    form = parse_form(body)
    if form is None or not csrf_ok(found, form):
        return csrf_failed(request, f"/services/{service_id}")
    values = {key: form.get(key, "") for key in fields}
    try:
        application = await draft(found.user, found.session, form)
    except errors as error:
        return await page(request, error=error, values=values, status=error.http_status)
    return redirect(f"/applications/{application.application_id}/sign")
