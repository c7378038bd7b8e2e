"""The survey of seed 002 appendix 3 as data: services/surveys/quality.yaml and its strict loader."""

from __future__ import annotations

from pathlib import Path

import pytest
from egov_kit.regulations import check, regulation_files, services_dir
from egov_kit.survey import SurveyInvalid, load_survey, read_survey, survey_file

GOOD = """
id: quality
seed_ref: "002 appendix 3"
title: {kk: "Сауалнама", ru: "Анкета"}
questions:
  - {id: q1, kk: "Бірінші?", ru: "Первый?"}
  - {id: q2, kk: "Екінші?", ru: "Второй?"}
scale:
  - {value: 1, kk: "жоқ", ru: "нет"}
  - {value: 2, kk: "иә", ru: "да"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "surveys" / "quality.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_survey_file_sits_beside_the_regulations_without_being_one() -> None:
    path = survey_file()
    assert path == services_dir() / "surveys" / "quality.yaml" and path.is_file()
    assert path not in regulation_files()
    assert check().ok  # `python -m egov_kit.regulations check` stays green
    survey = load_survey()
    assert survey.question_ids == ("q1", "q2")
    assert survey.scale_values == (1, 2, 3)
    assert survey.label(2, "kk") == "ішінара қанағаттанамын"


def test_answers_must_cover_every_question_with_a_scale_value() -> None:
    survey = load_survey()
    assert survey.check_answers({"q1": 1, "q2": 3, "extra": 9}) == {"q1": 1, "q2": 3}
    for answers, question in [({"q1": 1}, "q2"), ({"q1": 4, "q2": 1}, "q1"), ({"q1": True, "q2": 1}, "q1")]:
        with pytest.raises(ValueError, match=question):
            survey.check_answers(answers)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    assert read_survey(write(tmp_path, GOOD)).title.ru == "Анкета"
    assert load_survey(directory=tmp_path).question("q2").get("ru") == "Второй?"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("{value: 2, kk", "{value: 3, kk"), "numbered 1, 2, 3"),
        (("{id: q2,", "{id: q1,"), "repeat"),
        (("seed_ref:", "colour: red\nseed_ref:"), "colour"),
        (('ru: "Первый?"', 'ru: " "'), "questions.0.ru"),
        (("id: quality", "id: quality\nid: again"), "duplicate key"),
    ],
)
def test_a_broken_file_is_a_named_error(tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(SurveyInvalid, match=problem) as raised:
        read_survey(path)
    assert raised.value.code == "SURVEY_INVALID"


def test_a_missing_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(SurveyInvalid, match="cannot read"):
        load_survey(directory=tmp_path)
