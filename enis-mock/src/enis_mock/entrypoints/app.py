"""FastAPI application of enis-mock: /healthz, the notary API, and the ШЭП handlers' wiring."""

from __future__ import annotations

import logging

from egov_kit.db import create_engine_for, create_tables, database_ready
from egov_kit.shep.provider_app import provider_lifespan
from egov_kit.web import Readiness, healthz_router, install_error_handlers, install_error_statuses
from fastapi import FastAPI

from enis_mock.adapters.orm import PowerOfAttorneyRow
from enis_mock.domain.errors import AlreadyRevoked, DuplicatePowerOfAttorney, PowerOfAttorneyNotFound
from enis_mock.entrypoints import shep
from enis_mock.entrypoints.notary import TAG_NOTARY, notary_router
from enis_mock.service_layer import handlers
from enis_mock.service_layer.unit_of_work import sql_unit_of_work_factory
from enis_mock.settings import Settings

log = logging.getLogger("enis_mock")

OPENAPI_TAGS = [
    {"name": "health", "description": "Readiness: 200 once the database is reachable and seeded"},
    {"name": TAG_NOTARY, "description": "Notaries register and revoke powers of attorney"},
]


def create_app(settings: Settings | None = None, *, serve_shep: bool = True) -> FastAPI:
    """The service; ``serve_shep=False`` leaves the bus out (admin-API tests)."""
    settings = settings or Settings()
    engine = create_engine_for(settings.db_url)
    create_tables(engine, PowerOfAttorneyRow)
    uow_factory = sql_unit_of_work_factory(engine)

    def seed() -> None:
        added = handlers.seed_test_powers_of_attorney(uow_factory)
        log.info("test powers of attorney: %d added", added)

    readiness = Readiness(settings.service_name)
    readiness.add("database", lambda: database_ready(engine))
    lifespan = provider_lifespan(
        settings,
        readiness,
        lambda: shep.build_shep_handlers(uow_factory),
        serve_shep=serve_shep,
        prepare=seed,
        prepared="test powers of attorney",
        close=engine.dispose,
    )

    app = FastAPI(
        title="enis-mock — ЕНИС",
        description="Unified notary IS: ШЭП service ENIS_PowerOfAttorneySync and a notary API",
        version="1.0",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_error_statuses(
        app, {PowerOfAttorneyNotFound: 404, DuplicatePowerOfAttorney: 409, AlreadyRevoked: 409}
    )

    app.include_router(healthz_router(readiness))
    app.include_router(notary_router(uow_factory))

    app.state.settings = settings
    app.state.engine = engine
    app.state.uow_factory = uow_factory
    app.state.shep_handlers = shep.build_shep_handlers(uow_factory)
    return app
