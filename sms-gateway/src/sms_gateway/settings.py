"""sms-gateway's settings: the common service settings plus an optional token for senders."""

from __future__ import annotations

from egov_kit.settings import ServiceSettings
from pydantic import AliasChoices, Field


class Settings(ServiceSettings):
    """Environment: ``EGOV_VAR_DIR``, ``DATABASE_URL``, ``PORT``, ``SMS_GATEWAY_TOKEN``, …"""

    service_name: str = "sms-gateway"
    port: int = 8107
    # When set, senders (POST /api/messages, GET /api/replies) must present it as a bearer token.
    token: str | None = Field(None, validation_alias=AliasChoices("token", "SMS_GATEWAY_TOKEN"))
