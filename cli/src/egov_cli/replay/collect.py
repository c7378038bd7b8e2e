"""Collect what a replay caused: the spans of its trace and the gateway journal entries.

Spans come from a :class:`SpanSource`: trace-sink (``make run``, ``GET /api/traces/{id}``) or Jaeger
(compose, ``GET /api/traces/{traceID}`` on 16686). Journal entries come from the gateway
(``GET /journal``): the recent entries carrying the trace id, plus every entry whose message id or
correlation id is a message id seen in the spans (``shep.message_id``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx

from egov_cli.replay.compare import MESSAGE_ID_ATTRIBUTE, JournalRecord, ObservedSpan

JOURNAL_SCAN_LIMIT = 1000


class CollectError(RuntimeError):
    """A source could not be read."""


class SpanSource(Protocol):
    name: str

    def trace(self, trace_id: str) -> list[ObservedSpan]:
        """Every span of the trace known so far ([] when none yet)."""
        ...


@dataclass
class _TracesApiSource:
    """A span store's ``GET /api/traces/{id}`` (404: no span of that trace is known yet).

    Subclasses name the store (``label``, in the :class:`CollectError` when it is unreachable or
    fails) and read its answer (:meth:`spans_of`).
    """

    url: str
    client: httpx.Client
    name: str = ""
    label: ClassVar[str] = ""

    def trace(self, trace_id: str) -> list[ObservedSpan]:
        try:
            response = self.client.get(f"{self.url.rstrip('/')}/api/traces/{trace_id}")
        except httpx.HTTPError as exc:
            raise CollectError(f"{self.label} at {self.url} is unreachable: {exc}") from exc
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise CollectError(f"{self.label} answered HTTP {response.status_code}: {response.text[:300]}")
        return self.spans_of(response.json())

    def spans_of(self, document: Any) -> list[ObservedSpan]:
        raise NotImplementedError


@dataclass
class TraceSinkSource(_TracesApiSource):
    """trace-sink's ``GET /api/traces/{trace_id}``."""

    name: str = "trace-sink"
    label: ClassVar[str] = "trace-sink"

    def spans_of(self, document: Any) -> list[ObservedSpan]:
        return [span_from_sink(item) for item in document.get("spans", [])]


def span_from_sink(data: Mapping[str, Any]) -> ObservedSpan:
    return ObservedSpan(
        trace_id=str(data["trace_id"]),
        span_id=str(data["span_id"]),
        parent_span_id=str(data.get("parent_span_id") or ""),
        service=str(data.get("service") or "?"),
        name=str(data.get("name") or ""),
        start_ns=int(data["start_ns"]),
        end_ns=int(data["end_ns"]),
        status=str(data.get("status") or "unset"),
        attributes=dict(data.get("attributes") or {}),
    )


@dataclass
class JaegerSource(_TracesApiSource):
    """Jaeger's query API (``GET /api/traces/{traceID}``), as in compose's observability layer."""

    name: str = "jaeger"
    label: ClassVar[str] = "Jaeger"

    def spans_of(self, document: Any) -> list[ObservedSpan]:
        return spans_from_jaeger(document)


def _jaeger_value(tag: Mapping[str, Any]) -> Any:
    value = tag.get("value")
    kind = str(tag.get("type", "string")).lower()
    if kind in ("int64", "int") and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def spans_from_jaeger(document: Mapping[str, Any]) -> list[ObservedSpan]:
    """Spans of a Jaeger ``/api/traces/{id}`` answer (times in microseconds, tags as a list)."""
    spans: list[ObservedSpan] = []
    for trace in document.get("data") or []:
        processes = trace.get("processes") or {}
        for item in trace.get("spans") or []:
            tags = {tag["key"]: _jaeger_value(tag) for tag in item.get("tags") or [] if "key" in tag}
            parent = next(
                (
                    ref.get("spanID", "")
                    for ref in item.get("references") or []
                    if ref.get("refType") == "CHILD_OF"
                ),
                "",
            )
            process = processes.get(item.get("processID"), {})
            status = str(tags.pop("otel.status_code", "unset")).lower()
            if tags.get("error") is True and status == "unset":
                status = "error"
            start_us = int(item.get("startTime", 0))
            spans.append(
                ObservedSpan(
                    trace_id=str(item.get("traceID", "")).rjust(32, "0"),
                    span_id=str(item.get("spanID", "")).rjust(16, "0"),
                    parent_span_id=str(parent).rjust(16, "0") if parent else "",
                    service=str(process.get("serviceName") or "?"),
                    name=str(item.get("operationName") or ""),
                    start_ns=start_us * 1000,
                    end_ns=(start_us + int(item.get("duration", 0))) * 1000,
                    status=status,
                    attributes=tags,
                )
            )
    return sorted(spans, key=lambda span: (span.start_ns, span.end_ns))


