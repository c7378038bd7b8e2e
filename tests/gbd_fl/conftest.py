"""Fixtures for gbd-fl-mock: one populated service in a temporary folder (never var/)."""

from __future__ import annotations

import pytest
from gbd_fl_mock.domain.model import Person
from gbd_fl_mock.domain.population import DEFAULT_SEED, DEFAULT_SIZE, generate_population
from gbd_fl_mock.domain.test_persons import RESERVED_IINS
from gbd_fl_mock.entrypoints.app import create_app
from gbd_fl_mock.settings import Settings

from tests.support.service_app import at_moment, keep_var_in_tmp, provider_fixtures  # noqa: F401 (fixtures)

gbd_app, client, context = provider_fixtures(create_app, Settings, "gbd_app", "GBDFL_UniversalServiceSync")


@pytest.fixture(scope="session")
def population() -> list[Person]:
    return list(generate_population(DEFAULT_SEED, DEFAULT_SIZE, reserved=RESERVED_IINS))
