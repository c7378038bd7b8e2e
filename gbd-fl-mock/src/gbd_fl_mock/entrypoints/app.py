"""FastAPI application of gbd-fl-mock: /healthz, the admin API, and the ШЭП handlers' wiring."""

from __future__ import annotations

import logging

from egov_kit.db import create_engine_for, create_tables, database_ready
from egov_kit.shep.provider_app import provider_lifespan
from egov_kit.web import Readiness, healthz_router, install_error_handlers, install_error_statuses
from fastapi import FastAPI

from gbd_fl_mock.adapters.orm import PersonRow, PopulationRow
from gbd_fl_mock.domain.errors import DuplicatePerson, PersonNotFound
from gbd_fl_mock.entrypoints import shep
from gbd_fl_mock.entrypoints.admin import TAG_DICTIONARIES, TAG_PERSONS, TAG_TEST_PERSONS, admin_router
from gbd_fl_mock.service_layer import handlers
from gbd_fl_mock.service_layer.unit_of_work import sql_unit_of_work_factory
from gbd_fl_mock.settings import Settings

log = logging.getLogger("gbd_fl_mock")

OPENAPI_TAGS = [
    {"name": "health", "description": "Readiness: 200 once the database is reachable and populated"},
    {"name": TAG_PERSONS, "description": "Search, read and add persons of ГБД ФЛ"},
    {"name": TAG_TEST_PERSONS, "description": "Documented test persons with fixed ИИН"},
    {"name": TAG_DICTIONARIES, "description": "Dictionary codes (gender, documents, regions, localities …)"},
]


def create_app(settings: Settings | None = None, *, serve_shep: bool = True) -> FastAPI:
    """The service; ``serve_shep=False`` leaves the bus out (admin-API tests)."""
    settings = settings or Settings()
    engine = create_engine_for(settings.db_url)
    create_tables(engine, PersonRow, PopulationRow)
    uow_factory = sql_unit_of_work_factory(engine)

    def populate() -> None:
        report = handlers.ensure_population(
            uow_factory, seed=settings.population_seed, size=settings.population_size
        )
        if report.created:
            log.info(
                "population stored: %d persons (seed %d), generated in %d ms, inserted in %d ms",
                report.persons,
                report.seed,
                report.generate_ms,
                report.insert_ms,
            )
        else:
            log.info("population present: %d persons (seed %d)", report.persons, report.seed)

    readiness = Readiness(settings.service_name)
    readiness.add("database", lambda: database_ready(engine))
    lifespan = provider_lifespan(
        settings,
        readiness,
        lambda: shep.build_shep_handlers(uow_factory),
        serve_shep=serve_shep,
        prepare=populate,
        prepared="population",
        close=engine.dispose,
    )

    app = FastAPI(
        title="gbd-fl-mock — ГБД ФЛ",
        description="State database of individuals: ШЭП service GBDFL_UniversalServiceSync and an admin API",
        version="1.0",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_error_statuses(app, {PersonNotFound: 404, DuplicatePerson: 409})

    app.include_router(healthz_router(readiness))
    app.include_router(admin_router(uow_factory))

    app.state.settings = settings
    app.state.engine = engine
    app.state.uow_factory = uow_factory
    app.state.shep_handlers = shep.build_shep_handlers(uow_factory)
    return app
