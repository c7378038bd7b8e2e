"""Compare what a replay observed with what the regulation expects: a pure function, no I/O.

Input: the expected steps (from ``services/*.yaml`` through the scenario), the spans of the
scenario's trace, the gateway journal entries of that trace, and what the user saw (final status,
refused actions). Output: a :class:`Report` with one row per step and the named deviations.

Rules (each broken rule is one :class:`Deviation`):

* ``missing_step`` — an expected step has no span in the trace;
* ``out_of_order`` — matched steps, taken by span start time, do not follow the expected order
  (the steps outside the longest in-order run are named);
* ``wrong_system`` — a step ran on another system than the regulation assigns it
  (the span's ``egov.system`` attribute, else its service name);
* ``unexpected_step`` — a step span of the same public service that the scenario does not expect,
  or an expected step that ran again later (consecutive spans of one step count as one step);
* ``missing_message`` / ``message_out_of_order`` — an expected ШЭП journal entry is absent or comes
  out of order; ``forbidden_message`` — an entry of a service the scenario says must not be called;
  ``rejected_message`` — the gateway rejected or failed a message the scenario did not expect to fail;
* ``status`` / ``result`` — the application's final status or result document differs;
* ``action`` — a user action was refused though it should have passed, or the other way round;
* ``collection`` — the trace could not be read at all.

Norms are informational: a step longer than its norm is flagged ``over_norm`` but never deviates.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

STEP_ATTRIBUTE = "egov.step.id"
SYSTEM_ATTRIBUTE = "egov.system"
APPLICATION_ATTRIBUTE = "egov.application"
SERVICE_ATTRIBUTE = "egov.service"
CHANNEL_ATTRIBUTE = "egov.channel"
MESSAGE_ID_ATTRIBUTE = "shep.message_id"
SHEP_SERVICE_ATTRIBUTE = "shep.service_id"

#: ШЭП system ids and the services (processes, lifelines) that are those systems.
SYSTEM_SERVICES: dict[str, str] = {
    "EGOV_PORTAL": "egov-portal",
    "PHC_REGISTRY": "phc-registry",
    "GBDFL": "gbd-fl-mock",
    "ENIS": "enis-mock",
    "SHEP": "gateway-shep",
    "NUC": "nuc-mock",
    "IIS_GK": "iis-gk",
    "ARM_RSHEP": "arm-rshep",
}

DeviationKind = Literal[
    "missing_step",
    "out_of_order",
    "wrong_system",
    "unexpected_step",
    "missing_message",
    "message_out_of_order",
    "forbidden_message",
    "rejected_message",
    "status",
    "result",
    "action",
    "collection",
]


def system_key(name: str | None) -> str:
    """One spelling for a system: ``EGOV_PORTAL``, ``egov-portal`` and ``egov_portal`` are one system."""
    if not name:
        return ""
    text = str(name).strip()
    service = SYSTEM_SERVICES.get(text.upper())
    if service is not None:
        text = service
    return text.lower().replace("_", "-")


@dataclass(frozen=True)
class ObservedSpan:
    """A span of the scenario's trace, from trace-sink or Jaeger."""

    trace_id: str
    span_id: str
    parent_span_id: str
    service: str
    name: str
    start_ns: int
    end_ns: int
    status: str = "unset"
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def step_id(self) -> str | None:
        value = self.attributes.get(STEP_ATTRIBUTE)
        return None if value in (None, "") else str(value)

    @property
    def system(self) -> str:
        """The system the step ran on: ``egov.system``, else the exporting service."""
        value = self.attributes.get(SYSTEM_ATTRIBUTE)
        return str(value) if value not in (None, "") else self.service

    @property
    def application(self) -> str | None:
        value = self.attributes.get(APPLICATION_ATTRIBUTE)
        return None if value in (None, "") else str(value)

    @property
    def regulation_service(self) -> str | None:
        value = self.attributes.get(SERVICE_ATTRIBUTE)
        return None if value in (None, "") else str(value)

    @property
    def message_id(self) -> str | None:
        value = self.attributes.get(MESSAGE_ID_ATTRIBUTE)
        return None if value in (None, "") else str(value)

    @property
    def duration_ns(self) -> int:
        return max(0, self.end_ns - self.start_ns)


