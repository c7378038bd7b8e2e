"""The quality survey of seed 002 appendix 3: who may answer, the named refusals, the summary.

An application may be surveyed once its provider answered with a result document (the talon, the
appointment, the card, or the provider's motivated refusal: status ``done`` or ``refused`` with a
result), only by its owner, and only once. The questions and the scale are data
(``services/surveys/quality.yaml``, :mod:`egov_kit.survey`); nothing here names a question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from egov_kit.survey import Survey

from egov_portal.domain.errors import FormInvalid, PortalError
from egov_portal.domain.model import Application, ApplicationStatus


@dataclass(frozen=True)
class SurveyAnswer:
    """One application's answers (question id → scale value). No personal data: the owner is the
    application's; the answer itself names only the application and its service."""

    application_id: str
    service_id: str
    answers: dict[str, int]
    answered_at: datetime


class SurveyNotAvailable(PortalError):
    """The application has no provider's result yet (or ended before the provider: process 4)."""

    code = "SURVEY_NOT_AVAILABLE"
    http_status = 409


class SurveyAlreadyAnswered(PortalError):
    code = "SURVEY_ALREADY_ANSWERED"
    http_status = 409


class SurveyAnswerInvalid(FormInvalid):
    code = "SURVEY_ANSWER_INVALID"


def may_answer(application: Application) -> bool:
    """Whether the provider's result arrived: done, or refused by the provider (not at condition 2)."""
    return application.result is not None and application.status in (
        ApplicationStatus.DONE,
        ApplicationStatus.REFUSED,
    )


def not_available() -> SurveyNotAvailable:
    return SurveyNotAvailable(
        "Анкета доступна после получения результата услуги (или мотивированного отказа услугодателя)",
        "Сауалнама қызмет нәтижесін (немесе қызмет берушінің дәлелді бас тартуын) алғаннан кейін қолжетімді",
    )


def already_answered() -> SurveyAlreadyAnswered:
    return SurveyAlreadyAnswered(
        "На анкету по этому заявлению уже ответили: ответ даётся один раз",
        "Осы өтініш бойынша сауалнамаға жауап берілген: жауап бір рет беріледі",
    )


def invalid_answer(survey: Survey, question_id: str) -> SurveyAnswerInvalid:
    number = survey.question_ids.index(question_id) + 1
    ru = ", ".join(f"{p.value} — {p.ru}" for p in survey.scale)
    kk = ", ".join(f"{p.value} — {p.kk}" for p in survey.scale)
    return SurveyAnswerInvalid(
        f"Ответьте на вопрос {number} одним из вариантов: {ru}",
        f"{number}-сұраққа нұсқалардың бірімен жауап беріңіз: {kk}",
        field=question_id,
    )


# --- the summary ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionSummary:
    question_id: str
    distribution: dict[int, int]  # scale value → how many answered it
    average: float | None


@dataclass(frozen=True)
class ServiceSummary:
    service_id: str
    count: int
    questions: tuple[QuestionSummary, ...]
    average: float | None  # over every answer to every question


def _average(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


def summarise(
    survey: Survey, service_ids: Sequence[str], answers: Iterable[SurveyAnswer]
) -> list[ServiceSummary]:
    """Per service (those of ``service_ids`` first, in that order, then any other answered one):
    how many answered, the distribution over the scale per question, the averages."""
    by_service: dict[str, list[SurveyAnswer]] = {service_id: [] for service_id in service_ids}
    for answer in answers:
        by_service.setdefault(answer.service_id, []).append(answer)
    summaries = []
    for service_id, given in by_service.items():
        questions = []
        grand_total = grand_count = 0
        for question_id in survey.question_ids:
            values = [a.answers[question_id] for a in given if question_id in a.answers]
            distribution = {value: values.count(value) for value in survey.scale_values}
            questions.append(QuestionSummary(question_id, distribution, _average(sum(values), len(values))))
            grand_total += sum(values)
            grand_count += len(values)
        summaries.append(
            ServiceSummary(service_id, len(given), tuple(questions), _average(grand_total, grand_count))
        )
    return summaries
