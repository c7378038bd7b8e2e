"""What trace-sink stores: one finished span, flattened, and the questions asked of the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The attributes kept in indexed columns besides the JSON of all attributes, as step spans write them.
from egov_kit.telemetry import APPLICATION_ATTRIBUTE, STEP_ID_ATTRIBUTE

#: OTLP ``Status.code`` → the stored status.
STATUS_NAMES = {0: "unset", 1: "ok", 2: "error"}
#: OTLP ``Span.kind`` → the stored kind.
KIND_NAMES = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass(frozen=True)
class SpanRecord:
    """A span as received: ids are lowercase hex, times are Unix nanoseconds."""

    trace_id: str
    span_id: str
    parent_span_id: str
    service: str
    name: str
    start_ns: int
    end_ns: int
    kind: str = "internal"
    status: str = "unset"
    status_message: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def application(self) -> str | None:
        value = self.attributes.get(APPLICATION_ATTRIBUTE)
        return None if value is None else str(value)

    @property
    def step_id(self) -> str | None:
        value = self.attributes.get(STEP_ID_ATTRIBUTE)
        return None if value is None else str(value)

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)

    def to_json(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "service": self.service,
            "name": self.name,
            "kind": self.kind,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "duration_ms": round(self.duration_ns / 1e6, 3),
            "status": self.status,
            "status_message": self.status_message,
            "application": self.application,
            "step_id": self.step_id,
            "attributes": self.attributes,
        }


@dataclass(frozen=True)
class SpanQuery:
    """Filters of ``GET /api/spans``; every given one must match."""

    application: str | None = None
    service: str | None = None
    step_id: str | None = None
    trace_id: str | None = None
    since_ns: int | None = None
    limit: int = 1000


class MalformedExport(ValueError):
    """The request body is not an OTLP ``ExportTraceServiceRequest`` we can read."""

    code = "MALFORMED_EXPORT"
