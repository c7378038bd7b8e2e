"""Scenario files (``tests/scenarios/*.yaml``): one path through a regulation's diagram.

A scenario names the regulation and channel, the test people involved, what the user does (the
``setup`` actions run first in a trace of their own and are not compared; the ``actions`` are the
replayed path) and what must be observed::

    id: h1_portal_success
    title: {ru: …, kk: …, en: …}
    regulation: H1
    channel: portal
    actors:
      recipient: {archetype: adult, key: valid}
    setup:
      - do: register
    actions:
      - do: login
      - do: choose_organisation
        by: locality
      - do: draft
      - do: sign
      - do: submit
      - do: wait_result
        timeout_seconds: 60
    expect:
      steps: [process 1, condition 1, process 3, condition 2, process 5, process 6, condition 3, process 8]
      status: done
      result: talon
      journal:
        - {service: RPN_Attachment, type: REQUEST, direction: inbound, sender: EGOV_PORTAL}
      absent: []

``expect.steps`` items are step ids of the channel (the system comes from the regulation) or
``{id: …, system: …}`` to name the system explicitly. See tests/scenarios/README.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from egov_kit import strict_yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from egov_cli.replay.compare import Expectation, ExpectedMessage, ExpectedStep
from egov_cli.replay.h2_actions import (
    H2_NEEDS,
    H2_PORTAL_ACTIONS,
    H2_PROVIDER_ACTIONS,
    H2_PROVIDES,
    CancelAppointment,
    ChooseSlot,
    H2Draft,
    SlotBookedElsewhere,
    WorkstationH2Book,
)
from egov_cli.replay.h3_portal_actions import (
    H3_ACTION_NAMES,
    H3_NEEDS,
    H3_PROVIDES,
    ConfirmOtp,
    H1Attach,
    H3Draft,
    ReadOtp,
    RequestOtp,
)
from egov_cli.replay.h3_provider_actions import (
    H3_PROVIDER_ACTION_NAMES,
    H3_PROVIDER_NEEDS,
    H3ChooseService,
    H3IssueCard,
    H3Lookup,
    H3Refuse,
    H3WorkstationDraft,
    H3WorkstationLogin,
    H3WorkstationRegister,
    H3WorkstationSign,
)
from egov_cli.replay.plumbing import Outcome, ReplayAction, StrictModel

KeyKind = Literal["valid", "expired", "revoked", "other_person"]
Channel = Literal["portal", "provider"]

DEFAULT_PASSWORD = "Replay-Passw0rd!"  # noqa: S105 - the test recipients' portal password
DEFAULT_REASON = "Прикрепление по месту жительства / Тұрғылықты жері бойынша тіркелу"
_ID = re.compile(r"^[a-z0-9_]+$")


class Titles(StrictModel):
    ru: str = Field(min_length=1)
    kk: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Recipient(StrictModel):
    """The service recipient: a documented test person and the key the application is signed with."""

    archetype: str = Field(description="key of gbd_fl_mock.domain.test_persons.TEST_PERSONS_BY_ARCHETYPE")
    key: KeyKind = "valid"
    key_holder: str | None = Field(
        None, description="other_person: whose key signs (an archetype, default adult_vko)"
    )
    password: str = DEFAULT_PASSWORD
    phone: str | None = None

    @model_validator(mode="after")
    def _holder_only_for_other_person(self) -> Recipient:
        if self.key_holder is not None and self.key != "other_person":
            raise ValueError("key_holder is only meaningful with key: other_person")
        return self

    @property
    def signer_archetype(self) -> str:
        if self.key == "other_person":
            return self.key_holder or "adult_vko"
        return self.archetype


class Employee(StrictModel):
    """An employee of the provider (phc-registry's workstation) and their employee certificate.

    ``iin``/``password`` name the account; left out, the driver asks phc-registry's test employees
    for one of the organisation serving the recipient's locality (``organisation: by_locality``).
    """

    organisation: str = Field("by_locality", description="by_locality or an organisation code")
    iin: str | None = None
    password: str | None = None
    key: Literal["valid", "expired", "revoked"] = "valid"
    roles: list[str] = Field(default_factory=lambda: ["employee"], description="roles in the certificate")


class Actors(StrictModel):
    recipient: Recipient
    employee: Employee | None = None


# --- actions -------------------------------------------------------------------------------------


class Register(ReplayAction):
    do: Literal["register"]
    outcome: Outcome = "any"  # an already registered recipient is fine


class Login(ReplayAction):
    do: Literal["login"]
    wrong_password: bool = False

    @model_validator(mode="after")
    def _wrong_password_is_refused(self) -> Login:
        if self.wrong_password and self.outcome == "ok":
            raise ValueError("login with the wrong password cannot have outcome ok")
        return self


class ChooseOrganisation(ReplayAction):
    do: Literal["choose_organisation"]
    by: Literal["locality", "code", "first"] = "locality"
    code: str | None = None

    @model_validator(mode="after")
    def _code_when_by_code(self) -> ChooseOrganisation:
        if (self.by == "code") != (self.code is not None):
            raise ValueError("give code exactly when by: code")
        return self


class Draft(ReplayAction):
    do: Literal["draft"]
    reason: str = DEFAULT_REASON


class Sign(ReplayAction):
    do: Literal["sign"]
    key: KeyKind | None = Field(None, description="override the recipient's key kind")


class Submit(ReplayAction):
    do: Literal["submit"]


class WaitResult(ReplayAction):
    do: Literal["wait_result"]
    timeout_seconds: float = Field(60.0, gt=0, le=3600)


class WorkstationLogin(ReplayAction):
    do: Literal["workstation_login"]


class ChooseService(ReplayAction):
    do: Literal["choose_service"]


class Lookup(ReplayAction):
    do: Literal["lookup"]


class WorkstationDraft(ReplayAction):
    do: Literal["workstation_draft"]
    reason: str = DEFAULT_REASON


class WorkstationSign(ReplayAction):
    do: Literal["workstation_sign"]


class WorkstationRegister(ReplayAction):
    do: Literal["workstation_register"]


Action = Annotated[
    Register
    | Login
    | ChooseOrganisation
    | Draft
    | Sign
    | Submit
    | WaitResult
    | WorkstationLogin
    | ChooseService
    | Lookup
    | WorkstationDraft
    | WorkstationSign
    | WorkstationRegister
    | H3Draft
    | RequestOtp
    | ReadOtp
    | ConfirmOtp
    | H1Attach
    | H3WorkstationLogin
    | H3ChooseService
    | H3Lookup
    | H3WorkstationDraft
    | H3WorkstationSign
    | H3WorkstationRegister
    | H3IssueCard
    | H3Refuse
    | ChooseSlot
    | H2Draft
    | SlotBookedElsewhere
    | CancelAppointment
    | WorkstationH2Book,
    Field(discriminator="do"),
]

#: Which actions each action needs earlier in the same scenario (setup included).
_NEEDS: dict[str, tuple[str, ...]] = {
    "choose_organisation": ("login",),
    "draft": ("login",),
    "sign": ("draft",),
    "submit": ("sign",),
    "wait_result": ("submit",),
    "choose_service": ("workstation_login",),
    "lookup": ("workstation_login",),
    "workstation_draft": ("workstation_login",),
    "workstation_sign": ("workstation_draft",),
    "workstation_register": ("workstation_sign",),
}
_PORTAL_ACTIONS = {"register", "login", "choose_organisation", "draft", "sign", "submit", "wait_result"}
_PORTAL_ACTIONS |= H3_ACTION_NAMES  # H3: the draft with files, the one-time password
_NEEDS.update(H3_NEEDS)
PROVIDER_ACTIONS = {
    "workstation_login",
    "choose_service",
    "lookup",
    "workstation_draft",
    "workstation_sign",
    "workstation_register",
}
PROVIDER_ACTIONS |= H3_PROVIDER_ACTION_NAMES  # H3 at the workstation (steps 1–8)
_NEEDS.update(H3_PROVIDER_NEEDS)
_PORTAL_ACTIONS |= H2_PORTAL_ACTIONS  # H2: the doctor's free time, the draft, the cancellation
PROVIDER_ACTIONS |= H2_PROVIDER_ACTIONS  # H2 at the registry desk (steps 1–2)
_NEEDS.update(H2_NEEDS)
_PROVIDES = {**H3_PROVIDES, **H2_PROVIDES}


# --- expectations --------------------------------------------------------------------------------


class StepRef(StrictModel):
    id: str
    system: str | None = None


class JournalExpectation(StrictModel):
    service: str
    type: Literal["REQUEST", "UPDATE", "NOTIFICATION", "RESPONSE"] | None = None
    direction: Literal["inbound", "forwarded", "reply_inbound", "reply_outbound", "rejected"] | None = None
    sender: str | None = None
    recipient: str | None = None
    status: str | None = None

    def as_expected(self) -> ExpectedMessage:
        return ExpectedMessage(
            service=self.service,
            message_type=self.type,
            direction=self.direction,
            sender=self.sender,
            recipient=self.recipient,
            status=self.status,
        )


class Expect(StrictModel):
    steps: list[StepRef] = Field(min_length=1)
    status: list[str] = Field(default_factory=list, description="final application status (any of)")
    result: Literal["talon", "refusal", "card", "appointment", "none"] | None = None
    journal: list[JournalExpectation] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list, description="ШЭП services that must not be called")
    allowed_rejections: list[JournalExpectation] = Field(default_factory=list)
    timeout_seconds: float = Field(60.0, gt=0, le=3600, description="how long to wait for the spans")
    application: dict[str, str] = Field(
        default_factory=dict,
        description="the application as the portal's API shows it at the end: a dotted path "
        "(details.registeredFor, refusal.code) → its value (moments compare as moments)",
    )

    @field_validator("steps", mode="before")
    @classmethod
    def _plain_ids(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"id": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _one_status(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]

    @property
    def terminal_step(self) -> str:
        return self.steps[-1].id


class Scenario(StrictModel):
    id: str
    title: Titles
    regulation: str
    channel: Channel
    actors: Actors
    setup: list[Action] = Field(default_factory=list)
    actions: list[Action] = Field(min_length=1)
    expect: Expect

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("a scenario id is lowercase letters, digits and underscores")
        return value

    @field_validator("actors")
    @classmethod
    def _known_people(cls, actors: Actors) -> Actors:
        known = test_person_archetypes()
        if known is not None:
            for archetype in (actors.recipient.archetype, actors.recipient.signer_archetype):
                if archetype not in known:
                    raise ValueError(f"unknown test person archetype {archetype!r}; known: {sorted(known)}")
        return actors

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        done: set[str] = set()
        allowed = _PORTAL_ACTIONS if self.channel == "portal" else PROVIDER_ACTIONS
        for action in [*self.setup, *self.actions]:
            if self.channel == "provider" and action.do in _PORTAL_ACTIONS:
                allowed = allowed | _PORTAL_ACTIONS  # a provider scenario may prepare through the portal
            if action.do not in allowed:
                raise ValueError(f"action {action.do} does not belong to the {self.channel} channel")
            missing = [need for need in _NEEDS.get(action.do, ()) if need not in done]
            if missing:
                raise ValueError(f"action {action.do} needs {', '.join(missing)} before it")
            done.update((action.do, *_PROVIDES.get(action.do, ())))
        if (
            any(a.do in PROVIDER_ACTIONS for a in [*self.setup, *self.actions])
            and self.actors.employee is None
        ):
            raise ValueError("workstation actions need actors.employee")
        return self


class ScenarioError(ValueError):
    """A scenario file that cannot be read or does not validate."""


def test_person_archetypes() -> set[str] | None:
    """The documented archetypes (None when gbd-fl-mock is not installed)."""
    try:
        from gbd_fl_mock.domain.test_persons import TEST_PERSONS_BY_ARCHETYPE
    except ImportError:  # pragma: no cover - gbd-fl-mock is a dependency of the CLI
        return None
    return set(TEST_PERSONS_BY_ARCHETYPE)


def load_scenario(path: Path) -> Scenario:
    try:
        data = strict_yaml.load(path.read_text(encoding="utf-8"))  # a repeated key is an error
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a YAML mapping")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    if scenario.id != path.stem:
        raise ScenarioError(f"{path}: id {scenario.id!r} differs from the file name {path.stem!r}")
    return scenario


def default_scenario_dir() -> Path:
    """``tests/scenarios`` of the checkout (``EGOV_SCENARIOS`` overrides)."""
    import os

    if os.environ.get("EGOV_SCENARIOS"):
        return Path(os.environ["EGOV_SCENARIOS"])
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "tests" / "scenarios").is_dir() and (parent / "kit").is_dir():
            return parent / "tests" / "scenarios"
    return Path.cwd() / "tests" / "scenarios"


def scenario_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or default_scenario_dir()).glob("*.yaml"))


def find_scenario(name: str, directory: Path | None = None) -> Path:
    """A scenario by id (``h1_portal_success``) or by path."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    path = (directory or default_scenario_dir()) / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in scenario_files(directory)) or "none"
        raise ScenarioError(f"no scenario {name!r} (known: {known})")
    return path


# --- the regulation side -------------------------------------------------------------------------


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return getattr(obj, name, default)


def channel_steps(regulation: Any, channel: str) -> list[Any]:
    """The ordered steps of a regulation's channel (``egov_kit.regulations``)."""
    holder = regulation.channel(channel)
    steps = _get(holder, "steps")
    if steps is None:
        raise ScenarioError(f"regulation channel {channel!r} lists no steps")
    return list(steps.values() if isinstance(steps, dict) else steps)


def _norm_text(step: Any) -> str:
    method = _get(step, "norm_text")
    if callable(method):
        try:
            own = str(method("en") or "")
        except (TypeError, KeyError, ValueError):
            return ""
        return own or _cited_norms(step)
    norm = _get(step, "norm")
    return "" if norm is None else str(norm)


def _cited_norms(step: Any) -> str:
    """A step without a norm of its own: the norms cited on it (H2: the whole 30 minutes, 001 §9)."""
    texts = []
    for cited in _get(step, "other_norms", ()) or ():
        text = cited.text("en") if callable(_get(cited, "text")) else ""
        if text:
            texts.append(f"≤ {text} in total ({str(_get(cited, 'seed_ref', '')).split(' (')[0]})")
    return "; ".join(texts)


_SECONDS = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "min": 60, "minute": 60, "minutes": 60}


