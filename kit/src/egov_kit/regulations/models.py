"""The regulation of a public service as data (pydantic): channels, numbered steps, norms, grounds.

The models validate one file's shape strictly (unknown fields, wrong types, missing titles are
errors); :meth:`Regulation.problems` adds the checks across fields (unique ids, branches that lead
to existing steps, the seed's numbering). The loader (:mod:`egov_kit.regulations.loader`) runs both.
The file format is described field by field in ``services/README.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from itertools import pairwise
from typing import Annotated, Any, Literal

from opentelemetry.trace import Span
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

from egov_kit import telemetry
from egov_kit.calendar import Deadline
from egov_kit.regulations.errors import RegulationNotFound, RegulationPathInvalid

Lang = Literal["ru", "kk", "en"]
StepKind = Literal["process", "condition", "step"]
Outcome = Literal["refusal", "result"]
NormUnit = Literal["seconds", "minutes", "working_days"]
NormClock = Literal["working", "continuous"]

NonBlank = Annotated[str, Field(min_length=1, pattern=r"\S")]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")]
Code = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")]
ServiceId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$")]
StepId = Annotated[str, Field(pattern=r"^(?:process|condition|step) [1-9][0-9]*$")]
# "<serviceId>" for a synchronous call, "<serviceId> REQUEST|UPDATE|NOTIFICATION|RESPONSE" for the
# asynchronous channel's message types.
Message = Annotated[
    str,
    Field(pattern=r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?: (?:REQUEST|UPDATE|NOTIFICATION|RESPONSE))?$"),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Text(_Model):
    """A text in Russian and Kazakh (both required), English optional."""

    ru: NonBlank
    kk: NonBlank
    en: NonBlank | None = None

    def get(self, lang: Lang = "ru") -> str:
        if lang == "en":
            return self.en or self.ru
        return self.ru if lang == "ru" else self.kk


# ---- norms ---------------------------------------------------------------------------------------

_UNIT_WORDS: dict[Lang, dict[str, str]] = {
    "en": {"seconds": "s", "minutes": "min"},
    "ru": {"seconds": "сек.", "minutes": "мин."},
    "kk": {"seconds": "секунд", "minutes": "минут"},
}


def _number(value: float, lang: Lang) -> str:
    text = str(int(value)) if value == int(value) else f"{value:g}"
    return text if lang == "en" else text.replace(".", ",")


def _working_days_word(count: float, lang: Lang) -> str:
    if lang == "kk":
        return "жұмыс күні"
    if lang == "en":
        return "working day" if count == 1 else "working days"
    n = int(count)
    if n % 10 == 1 and n % 100 != 11:
        return "рабочий день"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "рабочих дня"
    return "рабочих дней"


def _duration_parts(value: float, unit: NormUnit) -> tuple[float, str]:
    """Show a bound in the unit the seeds would use: 60 s is "1 min", 90 s "1.5 min", 0.5 min "30 s"."""
    if unit == "seconds" and value >= 60 and value % 30 == 0:
        return value / 60, "minutes"
    if unit == "minutes" and value < 1:
        return value * 60, "seconds"
    return value, unit


class Norm(_Model):
    """A time norm: from ``min`` (optional) to ``max``, in ``unit``.

    ``clock`` says how minutes and seconds are counted: ``working`` (only the provider's working
    time, the default) or ``continuous`` (around the clock: the portal, ШЭП). Working days are always
    counted on the working calendar.
    """

    min: StrictFloat | None = Field(default=None, ge=0)
    max: StrictFloat = Field(gt=0)
    unit: NormUnit
    clock: NormClock = "working"

    @model_validator(mode="after")
    def _consistent(self) -> Norm:
        if self.min is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        if self.unit == "working_days":
            if any(v is not None and v != int(v) for v in (self.min, self.max)):
                raise ValueError("working days are whole numbers")
            if self.clock != "working":
                raise ValueError("working days are counted on the working calendar (clock: working)")
        return self

    def text(self, lang: Lang = "en") -> str:
        """Human text: "30 s – 1 min", "10–15 s", "1.5 min", "1 working day" (ru, kk, en)."""
        if self.unit == "working_days":
            word = _working_days_word(self.max, lang)
            if self.min is None or self.min == self.max:
                return f"{_number(self.max, lang)} {word}"
            return f"{_number(self.min, lang)}–{_number(self.max, lang)} {word}"
        top_value, top_unit = _duration_parts(self.max, self.unit)
        top = f"{_number(top_value, lang)} {_UNIT_WORDS[lang][top_unit]}"
        if self.min is None or self.min == self.max:
            return top
        low_value, low_unit = _duration_parts(self.min, self.unit)
        if low_unit == top_unit:
            return f"{_number(low_value, lang)}–{top}"
        return f"{_number(low_value, lang)} {_UNIT_WORDS[lang][low_unit]} – {top}"

    def max_duration(self) -> timedelta | None:
        """The upper bound as a duration (None for working days: use :meth:`deadline`)."""
        if self.unit == "seconds":
            return timedelta(seconds=self.max)
        if self.unit == "minutes":
            return timedelta(minutes=self.max)
        return None

    def deadline(self) -> Deadline:
        """The upper bound as a :class:`egov_kit.calendar.Deadline` (``due(start)``)."""
        return Deadline(self.unit, self.max, working_time=self.clock == "working")


class CitedNorm(Norm):
    """A norm with the seed paragraph it comes from (the overall norm, norms cited by other seeds)."""

    seed_ref: NonBlank


# ---- steps and channels ----------------------------------------------------------------------------


class Branch(_Model):
    """One way out of a step: go to ``step`` when ``when`` holds."""

    step: StepId
    when: Text


class Step(_Model):
    """One numbered action of a channel, with the seed's own numbering."""

    id: StepId
    kind: StepKind
    number: StrictInt = Field(ge=1)
    title_ru: NonBlank
    title_kk: NonBlank
    title_en: NonBlank
    actor: Slug
    system: Slug
    message: Message | None = None
    next: tuple[Branch, ...] = ()
    outcome: Outcome | None = None
    norm: Norm | None = None
    other_norms: tuple[CitedNorm, ...] = ()
    grounds: tuple[Code, ...] = ()
    seed_ref: NonBlank
    note: NonBlank | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        if self.id != f"{self.kind} {self.number}":
            raise ValueError(f"id {self.id!r} does not match kind and number ({self.kind} {self.number})")
        if self.outcome is not None and self.next:
            raise ValueError(f"a step with an outcome ({self.outcome}) ends the channel: it has no next")
        if self.kind == "condition" and len(self.next) < 2:
            raise ValueError("a condition needs at least two branches in next")
        return self

    def title(self, lang: Lang = "en") -> str:
        return {"ru": self.title_ru, "kk": self.title_kk, "en": self.title_en}[lang]

    @property
    def span_name(self) -> str:
        """The span name replays match on: "<step id>: <title_en>"."""
        return f"{self.id}: {self.title_en}"

    def norm_text(self, lang: Lang = "en") -> str | None:
        return self.norm.text(lang) if self.norm is not None else None