@dataclass(frozen=True)
class JournalRecord:
    """One gateway journal entry (``GET /journal`` JSON, without the raw bytes)."""

    id: int
    message_id: str | None
    correlation_id: str | None
    service_id: str | None
    sender_id: str | None
    recipient_id: str | None
    direction: str
    channel: str
    message_type: str | None
    status: str
    error_code: str | None
    trace_id: str | None
    created_at: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JournalRecord:
        return cls(
            id=int(data["id"]),
            message_id=data.get("message_id"),
            correlation_id=data.get("correlation_id"),
            service_id=data.get("service_id"),
            sender_id=data.get("sender_id"),
            recipient_id=data.get("recipient_id"),
            direction=str(data.get("direction", "")),
            channel=str(data.get("channel", "")),
            message_type=data.get("message_type"),
            status=str(data.get("status", "")),
            error_code=data.get("error_code"),
            trace_id=data.get("trace_id"),
            created_at=str(data.get("created_at", "")),
        )

    @property
    def created_ns(self) -> int | None:
        try:
            return int(datetime.fromisoformat(self.created_at).timestamp() * 1_000_000_000)
        except ValueError:
            return None

    def label(self) -> str:
        kind = f" {self.message_type}" if self.message_type else ""
        return f"{self.service_id or '?'}{kind} {self.direction}"


@dataclass(frozen=True)
class ExpectedStep:
    """A step the scenario expects, with what the regulation says about it."""

    id: str
    system: str
    title_en: str = ""
    title_ru: str = ""
    title_kk: str = ""
    norm: str = ""
    norm_seconds: float | None = None  # an upper bound in seconds when the norm is one; else None


@dataclass(frozen=True)
class ExpectedMessage:
    """A journal entry the scenario expects; unset fields match anything."""

    service: str
    message_type: str | None = None
    direction: str | None = None
    sender: str | None = None
    recipient: str | None = None
    status: str | None = None

    def matches(self, entry: JournalRecord) -> bool:
        return (
            entry.service_id == self.service
            and _same(self.message_type, entry.message_type)
            and _same(self.direction, entry.direction)
            and _same(self.sender, entry.sender_id)
            and _same(self.recipient, entry.recipient_id)
            and _same(self.status, entry.status)
        )

    def label(self) -> str:
        parts = [self.service]
        parts += [p for p in (self.message_type, self.direction) if p]
        if self.sender:
            parts.append(f"from {self.sender}")
        if self.recipient:
            parts.append(f"to {self.recipient}")
        return " ".join(parts)


def _same(expected: str | None, actual: str | None) -> bool:
    return expected is None or (actual is not None and expected.lower() == actual.lower())


@dataclass(frozen=True)
class Expectation:
    """Everything a scenario expects of one replay."""

    regulation: str
    channel: str
    steps: Sequence[ExpectedStep]
    journal: Sequence[ExpectedMessage] = ()
    absent_services: Sequence[str] = ()
    allowed_rejections: Sequence[ExpectedMessage] = ()
    status: Sequence[str] = ()  # any of these final statuses (empty: not checked)
    result: str | None = None  # "talon", "refusal", "none" or None (not checked)
    application: Mapping[str, str] = field(default_factory=dict)  # dotted path → value (GET application)


@dataclass(frozen=True)
class ActionRecord:
    """One user action as the driver carried it out."""

    name: str
    ok: bool
    expected: str  # "ok", "refused" or "any"
    detail: str = ""
    error_code: str | None = None
    start_ns: int = 0
    end_ns: int = 0
    target: str = ""  # the system the user talked to (egov-portal, phc-registry, nuc-mock)

    @property
    def as_expected(self) -> bool:
        if self.expected == "any":
            return True
        return self.ok == (self.expected == "ok")


@dataclass(frozen=True)
class Outcome:
    """What the user saw at the end of the scenario."""

    actions: Sequence[ActionRecord] = ()
    final_status: str | None = None
    result_kind: str | None = None
    application_ids: Sequence[str] = ()
    error: str | None = None  # the driver could not carry the scenario out
    application: Mapping[str, Any] = field(default_factory=dict)  # the application as the API showed it


@dataclass(frozen=True)
class Deviation:
    kind: DeviationKind
    message: str
    step_id: str | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


