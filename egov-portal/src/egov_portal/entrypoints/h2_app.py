"""Wiring of H2 (seed 001) into the portal app: its service and its routes.

``create_app`` calls :func:`build_h2` once the pipeline exists and includes :func:`include_h2_routes`
before the common routes, so that ``/services/H2``, ``/api/services/H2/form`` and
``/api/applications/H2/draft`` are H2's own (the signed application goes to the common
``POST /api/applications/H2``).
"""

from __future__ import annotations

from fastapi import FastAPI

from egov_portal.entrypoints.context import Runtime
from egov_portal.entrypoints.h2_api import h2_api_router
from egov_portal.entrypoints.h2_pages import h2_pages_router
from egov_portal.service_layer.applications import Applications
from egov_portal.service_layer.appointments import Appointments

__all__ = ["build_h2", "h2_body_limit", "include_h2_routes"]


def build_h2(applications: Applications, runtime: Runtime) -> Appointments:
    return Appointments(
        applications=applications, shep=runtime.require_shep, validator=runtime.require_validator
    )


def include_h2_routes(app: FastAPI, appointments: Appointments) -> None:
    app.state.appointments = appointments
    app.include_router(h2_api_router())
    app.include_router(h2_pages_router())


def h2_body_limit(max_form_bytes: int, max_signed_bytes: int, path: str) -> int | None:
    """The body limit of H2's API calls (None: not an H2 call)."""
    trimmed = path.rstrip("/")
    if trimmed.endswith("/applications/H2/draft"):
        return max_form_bytes
    if trimmed.endswith("/applications/H2") or trimmed.endswith("/cancel"):
        return max_signed_bytes
    return None
