"""Shared pieces of the workstation's HTTP side: cookies, sessions, language, templates, error statuses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from egov_kit.documents.h1 import Bilingual, to_text
from egov_kit.errors import KitError
from egov_kit.telemetry import extracted
from fastapi import Request, Response, UploadFile
from fastapi.templating import Jinja2Templates
from lxml import etree

from phc_registry.entrypoints.i18n import DEFAULT_LANG, LANG_COOKIE, TEXTS, pick_lang, translate
from phc_registry.service_layer import workstation
from phc_registry.service_layer.runtime import PhcRuntime
from phc_registry.service_layer.workstation import WorkstationUser
from phc_registry.settings import Settings

SESSION_COOKIE = "phc_session"
LOGIN_CSRF_COOKIE = "phc_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

STATUS_BY_CODE: dict[str, int] = {
    "NOT_AUTHENTICATED": 401,
    "INVALID_CREDENTIALS": 401,
    "CSRF_REJECTED": 403,
    "SIGNER_NOT_AUTHORISED": 403,
    "APPLICATION_NOT_FOUND": 404,
    "LOOKUP_REQUIRED": 409,
    "APPLICATION_MISMATCH": 409,
    "ALREADY_DECIDED": 409,  # H3: the request has its card or refusal
    "CARD_NOT_ALLOWED": 409,  # H3: step 6 found a ground of refusal
    "DRAFT_REQUIRED": 409,  # H3: sign the form of step 7 / 8 first
    "ATTACHMENT_TOO_LARGE": 413,
    "ATTACHMENTS_TOO_LARGE": 413,
    "ATTACHMENT_TYPE_NOT_ALLOWED": 415,
    "ATTACHMENT_TOO_MANY": 422,
    "SCAN_TOO_LARGE": 413,
    "SCAN_TYPE_NOT_ALLOWED": 415,
    "ACCOUNT_LOCKED": 423,
    "SERVICE_NOT_READY": 503,
}


def api_errors(bad_request: str, more: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a workstation JSON router: its named errors by HTTP status."""
    codes = {
        400: f"named error {{error, message}}: {bad_request}",
        401: "NOT_AUTHENTICATED or INVALID_CREDENTIALS",
        403: "CSRF_REJECTED, SIGNER_NOT_AUTHORISED",
        503: "SERVICE_NOT_READY",
        **more,
    }
    return {status: {"description": codes[status]} for status in sorted(codes)}


def bilingual(ru: str | None, kk: str | None) -> Bilingual | None:
    """A text the employee typed in Russian and/or Kazakh (one fills the other); None for neither."""
    ru, kk = (ru or "").strip(), (kk or "").strip()
    if not ru and not kk:
        return None
    return Bilingual(ru or kk, kk or ru)


async def read_uploads(
    uploads: list[UploadFile] | None, limit: int, *, unnamed: str | None = None
) -> list[tuple[str, str | None, bytes]]:
    """Each file's name, declared type and at most ``limit + 1`` bytes (enough to tell an oversized
    file without reading all of it). A file without a name is called ``unnamed``; without that it is
    left out (the empty file input of a form sent without files)."""
    read = []
    for upload in uploads or []:
        name = upload.filename or unnamed
        if name:
            read.append((name, upload.content_type, await upload.read(limit + 1)))
    return read


def xml_download(element: etree._Element, file_name: str) -> Response:
    """A signed document (talon, card, refusal) as a file to save."""
    return Response(
        to_text(element).encode("utf-8"),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


def error_status(exc: KitError) -> int:
    if not exc.exposed:
        return 500
    return STATUS_BY_CODE.get(exc.code, 400)


def lang_of(request: Request) -> str:
    return (
        pick_lang(request.query_params.get("lang"))
        or pick_lang(request.cookies.get(LANG_COOKIE))
        or DEFAULT_LANG
    )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies
    )


def page(
    request: Request,
    name: str,
    *,
    user: WorkstationUser | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    lang = lang_of(request)
    other = "kk" if lang == "ru" else "ru"
    query = dict(request.query_params)
    query["lang"] = other
    switch = request.url.path + "?" + urlencode(query)
    values: dict[str, Any] = {
        "lang": lang,
        "other_lang": other,
        "switch_url": switch,
        "t": lambda key: translate(key, lang),
        "user": user,
        "csrf": user.csrf_token if user else None,
        "texts": TEXTS,
    }
    values.update(context)
    return templates.TemplateResponse(request, name, values, status_code=status_code)


@contextlib.contextmanager
def in_session_trace(user: WorkstationUser) -> Iterator[None]:
    """Continue the trace the session started at login (one session, one trace)."""
    with extracted(user.trace):
        yield


@dataclass(frozen=True)
class Sessions:
    """The workstation user of a request (its session cookie), and the CSRF check of a change.

    Every router of the workstation (H1, H2 and H3, JSON and pages) reads its user this way; the
    user is kept on ``request.state`` for the error pages.
    """

    runtime: PhcRuntime

    def current(self, request: Request) -> WorkstationUser:
        user = workstation.authenticate(self.runtime, request.cookies.get(SESSION_COOKIE))
        request.state.user = user
        return user

    def checked(self, request: Request, token: str | None) -> WorkstationUser:
        user = self.current(request)
        workstation.check_csrf(user, token)
        return user

    @contextlib.contextmanager
    def acting(self, request: Request, token: str | None) -> Iterator[WorkstationUser]:
        """A change by the request's user (the CSRF token checked), in the session's trace."""
        user = self.checked(request, token)
        with in_session_trace(user):
            yield user