@dataclass(frozen=True)
class StepRow:
    """One row of the report: an expected step (maybe missing) or an unexpected one."""

    step_id: str
    expected: ExpectedStep | None
    spans: Sequence[ObservedSpan]
    state: Literal["ok", "missing", "out_of_order", "wrong_system", "unexpected"]
    offset_ns: int | None = None
    duration_ns: int | None = None
    message_ids: Sequence[str] = ()
    over_norm: bool = False

    @property
    def system(self) -> str:
        if self.spans:
            return self.spans[0].system
        return self.expected.system if self.expected else ""

    @property
    def start_ns(self) -> int | None:
        return self.spans[0].start_ns if self.spans else None

    @property
    def end_ns(self) -> int | None:
        return max(span.end_ns for span in self.spans) if self.spans else None


@dataclass(frozen=True)
class Report:
    scenario_id: str
    trace_id: str
    expectation: Expectation
    rows: Sequence[StepRow]
    deviations: Sequence[Deviation]
    spans: Sequence[ObservedSpan]
    journal: Sequence[JournalRecord]
    outcome: Outcome
    start_ns: int

    @property
    def ok(self) -> bool:
        return not self.deviations


@dataclass
class _Occurrence:
    """Consecutive spans of one step, taken as one step."""

    step_id: str
    spans: list[ObservedSpan]


def step_spans(spans: Iterable[ObservedSpan], regulation: str | None = None) -> list[ObservedSpan]:
    """Spans of numbered steps (of ``regulation`` when the span names its public service), by start."""
    chosen = [
        span
        for span in spans
        if span.step_id is not None and (regulation is None or span.regulation_service in (None, regulation))
    ]
    return sorted(chosen, key=lambda span: (span.start_ns, span.end_ns))


def _occurrences(spans: Sequence[ObservedSpan]) -> list[_Occurrence]:
    occurrences: list[_Occurrence] = []
    for span in spans:
        assert span.step_id is not None
        if occurrences and occurrences[-1].step_id == span.step_id:
            occurrences[-1].spans.append(span)
        else:
            occurrences.append(_Occurrence(span.step_id, [span]))
    return occurrences


def _longest_increasing(values: Sequence[int]) -> set[int]:
    """Positions (in ``values``) of one longest strictly increasing subsequence."""
    if not values:
        return set()
    tails: list[int] = []  # value ending the best run of each length
    tail_pos: list[int] = []
    previous: list[int] = [-1] * len(values)
    for position, value in enumerate(values):
        length = bisect.bisect_left(tails, value)
        if length == len(tails):
            tails.append(value)
            tail_pos.append(position)
        else:
            tails[length] = value
            tail_pos[length] = position
        previous[position] = tail_pos[length - 1] if length > 0 else -1
    keep: set[int] = set()
    position = tail_pos[-1]
    while position >= 0:
        keep.add(position)
        position = previous[position]
    return keep


def _children(spans: Sequence[ObservedSpan]) -> dict[str, list[ObservedSpan]]:
    children: dict[str, list[ObservedSpan]] = {}
    for span in spans:
        if span.parent_span_id:
            children.setdefault(span.parent_span_id, []).append(span)
    return children


def messages_sent_by(step: ObservedSpan, children: Mapping[str, Sequence[ObservedSpan]]) -> list[str]:
    """ШЭП message ids sent inside a step span (client spans below it, not below a nested step)."""
    found: list[str] = []
    pending = list(children.get(step.span_id, ()))
    while pending:
        span = pending.pop(0)
        if span.step_id is not None:
            continue
        if span.message_id and span.message_id not in found:
            found.append(span.message_id)
        pending.extend(children.get(span.span_id, ()))
    return found


def _row_messages(
    spans: Sequence[ObservedSpan],
    children: Mapping[str, Sequence[ObservedSpan]],
    journal_ids: set[str],
) -> list[str]:
    found: list[str] = []
    for span in spans:
        own = [span.message_id] if span.message_id else []
        for message_id in own + messages_sent_by(span, children):
            if message_id not in found and (not journal_ids or message_id in journal_ids):
                found.append(message_id)
    return found


