"""Settings of enis-mock."""

from __future__ import annotations

from egov_kit.settings import SystemSettings


class Settings(SystemSettings):
    system_id: str = "ENIS"
    system_bin: str = "980540004568"
    organisation: str = "ЕНИС (песочница)"
    service_name: str = "enis-mock"
    port: int = 8102
