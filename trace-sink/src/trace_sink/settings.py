"""trace-sink's settings: the common service settings plus retention and the request size cap."""

from __future__ import annotations

from egov_kit.settings import ServiceSettings
from pydantic import AliasChoices, Field


class Settings(ServiceSettings):
    """Environment: ``EGOV_VAR_DIR``, ``DATABASE_URL``, ``TRACE_SINK_MAX_SPANS``, …"""

    service_name: str = "trace-sink"
    port: int = 4318
    max_spans: int = Field(200_000, ge=1, validation_alias=AliasChoices("max_spans", "TRACE_SINK_MAX_SPANS"))
    max_request_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, validation_alias=AliasChoices("max_request_bytes", "TRACE_SINK_MAX_BYTES")
    )
