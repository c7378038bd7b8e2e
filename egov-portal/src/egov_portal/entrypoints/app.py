"""FastAPI application of egov-portal: pages, the JSON API, /healthz, and the portal on ШЭП."""

from __future__ import annotations

import importlib.resources
import logging
from datetime import timedelta
from pathlib import Path

from egov_kit.db import create_engine_for, create_tables, database_ready
from egov_kit.pki import CertificateValidator
from egov_kit.shep.host import ProviderHost
from egov_kit.shep.provider_app import provider_lifespan
from egov_kit.web import Readiness, healthz_router, install_error_handlers
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from egov_portal.adapters.orm import TABLES
from egov_portal.adapters.shep import ShepPort
from egov_portal.domain.errors import NotAuthenticated, PortalError
from egov_portal.domain.rules import LockoutPolicy
from egov_portal.entrypoints import shep
from egov_portal.entrypoints.api import api_router
from egov_portal.entrypoints.api_status import api_status_router
from egov_portal.entrypoints.api_survey import api_survey_router
from egov_portal.entrypoints.context import ASSETS_DIR, Portal, Runtime
from egov_portal.entrypoints.h2_app import build_h2, h2_body_limit, include_h2_routes
from egov_portal.entrypoints.h3_app import build_h3, h3_body_limit, include_h3_routes
from egov_portal.entrypoints.limits import BodyLimit, BodyTooLarge, RateLimiter
from egov_portal.entrypoints.pages import error_page, pages_router, render
from egov_portal.entrypoints.pages_status import pages_status_router
from egov_portal.entrypoints.pages_survey import pages_survey_router
from egov_portal.service_layer.accounts import Accounts
from egov_portal.service_layer.applications import SERVICE_ID, Applications
from egov_portal.service_layer.catalogue import Catalogue
from egov_portal.service_layer.status_lookup import StatusLookup
from egov_portal.service_layer.survey import Surveys
from egov_portal.service_layer.tracing import Steps
from egov_portal.service_layer.unit_of_work import sql_unit_of_work_factory
from egov_portal.settings import Settings

log = logging.getLogger("egov_portal")

OPENAPI_TAGS = [
    {
        "name": "health",
        "description": "Readiness: 200 once the database and the ШЭП queue consumer are ready",
    },
    {
        "name": "account",
        "description": "Registration (step 0) and authorisation (process 1, condition 1, process 2). "
        "State-changing calls after login need the header `X-CSRF-Token` (returned by /api/login).",
    },
    {"name": "services", "description": "The catalogue (services/*.yaml) and the H1 form's choices"},
    {"name": "applications", "description": "Process 3, condition 2, process 4/5, and the personal cabinet"},
    {
        "name": "survey",
        "description": "The survey of seed 002 appendix 3: once per application, after its result",
    },
    {
        "name": "status",
        "description": "«1414»: an application's status by its number (no login, rate-limited)",
    },
]


def kit_static_dir() -> Path:
    """``egov_kit/static`` (ncalayer.js), served at ``/static/``."""
    return Path(str(importlib.resources.files("egov_kit") / "static"))