def norm_seconds(step: Any) -> float | None:
    """An upper bound in seconds when the step's norm is in seconds or minutes; None otherwise.

    Reads a structured norm (``max_seconds``, or ``max`` with ``unit``) when the regulation has one,
    else the English norm text ("30 s – 1 min", "1.5 minutes"); working days give None.
    """
    norm = _get(step, "norm")
    max_duration = _get(norm, "max_duration")
    if callable(max_duration):  # egov_kit.regulations.Norm: None for working days
        limit = max_duration()
        return None if limit is None else float(limit.total_seconds())
    for name in ("max_seconds", "seconds"):
        value = _get(norm, name)
        if isinstance(value, int | float):
            return float(value)
    maximum, unit = _get(norm, "max"), _get(norm, "unit")
    if isinstance(maximum, int | float) and isinstance(unit, str) and unit.lower() in _SECONDS:
        return float(maximum) * _SECONDS[unit.lower()]
    text = _norm_text(step).lower()
    if not text or "day" in text or "hour" in text:
        return None
    found = re.findall(r"(\d+(?:[.,]\d+)?)\s*(seconds?|sec|s|minutes?|min)\b", text)
    if not found:
        return None
    return max(float(number.replace(",", ".")) * _SECONDS[unit] for number, unit in found)