def compare(
    scenario_id: str,
    trace_id: str,
    expectation: Expectation,
    spans: Sequence[ObservedSpan],
    journal: Sequence[JournalRecord],
    outcome: Outcome | None = None,
    *,
    start_ns: int | None = None,
) -> Report:
    """Check a replay's spans and journal against the expectation; see the module doc for the rules."""
    outcome = outcome or Outcome()
    deviations: list[Deviation] = []
    ordered_spans = sorted(spans, key=lambda span: (span.start_ns, span.end_ns))
    if start_ns is None:
        candidates = [span.start_ns for span in ordered_spans] + [
            a.start_ns for a in outcome.actions if a.start_ns
        ]
        start_ns = min(candidates) if candidates else 0
    children = _children(ordered_spans)
    journal_sorted = sorted(journal, key=lambda entry: entry.id)
    journal_ids = {entry.message_id for entry in journal_sorted if entry.message_id}

    occurrences = _occurrences(step_spans(ordered_spans, expectation.regulation))
    expected_ids = [step.id for step in expectation.steps]

    # Match each expected step to the first unused occurrence of that step.
    used: set[int] = set()
    matched: dict[int, int] = {}  # expected index -> occurrence index
    for index, step_id in enumerate(expected_ids):
        for position, occurrence in enumerate(occurrences):
            if position not in used and occurrence.step_id == step_id:
                matched[index] = position
                used.add(position)
                break

    # Order: matched steps by occurrence (start time) must follow the expected order.
    by_time = sorted(matched.items(), key=lambda item: item[1])
    in_order = _longest_increasing([index for index, _ in by_time])
    out_of_order = {by_time[pos][0] for pos in range(len(by_time)) if pos not in in_order}

    rows: list[StepRow] = []
    for index, step in enumerate(expectation.steps):
        found = matched.get(index)
        if found is None:
            rows.append(StepRow(step.id, step, (), "missing"))
            deviations.append(
                Deviation("missing_step", f"{step.id} ({step.title_en or step.id}) did not happen", step.id)
            )
            continue
        position = found
        occurrence = occurrences[position]
        first = occurrence.spans[0]
        end = max(span.end_ns for span in occurrence.spans)
        duration = end - first.start_ns
        state: Literal["ok", "missing", "out_of_order", "wrong_system", "unexpected"] = "ok"
        if index in out_of_order:
            state = "out_of_order"
            before = [expected_ids[i] for i, pos in matched.items() if i > index and pos < position]
            after = [expected_ids[i] for i, pos in matched.items() if i < index and pos > position]
            detail = []
            if before:
                detail.append(f"after {', '.join(before)}")
            if after:
                detail.append(f"before {', '.join(after)}")
            deviations.append(
                Deviation(
                    "out_of_order",
                    f"{step.id} ran {' and '.join(detail)}, against the regulation's order",
                    step.id,
                )
            )
        systems = {system_key(span.system) for span in occurrence.spans}
        if system_key(step.system) not in systems | {system_key(span.service) for span in occurrence.spans}:
            state = "wrong_system" if state == "ok" else state
            deviations.append(
                Deviation(
                    "wrong_system",
                    f"{step.id} ran on {', '.join(sorted(systems))}; "
                    f"the regulation assigns it to {step.system}",
                    step.id,
                )
            )
        over = step.norm_seconds is not None and duration > step.norm_seconds * 1e9
        rows.append(
            StepRow(
                step.id,
                step,
                tuple(occurrence.spans),
                state,
                offset_ns=first.start_ns - start_ns,
                duration_ns=duration,
                message_ids=tuple(_row_messages(occurrence.spans, children, journal_ids)),
                over_norm=over,
            )
        )

    # Unexpected: occurrences not matched to an expected step.
    expected_set = set(expected_ids)
    for position, occurrence in enumerate(occurrences):
        if position in used:
            continue
        first = occurrence.spans[0]
        end = max(span.end_ns for span in occurrence.spans)
        where = first.system
        if occurrence.step_id in expected_set:
            message = f"{occurrence.step_id} ran again on {where} (the scenario expects it once here)"
        else:
            message = (
                f"{occurrence.step_id} ({_title_of(first)}) ran on {where}; the scenario does not expect it"
            )
        deviations.append(Deviation("unexpected_step", message, occurrence.step_id))
        rows.append(
            StepRow(
                occurrence.step_id,
                None,
                tuple(occurrence.spans),
                "unexpected",
                offset_ns=first.start_ns - start_ns,
                duration_ns=end - first.start_ns,
                message_ids=tuple(_row_messages(occurrence.spans, children, journal_ids)),
            )
        )
    rows.sort(key=lambda row: (row.start_ns is None, row.start_ns or 0))

    deviations.extend(_journal_deviations(expectation, journal_sorted))
    deviations.extend(_outcome_deviations(expectation, outcome))
    if outcome.error:  # first: it explains the rest
        deviations.insert(0, Deviation("action", f"the scenario could not be carried out: {outcome.error}"))
    return Report(
        scenario_id=scenario_id,
        trace_id=trace_id,
        expectation=expectation,
        rows=tuple(rows),
        deviations=tuple(deviations),
        spans=tuple(ordered_spans),
        journal=tuple(journal_sorted),
        outcome=outcome,
        start_ns=start_ns,
    )


