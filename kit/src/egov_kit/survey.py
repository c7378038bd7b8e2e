"""The quality survey of seed 002 appendix 3 as data: ``services/surveys/quality.yaml``.

Two questions, each answered on one three-point scale (1 «қанағаттанбаймын» … 3 «қанағаттанамын»).
The file lives in a subfolder of ``services/`` because :mod:`egov_kit.regulations` reads every
``*.yaml`` directly in ``services/`` as a regulation; a subfolder is never read by it::

    survey = load_survey()
    survey.question("q1").get("kk")  # the seed's wording
    survey.label(3, "ru")  # "удовлетворён(а)"
    survey.check_answers({"q1": 3, "q2": 2})  # ValueError naming the question otherwise
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from egov_kit import strict_yaml
from egov_kit.errors import KitError
from egov_kit.regulations.loader import services_dir

Lang = Literal["ru", "kk"]
NonBlank = Annotated[str, Field(min_length=1, pattern=r"\S")]
QuestionId = Annotated[str, Field(pattern=r"^q[1-9][0-9]*$")]

SURVEY_FOLDER = "surveys"
DEFAULT_SURVEY = "quality"


class SurveyInvalid(KitError):
    """The survey file is missing or does not validate (our own data: not shown to users)."""

    code = "SURVEY_INVALID"
    exposed = False


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Question(_Model):
    id: QuestionId
    kk: NonBlank
    ru: NonBlank

    def get(self, lang: Lang) -> str:
        return self.kk if lang == "kk" else self.ru


class ScalePoint(_Model):
    value: StrictInt = Field(ge=1)
    kk: NonBlank
    ru: NonBlank

    def get(self, lang: Lang) -> str:
        return self.kk if lang == "kk" else self.ru


class Title(_Model):
    kk: NonBlank
    ru: NonBlank


class Survey(_Model):
    """The survey: its questions in the seed's order and the scale every question is answered on."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    seed_ref: NonBlank
    title: Title
    questions: tuple[Question, ...] = Field(min_length=1)
    scale: tuple[ScalePoint, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> Survey:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question ids repeat: {ids}")
        values = [p.value for p in self.scale]
        if values[0] != 1 or any(b != a + 1 for a, b in pairwise(values)):
            raise ValueError(f"the scale must be numbered 1, 2, 3… in order, got {values}")
        return self

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def scale_values(self) -> tuple[int, ...]:
        return tuple(p.value for p in self.scale)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def label(self, value: int, lang: Lang) -> str:
        for point in self.scale:
            if point.value == value:
                return point.get(lang)
        raise KeyError(value)

    def check_answers(self, answers: Mapping[str, object]) -> dict[str, int]:
        """Every question answered with a value of the scale, nothing else; ``ValueError(question id)``."""
        checked: dict[str, int] = {}
        for question_id in self.question_ids:
            value = answers.get(question_id)
            if isinstance(value, bool) or not isinstance(value, int) or value not in self.scale_values:
                raise ValueError(question_id)
            checked[question_id] = value
        return checked


def survey_file(name: str = DEFAULT_SURVEY, directory: Path | None = None) -> Path:
    """``services/surveys/<name>.yaml`` (``directory`` stands for ``services/``)."""
    return (directory if directory is not None else services_dir()) / SURVEY_FOLDER / f"{name}.yaml"


def read_survey(path: Path) -> Survey:
    """Validate one survey file; :class:`SurveyInvalid` names the file and the problem."""
    try:
        data = strict_yaml.load(path.read_text(encoding="utf-8"))
        return Survey.model_validate(data)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SurveyInvalid(f"{path}: cannot read: {exc}") from exc
    except ValidationError as exc:
        where = [".".join(str(part) for part in e["loc"]) or "(file)" for e in exc.errors()]
        problems = "; ".join(f"{loc}: {e['msg']}" for loc, e in zip(where, exc.errors(), strict=True))
        raise SurveyInvalid(f"{path}: {problems}") from exc


_cache: dict[Path, Survey] = {}
_lock = threading.Lock()


def load_survey(name: str = DEFAULT_SURVEY, directory: Path | None = None) -> Survey:
    """The survey ``name``, validated and cached per file."""
    path = survey_file(name, directory).resolve()
    with _lock:
        found = _cache.get(path)
        if found is None:
            found = _cache[path] = read_survey(path)
    return found