class Channel(_Model):
    """One way of obtaining the service (portal, provider, front office) and its ordered steps."""

    id: Slug
    title: Text
    seed_ref: NonBlank
    note: NonBlank | None = None
    steps: tuple[Step, ...] = Field(min_length=1)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        known = ", ".join(s.id for s in self.steps)
        raise RegulationNotFound(f"channel {self.id!r} has no step {step_id!r} (steps: {known})")

    @property
    def first(self) -> Step:
        return self.steps[0]

    def successors(self, step_id: str) -> list[Step]:
        """Where the diagram goes after ``step_id``: its branches, else the next step in order.

        A step with an outcome (refusal, result) ends the channel: no successors.
        """
        step = self.step(step_id)
        if step.next:
            return [self.step(branch.step) for branch in step.next]
        if step.outcome is not None:
            return []
        index = self.steps.index(step)
        return [self.steps[index + 1]] if index + 1 < len(self.steps) else []

    def path(self, *step_ids: str) -> list[Step]:
        """The ordered steps of one scenario, checked against the diagram.

        ``path("process 1", "condition 1", "process 2")`` is allowed; skipping a step or taking a
        branch that does not exist raises :class:`RegulationPathInvalid`.
        """
        steps = [self.step(step_id) for step_id in step_ids]
        for current, following in pairwise(steps):
            allowed = [s.id for s in self.successors(current.id)]
            if following.id not in allowed:
                raise RegulationPathInvalid(
                    f"channel {self.id!r}: {following.id!r} cannot follow {current.id!r}"
                    f" (allowed: {', '.join(allowed) or 'none, the channel ends there'})"
                )
        return steps

    def paths(self) -> list[list[Step]]:
        """Every complete path from the first step to a step that ends the channel (no cycles)."""
        found: list[list[Step]] = []

        def walk(trail: list[Step]) -> None:
            nexts = [s for s in self.successors(trail[-1].id) if s not in trail]
            if not nexts:
                found.append(trail)
            for following in nexts:
                walk([*trail, following])

        walk([self.first])
        return found


# ---- the regulation --------------------------------------------------------------------------------


class RequiredDocument(_Model):
    code: Code
    ru: NonBlank
    kk: NonBlank
    required: StrictBool = True
    # Channels where the document is asked for; empty means every channel.
    channels: tuple[Slug, ...] = ()
    seed_ref: NonBlank | None = None


class RefusalGround(_Model):
    """A legal ground for a motivated refusal; providers put ``code`` into the refusal document."""

    code: Code
    ru: NonBlank
    kk: NonBlank
    seed_ref: NonBlank


class System(_Model):
    """An information system taking part; ``shep_id`` is its ШЭП system id (None for ШЭП itself)."""

    shep_id: Code | None = None
    ru: NonBlank
    kk: NonBlank