def create_app(
    settings: Settings | None = None,
    *,
    serve_shep: bool = True,
    shep_client: ShepPort | None = None,
    validator: CertificateValidator | None = None,
) -> FastAPI:
    """The portal; ``serve_shep=False`` leaves the bus out, and tests inject a ШЭП client and validator."""
    settings = settings or Settings()
    engine = create_engine_for(settings.db_url)
    create_tables(engine, *TABLES)
    uow_factory = sql_unit_of_work_factory(engine)
    runtime = Runtime(shep=shep_client, validator=validator)
    steps = Steps(SERVICE_ID, Catalogue.regulation)
    accounts = Accounts(
        uow=uow_factory,
        shep=runtime.require_shep,
        steps=steps,
        portal_bin=settings.system_bin,
        lockout=LockoutPolicy(settings.lockout_threshold, timedelta(minutes=settings.lockout_minutes)),
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        session_max=timedelta(minutes=settings.session_max_minutes),
    )
    applications = Applications(
        uow=uow_factory,
        shep=runtime.require_shep,
        validator=runtime.require_validator,
        steps=steps,
        max_signed_bytes=settings.max_signed_bytes,
    )
    portal = Portal(settings, accounts, applications, Catalogue(), runtime)
    h2 = build_h2(applications, runtime)  # H2 (seed 001): doctor, free slot, cancellation
    h3 = build_h3(settings, engine, applications, runtime)  # H3 (seed 004): files, one-time passwords
    # The quality survey (seed 002 appendix 3) and the «1414» status look-up (api_survey, api_status).
    surveys = Surveys(
        uow_factory,
        services=lambda: [e.service_id for e in portal.catalogue.entries() if "portal" in e.channels],
    )
    portal.templates.env.globals["survey_for"] = surveys.state_of  # the application page's partial
    status_limiter = RateLimiter(
        settings.status_lookup_limit, timedelta(seconds=settings.status_lookup_window_seconds)
    )

    readiness = Readiness(settings.service_name)
    readiness.add("database", lambda: database_ready(engine))

    def wire(host: ProviderHost) -> None:
        assert host.runtime is not None and host.identity is not None
        runtime.shep = runtime.shep or host.runtime.shep_client
        runtime.validator = runtime.validator or host.identity.validator
        h3.use_system_key(host.identity.keypair)  # H3: the portal attests one-time passwords

    lifespan = provider_lifespan(
        settings,
        readiness,
        lambda: {},  # the portal answers no synchronous service
        serve_shep=serve_shep,
        close=engine.dispose,
        async_handlers_factory=lambda: shep.build_async_handlers(applications),
        on_started=wire,
    )

    app = FastAPI(
        title="egov-portal — портал «электронного правительства»",
        description=(
            "Citizen portal of the sandbox: registration, authorisation, the catalogue, the H1 "
            "application (signed with NCALayer / `egov signer`), the personal cabinet. "
            "JSON API under /api; pages in Kazakh and Russian."
        ),
        version="1.0",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.exception_handler(PortalError)
    async def _portal_error(request: Request, exc: PortalError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(exc.as_json(), status_code=exc.http_status)
        if isinstance(exc, NotAuthenticated):
            return RedirectResponse("/login", status_code=303)
        return error_page(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in error.get("loc", ())[1:]) for error in exc.errors()})
        names = ", ".join(f for f in fields if f) or "body"
        return JSONResponse(
            {
                "error": "INVALID_REQUEST",
                "message_ru": f"Запрос не соответствует описанию API (/docs): проверьте поля {names}",
                "message_kk": f"Сұрау API сипаттамасына (/docs) сәйкес емес: {names} өрістерін тексеріңіз",
                "fields": fields,
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc, BodyTooLarge):
            return JSONResponse(exc.as_json(), status_code=413)
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return JSONResponse(
                {"error": "HTTP_" + str(exc.status_code), "message": exc.detail}, exc.status_code
            )
        if exc.status_code == 404:
            return render(request, "not_found.html", status=404)
        return JSONResponse({"error": "HTTP_" + str(exc.status_code), "message": exc.detail}, exc.status_code)

    app.include_router(healthz_router(readiness))
    include_h2_routes(app, h2)  # before the common routes: /services/H2, /api/…/H2/… are H2's
    include_h3_routes(app, h3)  # before the common routes: /services/H3, /api/…/H3 are H3's
    app.include_router(api_router())
    app.include_router(pages_router())
    app.include_router(api_survey_router())
    app.include_router(pages_survey_router())
    app.include_router(api_status_router())
    app.include_router(pages_status_router())
    app.mount("/static", StaticFiles(directory=kit_static_dir(), check_dir=False), name="static")
    app.mount("/assets", StaticFiles(directory=ASSETS_DIR), name="assets")
    app.add_middleware(BodyLimit, limit_for=lambda path: _api_limit(settings, path))

    app.state.settings = settings
    app.state.engine = engine
    app.state.portal = portal
    app.state.readiness = readiness
    app.state.surveys = surveys
    app.state.status_lookup = StatusLookup(uow_factory, Catalogue.regulation)
    app.state.status_limiter = status_limiter
    return app


def _api_limit(settings: Settings, path: str) -> int | None:
    """The largest JSON body of an API call (None: the route reads its own body with its own limit)."""
    if not path.startswith("/api/"):
        return None
    h3_limit = h3_body_limit(settings, path)
    if h3_limit is not None:
        return h3_limit
    h2_limit = h2_body_limit(settings.max_form_bytes, settings.max_signed_bytes, path)
    if h2_limit is not None:
        return h2_limit
    if path.rstrip("/").endswith("/applications/H1"):
        return settings.max_signed_bytes
    return settings.max_form_bytes