@dataclass
class JournalSource:
    """The gateway's ``GET /journal`` (newest first, filters by message/correlation id)."""

    url: str
    client: httpx.Client
    scan_limit: int = JOURNAL_SCAN_LIMIT

    def _get(self, params: Mapping[str, str | int]) -> list[JournalRecord]:
        try:
            response = self.client.get(f"{self.url.rstrip('/')}/journal", params=dict(params))
        except httpx.HTTPError as exc:
            raise CollectError(f"the gateway at {self.url} is unreachable: {exc}") from exc
        if response.status_code != 200:
            raise CollectError(f"the gateway's journal answered HTTP {response.status_code}")
        return [JournalRecord.from_json(item) for item in response.json()]

    def entries(self, trace_id: str, message_ids: Iterable[str] = ()) -> list[JournalRecord]:
        found: dict[int, JournalRecord] = {}
        for entry in self._get({"limit": self.scan_limit}):
            if entry.trace_id == trace_id:
                found[entry.id] = entry
        seen_ids = {m for m in message_ids if m} | {e.message_id for e in found.values() if e.message_id}
        for message_id in sorted(seen_ids):
            for key in ("message_id", "correlation_id"):
                for entry in self._get({key: message_id, "limit": 100}):
                    found.setdefault(entry.id, entry)
        return sorted(found.values(), key=lambda entry: entry.id)


@dataclass
class Observation:
    trace_id: str
    spans: list[ObservedSpan]
    journal: list[JournalRecord]
    complete: bool  # every awaited step appeared before the timeout
    waited_seconds: float
    notes: list[str] = field(default_factory=list)


def await_spans(
    source: SpanSource,
    trace_id: str,
    awaited_steps: Sequence[str],
    *,
    timeout: float,
    end_steps: Iterable[str] = (),
    settle: float = 1.5,
    diverged_settle: float = 6.0,
    poll: float = 0.3,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[ObservedSpan], bool]:
    """Poll until every awaited step has a span, or a step that ends the diagram (``end_steps``:
    a refusal instead of the awaited result, say) has one, or ``timeout``; then wait ``settle``.

    Returns the spans and whether every awaited step appeared. Exporters batch spans (the SDK's
    default is every 5 s), so late spans of other steps may arrive after the awaited ones: the
    settle period catches those; when the path diverged (an end step instead of the awaited ones),
    ``diverged_settle`` (longer than the SDK's batch delay) lets the other services' spans arrive.
    """
    deadline = clock() + timeout
    wanted = set(awaited_steps)
    ends = set(end_steps)
    spans: list[ObservedSpan] = []
    while True:
        spans = source.trace(trace_id)
        present = {span.step_id for span in spans if span.step_id}
        if wanted <= present or present & ends:
            break
        if clock() >= deadline:
            return spans, False
        sleep(poll)
    wait = settle if wanted <= present else max(settle, diverged_settle)
    if wait > 0:
        sleep(wait)
        spans = source.trace(trace_id)
    present = {span.step_id for span in spans if span.step_id}
    return spans, wanted <= present


def message_ids_of(spans: Iterable[ObservedSpan]) -> list[str]:
    ids: list[str] = []
    for span in spans:
        value = span.attributes.get(MESSAGE_ID_ATTRIBUTE)
        if value and str(value) not in ids:
            ids.append(str(value))
    return ids


def collect(
    source: SpanSource,
    journal: JournalSource | None,
    trace_id: str,
    awaited_steps: Sequence[str],
    *,
    timeout: float,
    end_steps: Iterable[str] = (),
    settle: float = 1.5,
    diverged_settle: float = 6.0,
) -> Observation:
    started = time.monotonic()
    notes: list[str] = []
    spans, complete = await_spans(
        source,
        trace_id,
        awaited_steps,
        timeout=timeout,
        end_steps=end_steps,
        settle=settle,
        diverged_settle=diverged_settle,
    )
    if not complete:
        notes.append(f"not every expected step reached {source.name} within {timeout:.0f} s")
    entries: list[JournalRecord] = []
    if journal is not None:
        try:
            entries = journal.entries(trace_id, message_ids_of(spans))
        except CollectError as exc:
            notes.append(str(exc))
    return Observation(trace_id, spans, entries, complete, time.monotonic() - started, notes)