class Regulation(_Model):
    """One public service: ``load_regulation("H1")``."""

    id: Annotated[str, Field(pattern=r"^[A-Z][0-9]+$")]
    code: ServiceId | None = None
    names: Text
    standard: NonBlank
    provider_kind: Slug
    result: Text
    norm: CitedNorm
    seeds: dict[str, NonBlank] = Field(default_factory=dict)
    systems: dict[Slug, System] = Field(default_factory=dict)
    required_documents: tuple[RequiredDocument, ...] = ()
    refusal_grounds: tuple[RefusalGround, ...] = ()
    channels: dict[Slug, Channel] = Field(min_length=1)

    def channel(self, name: str) -> Channel:
        try:
            return self.channels[name]
        except KeyError:
            known = ", ".join(self.channels)
            raise RegulationNotFound(f"{self.id} has no channel {name!r} (channels: {known})") from None

    def step(self, channel: str, step_id: str) -> Step:
        return self.channel(channel).step(step_id)

    def refusal_ground(self, code: str) -> RefusalGround:
        for ground in self.refusal_grounds:
            if ground.code == code:
                return ground
        raise RegulationNotFound(f"{self.id} has no refusal ground {code!r}")

    @contextmanager
    def step_span(
        self,
        channel: str,
        step_id: str,
        *,
        system: str | None = None,
        application: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Iterator[Span]:
        """Open the span of one step: named "<step id>: <title_en>", with the step's attributes.

        ``system`` is the system whose process the span belongs to (the step's own by default).
        """
        step = self.step(channel, step_id)
        attrs: dict[str, Any] = {
            "egov.step.kind": step.kind,
            "egov.step.number": step.number,
            "egov.step.actor": step.actor,
            "egov.step.seed_ref": step.seed_ref,
            "egov.step.norm": step.norm_text("en"),
            "egov.step.message": step.message,
            "egov.step.outcome": step.outcome,
        }
        attrs.update(attributes or {})
        with telemetry.step_span(
            step.id,
            step.title_en,
            system=system or step.system,
            application=application,
            service=self.id,
            channel=channel,
            attributes=attrs,
        ) as span:
            yield span

    def problems(self) -> list[str]:
        """Checks across fields; each problem is "<field path>: <message>"."""
        problems: list[str] = []
        problems += _unique("required_documents", [d.code for d in self.required_documents], "code")
        problems += _unique("refusal_grounds", [g.code for g in self.refusal_grounds], "code")
        grounds = {g.code for g in self.refusal_grounds}
        for i, document in enumerate(self.required_documents):
            for name in document.channels:
                if name not in self.channels:
                    problems.append(f"required_documents[{i}].channels: unknown channel {name!r}")
        for key, channel in self.channels.items():
            problems += _channel_problems(f"channels.{key}", key, channel, grounds, set(self.systems))
        return problems


def _unique(where: str, values: list[str], field: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(f"{where}[{i}].{field}: duplicate {value!r}")
        seen.add(value)
    return problems


def _channel_problems(
    where: str, key: str, channel: Channel, grounds: set[str], systems: set[str]
) -> list[str]:
    problems: list[str] = []
    if channel.id != key:
        problems.append(f"{where}.id: {channel.id!r} differs from its key {key!r}")
    ids = {s.id for s in channel.steps}
    last_number: dict[str, int] = {}
    seen: set[str] = set()
    for i, step in enumerate(channel.steps):
        at = f"{where}.steps[{i}] ({step.id})"
        if step.id in seen:
            problems.append(f"{at}.id: duplicate step id {step.id!r}")
        seen.add(step.id)
        expected = last_number.get(step.kind, 0) + 1
        if step.number != expected:
            problems.append(
                f"{at}.number: the seed numbers each kind 1, 2, 3… in order; expected {step.kind} {expected}"
            )
        last_number[step.kind] = max(step.number, last_number.get(step.kind, 0))
        targets: set[str] = set()
        for j, branch in enumerate(step.next):
            if branch.step not in ids:
                problems.append(f"{at}.next[{j}].step: {branch.step!r} is not a step of channel {key!r}")
            if branch.step in targets:
                problems.append(f"{at}.next[{j}].step: {branch.step!r} listed twice")
            if branch.step == step.id:
                problems.append(f"{at}.next[{j}].step: a step cannot lead to itself")
            targets.add(branch.step)
        if not step.next and step.outcome is None and i == len(channel.steps) - 1:
            problems.append(f"{at}: the last step needs an outcome (refusal or result) or next branches")
        for j, code in enumerate(step.grounds):
            if code not in grounds:
                problems.append(f"{at}.grounds[{j}]: {code!r} is not in refusal_grounds")
        if systems and step.system not in systems:
            problems.append(f"{at}.system: {step.system!r} is not in systems")
    if not problems:
        reachable = {s.id for trail in channel.paths() for s in trail}
        for i, step in enumerate(channel.steps):
            if step.id not in reachable:
                problems.append(f"{where}.steps[{i}] ({step.id}): not reachable from {channel.first.id!r}")
    return problems
