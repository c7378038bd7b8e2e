"""Synthetic spans and journal entries of an H1 portal replay, for the replay's unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from egov_cli.replay.compare import Expectation, ExpectedStep, JournalRecord, ObservedSpan

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
MS = 1_000_000
T0 = 1_700_000_000_000_000_000

PORTAL_PATH = [
    ("process 1", "egov-portal"),
    ("condition 1", "egov-portal"),
    ("process 3", "egov-portal"),
    ("condition 2", "egov-portal"),
    ("process 5", "egov-portal"),
    ("process 6", "phc-registry"),
    ("condition 3", "phc-registry"),
    ("process 8", "phc-registry"),
]


def expected(path: Sequence[tuple[str, str]] = PORTAL_PATH, **overrides: Any) -> Expectation:
    steps = tuple(
        ExpectedStep(
            id=step_id,
            system=system,
            title_en=f"title of {step_id}",
            title_ru=f"название {step_id}",
            title_kk=f"атауы {step_id}",
            norm="30 s – 1 min" if step_id == "process 1" else "",
            norm_seconds=60.0 if step_id == "process 1" else None,
        )
        for step_id, system in path
    )
    fields: dict[str, Any] = {"regulation": "H1", "channel": "portal", "steps": steps}
    fields.update(overrides)
    return Expectation(**fields)


def step_span(
    step_id: str,
    system: str,
    start_ms: int,
    *,
    duration_ms: int = 5,
    span_id: str | None = None,
    parent: str = "",
    service: str | None = None,
    regulation: str | None = "H1",
    **attributes: Any,
) -> ObservedSpan:
    attrs: dict[str, Any] = {"egov.step.id": step_id, "egov.system": system, "egov.application": "APP-1"}
    if regulation is not None:
        attrs["egov.service"] = regulation
    attrs.update(attributes)
    return ObservedSpan(
        trace_id=TRACE,
        span_id=span_id or f"{abs(hash((step_id, start_ms))) % 16**16:016x}",
        parent_span_id=parent,
        service=service or system,
        name=f"{step_id}: title",
        start_ns=T0 + start_ms * MS,
        end_ns=T0 + (start_ms + duration_ms) * MS,
        attributes=attrs,
    )


def spans_for(path: Sequence[tuple[str, str]] = PORTAL_PATH) -> list[ObservedSpan]:
    return [step_span(step_id, system, 10 * (i + 1)) for i, (step_id, system) in enumerate(path)]


def journal(
    *rows: tuple[str, str | None, str, str, str | None], status: str = "accepted"
) -> list[JournalRecord]:
    """(service, type, direction, sender, recipient) rows, ids in order."""
    return [
        JournalRecord(
            id=i + 1,
            message_id=f"m-{i + 1}",
            correlation_id=None,
            service_id=service,
            sender_id=sender,
            recipient_id=recipient,
            direction=direction,
            channel="async" if message_type else "sync",
            message_type=message_type,
            status=status,
            error_code=None,
            trace_id=TRACE,
            created_at="2023-11-14T22:13:20+00:00",
        )
        for i, (service, message_type, direction, sender, recipient) in enumerate(rows)
    ]
