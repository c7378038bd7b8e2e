"""FastAPI application of phc-registry: /healthz, the staff workstation (HTML and JSON), the ШЭП wiring.

At start: the seed accounts and attachments are stored (once), the authorised persons' keys are
enrolled with nuc-mock, then a :class:`egov_kit.shep.host.ProviderHost` serves
``RPN_MedicalOrganizationsSync`` and ``RPN_Attachment`` on the bus, and its certificate validator and
ШЭП client become the service layer's (ГБД ФЛ look-ups, UPDATE / RESPONSE replies).

The kit's ``provider_lifespan`` runs that order (prepare, signers, host, wiring, readiness) and stops
the host at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import egov_kit
import httpx
from egov_kit.db import create_engine_for, create_tables, database_ready
from egov_kit.errors import KitError
from egov_kit.pki import fetch_trust
from egov_kit.shep.client import ShepClient
from egov_kit.shep.host import ProviderHost
from egov_kit.shep.provider_app import provider_lifespan
from egov_kit.web import Readiness, healthz_router
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from phc_registry.adapters.gbdfl import ShepPersonRegistry
from phc_registry.adapters.orm import TABLES
from phc_registry.adapters.scans import ScanStore
from phc_registry.adapters.shep_replies import ShepReplies
from phc_registry.domain import seed
from phc_registry.domain.errors import NotReady
from phc_registry.entrypoints import shep
from phc_registry.entrypoints.appointments_api import h2_api_router
from phc_registry.entrypoints.i18n import LANG_COOKIE, pick_lang
from phc_registry.entrypoints.sanatorium_api import h3_api_router
from phc_registry.entrypoints.sanatorium_html import h3_html_router
from phc_registry.entrypoints.web import error_status, templates
from phc_registry.entrypoints.workstation_api import api_router
from phc_registry.entrypoints.workstation_html import html_router, render_error
from phc_registry.service_layer import workstation
from phc_registry.service_layer.runtime import Limits, PhcRuntime, Ports
from phc_registry.service_layer.unit_of_work import sql_unit_of_work_factory
from phc_registry.settings import Settings

log = logging.getLogger("phc_registry")

STATIC_DIR = Path(egov_kit.__file__).resolve().parent / "static"

OPENAPI_TAGS = [
    {
        "name": "health",
        "description": "Readiness: 200 once the database, seed data, signers and bus are ready",
    },
    {
        "name": "workstation API",
        "description": "The medical organisation's workstation as JSON (seed 002 table 2 steps 1–8): "
        "log in, look up ГБД ФЛ, draft, register the signed application",
    },
    {"name": "workstation", "description": "Server-rendered pages of the workstation (ru / kk)"},
    {
        "name": "workstation API: H3",
        "description": "H3 at the workstation as JSON (seed 004, steps 1–8): look-up, the request with the "
        "clinical results and consent, registration with its term, the card 069/у or a refusal signed by "
        "the employee; the register of H3 requests",
    },
]


def create_app(
    settings: Settings | None = None,
    *,
    serve_shep: bool = True,
    ports: Ports | None = None,
    nuc_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The service; ``serve_shep=False`` leaves the bus out (tests hand in ``ports``: fakes and keys)."""
    settings = settings or Settings()
    engine = create_engine_for(settings.db_url)
    create_tables(engine, *TABLES)
    uow_factory = sql_unit_of_work_factory(engine)
    runtime = PhcRuntime(
        uow_factory=uow_factory,
        scans=ScanStore(settings.state_dir / "scans"),
        system_bin=settings.system_bin,
        limits=Limits(
            max_failed_logins=settings.max_failed_logins,
            lockout_minutes=settings.lockout_minutes,
            session_minutes=settings.session_minutes,
            max_scan_bytes=settings.max_scan_bytes,
        ),
    )
    if ports is not None:
        runtime.apply(ports)

    readiness = Readiness(settings.service_name)
    readiness.add("database", lambda: database_ready(engine))

    def prepare() -> None:
        accounts = workstation.seed_accounts(uow_factory)
        attachments = workstation.seed_attachments(uow_factory)
        if accounts or attachments:
            log.info("seeded %d workstation accounts and %d attachments", accounts, attachments)

    async def enrol_signers() -> None:
        missing = [org for org in seed.ORGANISATIONS if org.code not in runtime.signers]
        if missing:
            await fetch_trust(settings.nuc_url, settings.var_dir, transport=nuc_transport)
            await runtime.signers.enrol(
                missing, nuc_url=settings.nuc_url, var_dir=settings.var_dir, transport=nuc_transport
            )

    def wire(host: ProviderHost) -> None:
        runtime.certificate_validator = host.identity.validator if host.identity else None
        runtime.registry_keypair = host.identity.keypair if host.identity else None
        runtime.person_registry = ShepPersonRegistry(
            lambda: _client(host), requestor_bin=settings.system_bin, purpose=PURPOSE
        )
        runtime.replies = ShepReplies(lambda: host.runtime.shep_client if host.runtime else None)

    lifespan = provider_lifespan(
        settings,
        readiness,
        lambda: shep.all_sync_handlers(runtime),
        serve_shep=serve_shep,
        prepare=prepare,
        prepared="seed data",
        close=engine.dispose,
        async_handlers_factory=lambda: shep.all_async_handlers(runtime),
        before_host=enrol_signers,
        on_started=wire,
    )
    readiness.add("signers", lambda: all(org.code in runtime.signers for org in seed.ORGANISATIONS))

    app = FastAPI(
        title="phc-registry — РПН",
        description="Register of the attached population (РПН) and the medical organisations' workstation: "
        "ШЭП services RPN_MedicalOrganizationsSync and RPN_Attachment (H1), the workstation in ru/kk",
        version="1.0",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(KitError)
    async def _named_error(request: Request, exc: KitError) -> Response:
        if request.url.path.startswith("/workstation"):
            if exc.code == "NOT_AUTHENTICATED":
                return RedirectResponse("/workstation/login", status_code=303)
            return render_error(request, exc)
        code = exc.code if exc.exposed else "INTERNAL_ERROR"
        message = exc.message if exc.exposed else "internal error"
        return JSONResponse({"error": code, "message": message}, status_code=error_status(exc))

    @app.middleware("http")
    async def _remember_lang(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        lang = pick_lang(request.query_params.get("lang"))
        if lang is not None and request.cookies.get(LANG_COOKIE) != lang:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
        return response

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/workstation/", status_code=307)

    app.include_router(healthz_router(readiness))
    app.include_router(api_router(runtime, settings))
    app.include_router(h2_api_router(runtime))
    app.include_router(html_router(runtime, settings))
    app.include_router(h3_api_router(runtime, settings))
    app.include_router(h3_html_router(runtime, settings))

    app.state.settings = settings
    app.state.engine = engine
    app.state.runtime = runtime
    app.state.templates = templates
    return app


PURPOSE = "H1: прикрепление к медицинской организации ПМСП (РПН)"


def _client(host: ProviderHost) -> ShepClient:
    if host.runtime is None or host.runtime.shep_client is None:
        raise NotReady("РПН's ШЭП client is not started")
    return host.runtime.shep_client
