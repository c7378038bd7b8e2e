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
        # H3's application carries up to 2 MiB of files base64-embedded (~2.7 MB); ШЭП takes 5 MB.
        4 * 1024 * 1024,
        validation_alias=AliasChoices("max_signed_bytes", "PORTAL_MAX_SIGNED_BYTES"),
    )
    # The «1414» status look-up (no login): at most this many look-ups per client IP per window.
    status_lookup_limit: int = Field(
        10, ge=1, validation_alias=AliasChoices("status_lookup_limit", "PORTAL_STATUS_LOOKUP_LIMIT")
    )
    status_lookup_window_seconds: int = Field(
        60,
        ge=1,
        validation_alias=AliasChoices("status_lookup_window_seconds", "PORTAL_STATUS_LOOKUP_WINDOW_SECONDS"),
    )

    # --- H3: one-time passwords (seed 004 item 10) and the sandbox's simulated time ---------------
    # The mobile operator's SMS gateway (sms-gateway mock): the portal posts the code's text there.
    sms_gateway_url: str = Field(
        "http://127.0.0.1:8107",
        validation_alias=AliasChoices("sms_gateway_url", "PORTAL_SMS_GATEWAY_URL", "SMS_GATEWAY_URL"),
    )
    # Bearer token of the gateway's senders' side (only when the gateway sets SMS_GATEWAY_TOKEN).
    sms_gateway_token: str | None = Field(
        None, validation_alias=AliasChoices("sms_gateway_token", "SMS_GATEWAY_TOKEN")
    )
    # The sender id the phone shows.
    sms_sender: str = Field("EGOV", validation_alias=AliasChoices("sms_sender", "PORTAL_SMS_SENDER"))
    # A one-time password expires after this many minutes; this many wrong codes lock the request.
    otp_ttl_minutes: int = Field(
        5, ge=1, le=60, validation_alias=AliasChoices("otp_ttl_minutes", "PORTAL_OTP_TTL_MINUTES")
    )
    otp_max_attempts: int = Field(
        3, ge=1, le=10, validation_alias=AliasChoices("otp_max_attempts", "PORTAL_OTP_MAX_ATTEMPTS")
    )
    # A locked request may ask for a new code only after this many minutes.
    otp_lock_minutes: int = Field(
        15, ge=1, validation_alias=AliasChoices("otp_lock_minutes", "PORTAL_OTP_LOCK_MINUTES")
    )
    # Sandbox only: the H3 draft call may carry `X-Egov-Simulated-Time: <ISO datetime>`, which then
    # becomes the application's submittedAt (recorded as simulated), so that a replay can show the
    # after-hours rule (seed 004 item 7) at any time of day. A real portal would set this False.
    accept_simulated_time: bool = Field(
        True,
        validation_alias=AliasChoices("accept_simulated_time", "PORTAL_ACCEPT_SIMULATED_TIME"),
    )
