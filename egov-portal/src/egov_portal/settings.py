"""Settings of egov-portal (environment: the common ones plus sessions, lockout and form limits)."""

from __future__ import annotations

from egov_kit.settings import SystemSettings
from pydantic import AliasChoices, Field


class Settings(SystemSettings):
    system_id: str = "EGOV_PORTAL"
    system_bin: str = "091240007895"
    organisation: str = "АО «НИТ» — портал «электронного правительства» (песочница)"
    service_name: str = "egov-portal"
    port: int = 8000

    # Where the citizen's NCALayer (or `egov signer`) listens; rendered into the signing page.
    signer_url: str = Field(
        "ws://127.0.0.1:13579/", validation_alias=AliasChoices("signer_url", "PORTAL_SIGNER_URL")
    )
    # Sessions: idle and absolute lifetime, in minutes.
    session_idle_minutes: int = Field(
        30, ge=1, validation_alias=AliasChoices("session_idle_minutes", "PORTAL_SESSION_IDLE_MINUTES")
    )
    session_max_minutes: int = Field(
        12 * 60, ge=1, validation_alias=AliasChoices("session_max_minutes", "PORTAL_SESSION_MAX_MINUTES")
    )
    # Lockout: this many consecutive failed logins lock the account for lockout_minutes.
    lockout_threshold: int = Field(
        5, ge=1, validation_alias=AliasChoices("lockout_threshold", "PORTAL_LOCKOUT_THRESHOLD")
    )
    lockout_minutes: int = Field(
        15, ge=1, validation_alias=AliasChoices("lockout_minutes", "PORTAL_LOCKOUT_MINUTES")
    )
    # The largest service form accepted (bytes of the request body); a signed application may be larger.
    max_form_bytes: int = Field(
        64 * 1024, validation_alias=AliasChoices("max_form_bytes", "PORTAL_MAX_FORM_BYTES")
    )
    max_signed_bytes: int = Field(
        512 * 1024, validation_alias=AliasChoices("max_signed_bytes", "PORTAL_MAX_SIGNED_BYTES")
    )
