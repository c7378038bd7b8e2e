"""The quality survey of seed 002 appendix 3 on the portal: offer, answer once, summarise.

The questions and the scale are data (``services/surveys/quality.yaml`` through
:func:`egov_kit.survey.load_survey`). Applications are read through the unit of work (the portal's
own repository); the answers live in ``portal_survey_answer``, one row per application. Answering is
no numbered step of the regulation; it is a portal span (``survey answer …``) in the application's
trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from egov_kit.clock import now
from egov_kit.survey import Survey, load_survey
from sqlalchemy.exc import IntegrityError

from egov_portal.domain.model import Application, User
from egov_portal.domain.survey import (
    ServiceSummary,
    SurveyAnswer,
    already_answered,
    invalid_answer,
    may_answer,
    not_available,
    summarise,
)
from egov_portal.service_layer.applications import application_of
from egov_portal.service_layer.tracing import continued, parent_carrier, portal_span
from egov_portal.service_layer.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class SurveyState:
    """What the application page shows: the survey, whether it may be answered, the answer given."""

    survey: Survey
    application: Application
    available: bool
    answer: SurveyAnswer | None

    @property
    def offered(self) -> bool:
        return self.available and self.answer is None


class Surveys:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        services: Callable[[], Sequence[str]],
        survey: Callable[[], Survey] = load_survey,
    ) -> None:
        self.uow = uow
        self._services = services
        self._survey = survey

    @property
    def survey(self) -> Survey:
        return self._survey()

    def state_of(self, application: Application) -> SurveyState:
        """For an application already known to be the viewer's (the cabinet and application pages)."""
        with self.uow() as unit:
            answer = unit.surveys.get(application.application_id)
        return SurveyState(self.survey, application, may_answer(application), answer)

    def state(self, user: User, application_id: str) -> SurveyState:
        return self.state_of(application_of(self.uow, user, application_id))

    def answer(
        self,
        user: User,
        application_id: str,
        answers: Mapping[str, object],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> SurveyAnswer:
        """Record the owner's answers once, after the provider's result; named errors otherwise."""
        application = application_of(self.uow, user, application_id)
        survey = self.survey
        with (
            continued(parent_carrier(headers, application.traceparent)),
            portal_span(
                f"survey answer ({survey.seed_ref})",
                service_id=application.service_id,
                application=application.application_id,
                attributes={"egov.survey.id": survey.id},
            ) as current,
        ):
            if not may_answer(application):
                raise not_available()
            try:
                checked = survey.check_answers(answers)
            except ValueError as exc:
                raise invalid_answer(survey, str(exc)) from None
            answer = SurveyAnswer(application.application_id, application.service_id, checked, now())
            try:
                with self.uow() as unit:
                    if unit.surveys.get(application.application_id) is not None:
                        raise already_answered()
                    unit.surveys.add(answer)
            except IntegrityError:  # a concurrent answer won the primary key
                raise already_answered() from None
            for question_id, value in checked.items():
                current.set_attribute(f"egov.survey.{question_id}", value)
            return answer

    def summary(self) -> list[ServiceSummary]:
        """Per service of the portal (and any other answered one): count, distribution, averages."""
        with self.uow() as unit:
            answers = unit.surveys.all()
        return summarise(self.survey, self._services(), answers)