def _title_of(span: ObservedSpan) -> str:
    title = span.attributes.get("egov.step.title")
    if title:
        return str(title)
    _, _, rest = span.name.partition(": ")
    return rest or span.name


def _journal_deviations(expectation: Expectation, journal: Sequence[JournalRecord]) -> list[Deviation]:
    deviations: list[Deviation] = []
    position = 0
    matched_ids: set[int] = set()
    for expected in expectation.journal:
        found = next(
            (i for i in range(position, len(journal)) if expected.matches(journal[i])),
            None,
        )
        if found is not None:
            matched_ids.add(journal[found].id)
            position = found + 1
            continue
        elsewhere = next((entry for entry in journal if expected.matches(entry)), None)
        if elsewhere is not None:
            matched_ids.add(elsewhere.id)
            deviations.append(
                Deviation(
                    "message_out_of_order",
                    f"journal entry {expected.label()} (#{elsewhere.id}) came out of the expected order",
                )
            )
        else:
            deviations.append(Deviation("missing_message", f"no journal entry {expected.label()}"))
    absent = set(expectation.absent_services)
    for entry in journal:
        if entry.service_id in absent:
            deviations.append(
                Deviation(
                    "forbidden_message",
                    f"journal entry #{entry.id} {entry.label()}: {entry.service_id} must not be called here",
                )
            )
    for entry in journal:
        if entry.status not in ("rejected", "failed") or entry.id in matched_ids:
            continue
        if any(allowed.matches(entry) for allowed in expectation.allowed_rejections):
            continue
        deviations.append(
            Deviation(
                "rejected_message",
                f"the gateway {entry.status} journal entry #{entry.id} {entry.label()}"
                + (f" with {entry.error_code}" if entry.error_code else ""),
            )
        )
    return deviations


def _outcome_deviations(expectation: Expectation, outcome: Outcome) -> list[Deviation]:
    deviations: list[Deviation] = []
    for action in outcome.actions:
        if action.as_expected:
            continue
        if action.ok:
            deviations.append(Deviation("action", f"{action.name} passed, the scenario expects it refused"))
        else:
            reason = action.error_code or action.detail or "refused"
            deviations.append(Deviation("action", f"{action.name} was refused ({reason})"))
    if expectation.status:
        wanted = {status.lower() for status in expectation.status}
        if (outcome.final_status or "").lower() not in wanted:
            deviations.append(
                Deviation(
                    "status",
                    f"final status {outcome.final_status or '(none)'}, "
                    f"expected {' or '.join(expectation.status)}",
                )
            )
    if expectation.result is not None:
        actual = outcome.result_kind or "none"
        if actual.lower() != expectation.result.lower():
            deviations.append(Deviation("result", f"result {actual}, expected {expectation.result}"))
    for path, expected_value in expectation.application.items():
        shown = _at(outcome.application, path)
        if not _same_detail(shown, expected_value):
            deviations.append(Deviation("status", f"{path} {shown}, expected {expected_value}"))
    return deviations


def _at(data: Any, path: str) -> Any:
    """``details.registeredFor`` of a JSON object (None when a part is missing)."""
    for part in path.split("."):
        data = data.get(part) if isinstance(data, Mapping) else None
    return data


def _same_detail(shown: Any, wanted: str) -> bool:
    """Equal text, or equal moments (ISO datetimes in any offset)."""
    if shown is None:
        return False
    if str(shown) == wanted:
        return True
    try:
        return datetime.fromisoformat(str(shown)) == datetime.fromisoformat(wanted)
    except ValueError:
        return False
