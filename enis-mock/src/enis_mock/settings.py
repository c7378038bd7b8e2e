"""Settings of enis-mock."""

from __future__ import annotations

from egov_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "enis-mock"
    port: int = 8102
