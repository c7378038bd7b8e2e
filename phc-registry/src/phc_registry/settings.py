"""Settings of phc-registry (environment: the common ones plus the workstation's session and scans)."""

from __future__ import annotations

from egov_kit.settings import SystemSettings
from pydantic import AliasChoices, Field


class Settings(SystemSettings):
    system_id: str = "PHC_REGISTRY"
    system_bin: str = "020640002348"
    organisation: str = "РГП «Регистр прикрепленного населения» (песочница)"
    service_name: str = "phc-registry"
    port: int = 8104
    session_minutes: int = Field(
        480, ge=1, validation_alias=AliasChoices("session_minutes", "PHC_SESSION_MINUTES")
    )
    max_failed_logins: int = Field(
        5, ge=1, validation_alias=AliasChoices("max_failed_logins", "PHC_MAX_FAILED_LOGINS")
    )
    lockout_minutes: int = Field(
        15, ge=1, validation_alias=AliasChoices("lockout_minutes", "PHC_LOCKOUT_MINUTES")
    )
    max_scan_bytes: int = Field(
        5 * 1024 * 1024, ge=1, validation_alias=AliasChoices("max_scan_bytes", "PHC_MAX_SCAN_BYTES")
    )
    secure_cookies: bool = Field(False, validation_alias=AliasChoices("secure_cookies", "PHC_SECURE_COOKIES"))
