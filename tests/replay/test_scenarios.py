"""The scenario files: each validates, names known test persons, and is a path of its regulation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from egov_cli.replay.scenario import (
    Scenario,
    ScenarioError,
    end_steps,
    expectation_for,
    find_scenario,
    load_scenario,
    norm_seconds,
    problems_against,
    scenario_files,
)
from gbd_fl_mock.domain.test_persons import TEST_PERSONS_BY_ARCHETYPE

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(SCENARIOS.glob("*.yaml"))

regulations = pytest.importorskip("egov_kit.regulations")


def _regulation(scenario: Scenario) -> Any:
    return regulations.load_regulation(scenario.regulation)


def test_the_scenario_folder_is_found() -> None:
    assert FILES, "tests/scenarios holds no scenario"
    assert scenario_files() == FILES
    assert {path.stem for path in FILES} >= {
        "h1_portal_success",
        "h1_portal_authorisation_refused",
        "h1_portal_certificate_expired",
        "h1_portal_certificate_revoked",
        "h1_portal_iin_mismatch",
        "h1_portal_refused_already_attached",
        "h1_provider_success",
        "h1_provider_absent_from_gbdfl",
    }


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_scenario_file_is_valid(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.id == path.stem
    assert scenario.actors.recipient.archetype in TEST_PERSONS_BY_ARCHETYPE
    assert scenario.actors.recipient.signer_archetype in TEST_PERSONS_BY_ARCHETYPE
    for lang in ("ru", "kk", "en"):
        assert getattr(scenario.title, lang).strip()


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_scenario_is_a_path_of_its_regulation(path: Path) -> None:
    scenario = load_scenario(path)
    regulation = _regulation(scenario)
    assert problems_against(scenario, regulation) == []
    channel = regulation.channel(scenario.channel)
    known = {step.id for step in channel.steps}
    assert set(scenario.expect.step_ids) <= known
    # every scenario runs to an end of the diagram: a refusal or the result
    assert scenario.expect.terminal_step in end_steps(regulation, scenario.channel)
    expectation = expectation_for(scenario, regulation)
    for expected, step_id in zip(expectation.steps, scenario.expect.step_ids, strict=True):
        step = channel.step(step_id)
        assert (expected.id, expected.system, expected.title_ru) == (step.id, step.system, step.title_ru)


def test_every_portal_path_of_h1_has_a_scenario() -> None:
    regulation = regulations.load_regulation("H1")
    covered = {
        tuple(scenario.expect.step_ids)
        for scenario in (load_scenario(path) for path in FILES)
        if scenario.regulation == "H1" and scenario.channel == "portal"
    }
    paths = {tuple(step.id for step in path) for path in regulation.channel("portal").paths()}
    assert paths <= covered, f"portal paths without a scenario: {sorted(paths - covered)}"


def test_norms_in_seconds_and_minutes_become_limits() -> None:
    regulation = regulations.load_regulation("H1")
    portal = regulation.channel("portal")
    assert norm_seconds(portal.step("process 1")) == 60
    assert norm_seconds(portal.step("process 3")) == 90
    assert norm_seconds(portal.step("process 8")) is None  # one working day: reported only
    assert norm_seconds(portal.step("condition 1")) is None


def _base() -> dict[str, Any]:
    return yaml.safe_load((SCENARIOS / "h1_portal_success.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = tmp_path / f"{name or data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["actors"]["recipient"].update(archetype="nobody"), "unknown test person archetype"),
        (lambda d: d["actors"]["recipient"].update(key="stolen"), "key"),
        (lambda d: d["actions"].insert(0, {"do": "sign"}), "sign needs draft"),
        (lambda d: d["actions"].append({"do": "teleport"}), "teleport"),
        (lambda d: d["actions"].append({"do": "lookup"}), "does not belong to the portal channel"),
        (lambda d: d.update(channel="fax"), "channel"),
        (lambda d: d["expect"].update(steps=[]), "steps"),
        (lambda d: d.update(surprise=1), "surprise"),
        (lambda d: d["title"].pop("kk"), "kk"),
        (lambda d: d["actions"][0].update(wrong_password=True), "wrong password cannot have outcome ok"),
        (lambda d: d["actions"][1].update(by="code", code=None), "code exactly when by: code"),
        (lambda d: d["actors"]["recipient"].update(key_holder="adult_vko"), "key_holder"),
    ],
)
def test_invalid_scenarios_are_refused_with_a_reason(tmp_path: Path, change: Any, message: str) -> None:
    data = _base()
    change(data)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(_write(tmp_path, data))
    assert message in str(raised.value)


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="differs from the file name"):
        load_scenario(_write(tmp_path, _base(), name="another_name"))


def test_steps_the_regulation_does_not_have_or_allow(tmp_path: Path) -> None:
    regulation = regulations.load_regulation("H1")
    data = _base()
    data["expect"]["steps"] = ["process 1", "condition 1", "process 9"]
    problems = problems_against(load_scenario(_write(tmp_path, data)), regulation)
    assert problems and "process 9" in problems[0]
    data["expect"]["steps"] = ["process 1", "condition 1", "process 5"]
    problems = problems_against(load_scenario(_write(tmp_path, data)), regulation)
    assert problems and "cannot follow" in problems[0]


def test_find_scenario_by_id_or_path(tmp_path: Path) -> None:
    assert find_scenario("h1_portal_success") == SCENARIOS / "h1_portal_success.yaml"
    assert find_scenario(str(SCENARIOS / "h1_portal_success.yaml")).name == "h1_portal_success.yaml"
    with pytest.raises(ScenarioError, match="no scenario 'nope'"):
        find_scenario("nope")
