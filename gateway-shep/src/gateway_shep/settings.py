"""Settings of the gateway (environment variables in brackets).

Besides the common ones of :class:`egov_kit.settings.ServiceSettings`:

* ``system_id`` (``SHEP_SYSTEM_ID``, default ``SHEP``) — the gateway's own id in the registry; its
  certificate signs every forwarded message.
* ``message_date_window_seconds`` (``SHEP_MESSAGE_DATE_WINDOW_SECONDS``, 300) — how old (and how far
  in the future) ``messageDate`` may be.
* ``sync_timeout_seconds`` (``SHEP_SYNC_TIMEOUT_SECONDS``, 10) — provider timeout of a sync service
  whose registry entry names none.
* ``max_message_bytes`` (``SHEP_MAX_MESSAGE_BYTES``, 5 MiB) — larger requests are refused unread.
* ``registry_file`` (``SHEP_REGISTRY_FILE``) — a registry YAML to use instead of the bundled one.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from egov_kit.settings import ServiceSettings
from pydantic import AliasChoices, Field

from gateway_shep.adapters.registry_file import DEFAULT_REGISTRY_FILE


class Settings(ServiceSettings):
    service_name: str = "gateway-shep"
    port: int = 8100
    system_id: str = Field("SHEP", validation_alias=AliasChoices("SHEP_SYSTEM_ID"))
    message_date_window_seconds: int = Field(
        300, gt=0, validation_alias=AliasChoices("SHEP_MESSAGE_DATE_WINDOW_SECONDS")
    )
    sync_timeout_seconds: float = Field(
        10.0, gt=0, validation_alias=AliasChoices("SHEP_SYNC_TIMEOUT_SECONDS")
    )
    max_message_bytes: int = Field(
        5 * 1024 * 1024, gt=0, validation_alias=AliasChoices("SHEP_MAX_MESSAGE_BYTES")
    )
    registry_file: Path | None = Field(None, validation_alias=AliasChoices("SHEP_REGISTRY_FILE"))

    @property
    def registry_path(self) -> Path:
        """The registry file in use: ``SHEP_REGISTRY_FILE`` or the bundled ``registry/registry.yaml``."""
        return self.registry_file if self.registry_file is not None else DEFAULT_REGISTRY_FILE

    @property
    def message_date_window(self) -> timedelta:
        return timedelta(seconds=self.message_date_window_seconds)
