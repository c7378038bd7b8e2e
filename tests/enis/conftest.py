"""Fixtures for enis-mock: one seeded service in a temporary folder (never var/)."""

from __future__ import annotations

from enis_mock.entrypoints.app import create_app
from enis_mock.settings import Settings

from tests.support.service_app import at_moment, keep_var_in_tmp, provider_fixtures  # noqa: F401 (fixtures)

enis_app, client, context = provider_fixtures(create_app, Settings, "enis_app", "ENIS_PowerOfAttorneySync")
