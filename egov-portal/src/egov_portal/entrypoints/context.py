"""What every route needs: the portal's services, the session of the request, body limits, cookies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from egov_kit.pki import CertificateValidator
from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from egov_portal.adapters.shep import ShepPort
from egov_portal.domain.errors import NotReady
from egov_portal.domain.model import Session, User
from egov_portal.entrypoints.formatting import templates_with_filters
from egov_portal.service_layer.accounts import Accounts
from egov_portal.service_layer.applications import Applications
from egov_portal.service_layer.catalogue import Catalogue
from egov_portal.settings import Settings

SESSION_COOKIE = "egov_session"
CSRF_HEADER = "X-CSRF-Token"
TEMPLATES_DIR = Path(__file__).parent / "templates"
ASSETS_DIR = Path(__file__).parent / "assets"


@dataclass
class Runtime:
    """The ШЭП client and the certificate validator: the host's once it started, or injected (tests)."""

    shep: ShepPort | None = None
    validator: CertificateValidator | None = None

    def require_shep(self) -> ShepPort:
        if self.shep is None:
            raise NotReady(
                "Портал ещё не подключён к ШЭП: повторите через минуту",
                "Портал ЭҮШ-ке әлі қосылмаған: бір минуттан кейін қайталаңыз",
            )
        return self.shep

    def require_validator(self) -> CertificateValidator:
        if self.validator is None:
            raise NotReady(
                "Проверка ЭЦП ещё не готова: повторите через минуту",
                "ЭЦҚ тексеруі әлі дайын емес: бір минуттан кейін қайталаңыз",
            )
        return self.validator


@dataclass
class Portal:
    settings: Settings
    accounts: Accounts
    applications: Applications
    catalogue: Catalogue
    runtime: Runtime
    templates: Jinja2Templates = field(default_factory=lambda: templates_with_filters(str(TEMPLATES_DIR)))


def portal(request: Request) -> Portal:
    value: Portal = request.app.state.portal
    return value


@dataclass
class Visitor:
    """Who is asking: the session of the cookie (maybe anonymous) and its user when logged in."""

    token: str | None
    session: Session | None
    user: User | None


def visitor(request: Request) -> Visitor:
    cached = getattr(request.state, "visitor", None)
    if isinstance(cached, Visitor):
        return cached
    accounts = portal(request).accounts
    token = request.cookies.get(SESSION_COOKIE)
    session = accounts.session(token)
    user = accounts.user(session.user_iin) if session is not None and session.user_iin else None
    found = Visitor(token if session is not None else None, session, user)
    request.state.visitor = found
    return found


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than ``limit`` bytes (the rest is not read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def parse_form(body: bytes) -> dict[str, str] | None:
    """An ``application/x-www-form-urlencoded`` body (the last value of a repeated name wins)."""
    try:
        text = body.decode("utf-8")
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=50))
    except (UnicodeDecodeError, ValueError):
        return None


def parse_json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body) if body else None
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
