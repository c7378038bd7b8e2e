"""Wiring of H3 (seed 004) into the portal app: its service, the SMS gateway, its routes.

``create_app`` calls :func:`build_h3` once the pipeline exists, hands it the portal's own key when the
ШЭП host has enrolled it (:meth:`H3Applications.use_system_key`), and includes
:func:`include_h3_routes` before the common routes so that ``/services/H3`` and
``/api/applications/H3…`` are H3's own. Tests replace ``app.state.h3.otp.sms`` with a fake gateway
and set the system key with ``use_system_key``.
"""

from __future__ import annotations

from egov_kit.attachments import FileStore
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from egov_portal.adapters.sms import HttpSmsGateway
from egov_portal.entrypoints.context import Runtime
from egov_portal.entrypoints.h3_api import h3_api_router
from egov_portal.entrypoints.h3_input import H3_DRAFT_MAX_BYTES
from egov_portal.entrypoints.h3_pages import h3_pages_router
from egov_portal.service_layer.applications import Applications
from egov_portal.service_layer.h3_applications import H3Applications
from egov_portal.service_layer.otp_confirmation import otp_confirmation
from egov_portal.settings import Settings

__all__ = ["H3_DRAFT_MAX_BYTES", "build_h3", "h3_body_limit", "include_h3_routes"]


def build_h3(
    settings: Settings, engine: Engine, applications: Applications, runtime: Runtime
) -> H3Applications:
    sms = HttpSmsGateway(
        settings.sms_gateway_url, sender=settings.sms_sender, token=settings.sms_gateway_token
    )
    return H3Applications(
        applications=applications,
        shep=runtime.require_shep,
        otp=otp_confirmation(settings, engine, sms),
        files=FileStore(settings.state_dir / "attachments"),
        accept_simulated_time=settings.accept_simulated_time,
    )


def include_h3_routes(app: FastAPI, h3: H3Applications) -> None:
    app.state.h3 = h3
    app.include_router(h3_api_router())
    app.include_router(h3_pages_router())


def h3_body_limit(settings: Settings, path: str) -> int | None:
    """The body limit of H3's API calls (None: not an H3 call)."""
    trimmed = path.rstrip("/")
    if trimmed.endswith("/applications/H3/draft"):
        return H3_DRAFT_MAX_BYTES
    if trimmed.endswith("/applications/H3"):
        return settings.max_signed_bytes
    return None
