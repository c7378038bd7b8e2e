"""Strict validation of `services/*.yaml`: broken copies of H1 are refused, naming file and field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from egov_kit.regulations import (
    SERVICES_DIR_ENV,
    RegulationInvalid,
    check,
    load_all,
    load_file,
    load_regulation,
    services_dir,
)
from egov_kit.regulations.__main__ import main

REAL = Path(__file__).resolve().parents[2] / "services" / "h1_phc_attachment.yaml"
Data = dict[str, Any]


@pytest.fixture(scope="module")
def original() -> Data:
    data = yaml.safe_load(REAL.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(folder: Path, name: str, data: Data) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def portal_step(data: Data, step_id: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = data["channels"]["portal"]["steps"]
    return next(s for s in steps if s["id"] == step_id)


def broken(original: Data, change: Callable[[Data], None]) -> Data:
    data = copy.deepcopy(original)
    change(data)
    return data


def test_an_unchanged_copy_loads_from_the_env_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, original: Data
) -> None:
    write(tmp_path, "h1.yaml", original)
    monkeypatch.setenv(SERVICES_DIR_ENV, str(tmp_path))
    assert services_dir() == tmp_path.resolve()
    assert load_regulation("H1").channel("portal").step("process 6").number == 6
    assert list(load_all()) == ["H1"]


def _set(path: list[Any], value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        node: Any = data
        for key in path[:-1]:
            node = portal_step(data, key) if isinstance(key, str) and key.startswith("process") else node[key]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return change


_DELETE = object()


def _swap_portal_steps(data: Data) -> None:
    steps = data["channels"]["portal"]["steps"]
    steps[3], steps[5] = steps[5], steps[3]  # process 3 <-> process 4


def _duplicate_step(data: Data) -> None:
    steps = data["channels"]["portal"]["steps"]
    steps.insert(1, copy.deepcopy(steps[0]))


def _unreachable(data: Data) -> None:
    condition = next(s for s in data["channels"]["portal"]["steps"] if s["id"] == "condition 1")
    condition["next"][0]["step"] = "process 3"
    condition["next"][1]["step"] = "process 4"


CASES: list[tuple[str, Callable[[Data], None], str]] = [
    (
        "unknown field",
        _set(["process 4", "colour"], "red"),
        "channels.portal.steps[5] (process 4).colour: Extra inputs are not permitted",
    ),
    (
        "missing Kazakh title",
        _set(["process 6", "title_kk"], _DELETE),
        "channels.portal.steps[7] (process 6).title_kk: Field required",
    ),
    (
        "blank Russian title",
        _set(["process 1", "title_ru"], "   "),
        "channels.portal.steps[0] (process 1).title_ru: String should have at least 1 character",
    ),
    (
        "number as a string",
        _set(["process 5", "number"], "5"),
        "channels.portal.steps[6] (process 5).number: Input should be a valid integer",
    ),
    (
        "wrong unit",
        _set(["process 3", "norm", "unit"], "hours"),
        "channels.portal.steps[3] (process 3).norm.unit: Input should be 'seconds', 'minutes'",
    ),
    (
        "min above max",
        _set(["process 1", "norm", "min"], 120),
        "channels.portal.steps[0] (process 1).norm: Value error, min (120) is greater than max (60)",
    ),
    (
        "id and kind disagree",
        _set(["process 2", "kind"], "condition"),
        "channels.portal.steps[2] (process 2): Value error, id 'process 2' does not match kind and number",
    ),
    (
        "branch to a missing step",
        lambda d: portal_step(d, "condition 3")["next"][0].update(step="process 9"),
        "channels.portal.steps[8] (condition 3).next[0].step: 'process 9' is not a step of channel 'portal'",
    ),
    (
        "numbering out of the seed's order",
        _swap_portal_steps,
        "channels.portal.steps[3] (process 4).number: the seed numbers each kind 1, 2, 3… in order;"
        " expected process 3",
    ),
    (
        "duplicate step id",
        _duplicate_step,
        "channels.portal.steps[1] (process 1).id: duplicate step id 'process 1'",
    ),
    (
        "unknown refusal ground",
        _set(["process 7", "grounds"], ["NOT_IN_GBDFL", "TOO_LATE"]),
        "channels.portal.steps[9] (process 7).grounds[1]: 'TOO_LATE' is not in refusal_grounds",
    ),
    (
        "last step without an outcome",
        _set(["process 8", "outcome"], _DELETE),
        "channels.portal.steps[10] (process 8): the last step needs an outcome",
    ),
    (
        "unknown system",
        _set(["process 6", "system"], "arm-rshep"),
        "channels.portal.steps[7] (process 6).system: 'arm-rshep' is not in systems",
    ),
    (
        "unreachable step",
        _unreachable,
        "channels.portal.steps[2] (process 2): not reachable from 'process 1'",
    ),
    (
        "bad message",
        _set(["process 5", "message"], "RPN_Attachment SEND"),
        "channels.portal.steps[6] (process 5).message: String should match pattern",
    ),
    (
        "channel key and id differ",
        lambda d: d["channels"]["portal"].update(id="web"),
        "channels.portal.id: 'web' differs from its key 'portal'",
    ),
    (
        "outcome with branches",
        _set(["process 7", "next"], [{"step": "process 8", "when": {"ru": "да", "kk": "иә"}}]),
        "channels.portal.steps[9] (process 7): Value error, a step with an outcome (refusal) ends",
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_broken_copy_is_refused_naming_file_and_field(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    original: Data,
    name: str,
    change: Callable[[Data], None],
    expected: str,
) -> None:
    path = write(tmp_path, "h1_broken.yaml", broken(original, change))
    monkeypatch.setenv(SERVICES_DIR_ENV, str(tmp_path))
    with pytest.raises(RegulationInvalid) as caught:
        load_all()
    assert caught.value.code == "REGULATION_INVALID"
    assert any(p.startswith(f"{path}: ") and expected in p for p in caught.value.problems), (
        caught.value.problems
    )
    assert str(path) in str(caught.value)


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    text = REAL.read_text(encoding="utf-8").replace(
        "code: RPN_Attachment\n", "code: RPN_Attachment\ncode: X\n", 1
    )
    path = tmp_path / "h1.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegulationInvalid, match="duplicate key 'code'"):
        load_file(path)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- H1\n", encoding="utf-8")
    with pytest.raises(RegulationInvalid, match=r"list.yaml: \(file\): expected a mapping"):
        load_file(path)


def test_two_files_with_the_same_id_are_refused(tmp_path: Path, original: Data) -> None:
    write(tmp_path, "a.yaml", original)
    second = write(tmp_path, "b.yaml", original)
    report = check(tmp_path)
    assert not report.ok
    assert report.problems == [f"{second}: id: 'H1' is already defined in {tmp_path / 'a.yaml'}"]


def test_check_reports_every_file(tmp_path: Path, original: Data, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "h1.yaml", original)
    write(tmp_path, "h9.yaml", broken(original, lambda d: d.update(id="H9", colour="red")))
    (tmp_path / "_draft.yaml").write_text("not: [valid", encoding="utf-8")  # ignored: starts with _
    (tmp_path / "README.md").write_text("# not a regulation\n", encoding="utf-8")
    report = check(tmp_path)
    assert list(report.regulations) == ["H1"]
    assert report.problems == [f"{tmp_path / 'h9.yaml'}: colour: Extra inputs are not permitted"]

    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "ok   H1 RPN_Attachment [h1.yaml]: portal (11 steps), provider (8 steps)" in out
    assert "FAIL " in out and "1 regulation valid, 1 problem(s)" in out


def test_the_real_services_folder_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert "problem(s)" in capsys.readouterr().out
    assert main(["steps", "H1", "--channel", "portal", "--lang", "ru"]) == 0
    out = capsys.readouterr().out
    assert "process 6" in out and "RPN_Attachment UPDATE" in out and "1 рабочий день" in out