def expected_step(step: Any, *, system: str | None = None) -> ExpectedStep:
    return ExpectedStep(
        id=str(step.id),
        system=system or str(_get(step, "system") or ""),
        title_en=str(_get(step, "title_en") or ""),
        title_ru=str(_get(step, "title_ru") or ""),
        title_kk=str(_get(step, "title_kk") or ""),
        norm=_norm_text(step),
        norm_seconds=norm_seconds(step),
    )


def load_regulation_for(scenario: Scenario) -> Any:
    from egov_kit.regulations import load_regulation  # type: ignore[import-not-found,unused-ignore]

    return load_regulation(scenario.regulation)


def problems_against(scenario: Scenario, regulation: Any) -> list[str]:
    """What in the scenario disagrees with the regulation: unknown channel or step, impossible path."""
    try:
        holder = regulation.channel(scenario.channel)
        steps = {str(step.id): step for step in channel_steps(regulation, scenario.channel)}
    except (KeyError, LookupError, ValueError) as exc:
        return [f"regulation {scenario.regulation} has no channel {scenario.channel!r}: {exc}"]
    problems: list[str] = []
    for ref in scenario.expect.steps:
        if ref.id not in steps:
            problems.append(
                f"step {ref.id!r} is not in {scenario.regulation}/{scenario.channel} "
                f"(known: {', '.join(steps)})"
            )
        elif not (ref.system or _get(steps[ref.id], "system")):
            problems.append(f"step {ref.id!r} names no system in the regulation; give one in the scenario")
    if problems:
        return problems
    try:  # the diagram's own check (egov_kit.regulations: RegulationPathInvalid)
        holder.path(*scenario.expect.step_ids)
    except (LookupError, ValueError) as exc:
        problems.append(str(exc))
    return problems


def end_steps(regulation: Any, channel: str) -> list[str]:
    """Steps that end the channel's diagram (a refusal or the result): no successors."""
    holder = regulation.channel(channel)
    return [str(step.id) for step in channel_steps(regulation, channel) if not holder.successors(step.id)]


def expectation_for(scenario: Scenario, regulation: Any | None) -> Expectation:
    """The scenario's expectation, with titles, systems and norms from the regulation when given."""
    steps_by_id: dict[str, Any] = {}
    if regulation is not None:
        steps_by_id = {str(step.id): step for step in channel_steps(regulation, scenario.channel)}
    expected: list[ExpectedStep] = []
    for ref in scenario.expect.steps:
        step = steps_by_id.get(ref.id)
        if step is None:
            expected.append(ExpectedStep(id=ref.id, system=ref.system or "", title_en=ref.id))
        else:
            expected.append(expected_step(step, system=ref.system))
    return Expectation(
        regulation=scenario.regulation,
        channel=scenario.channel,
        steps=tuple(expected),
        journal=tuple(item.as_expected() for item in scenario.expect.journal),
        absent_services=tuple(scenario.expect.absent),
        allowed_rejections=tuple(item.as_expected() for item in scenario.expect.allowed_rejections),
        status=tuple(scenario.expect.status),
        result=scenario.expect.result,
        application=dict(scenario.expect.application),
    )
