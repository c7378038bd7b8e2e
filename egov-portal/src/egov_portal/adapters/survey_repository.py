"""The survey answers (seed 002 appendix 3) over one SQL session, used through the portal's unit of work."""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session, select

from egov_portal.adapters.orm import SurveyAnswerRow
from egov_portal.adapters.repository import iso, moment
from egov_portal.domain.survey import SurveyAnswer


class SurveyRepository(Protocol):
    def get(self, application_id: str) -> SurveyAnswer | None: ...
    def add(self, answer: SurveyAnswer) -> None: ...
    def all(self) -> list[SurveyAnswer]: ...


def _answer(row: SurveyAnswerRow) -> SurveyAnswer:
    return SurveyAnswer(
        application_id=row.application_id,
        service_id=row.service_id,
        answers={str(key): int(value) for key, value in row.answers.items()},
        answered_at=moment(row.answered_at),
    )


class SqlSurveyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, application_id: str) -> SurveyAnswer | None:
        row = self.session.get(SurveyAnswerRow, application_id)
        return None if row is None else _answer(row)

    def add(self, answer: SurveyAnswer) -> None:
        """Insert; a second answer for the application fails at commit (the primary key)."""
        self.session.add(
            SurveyAnswerRow(
                application_id=answer.application_id,
                service_id=answer.service_id,
                answers=dict(answer.answers),
                answered_at=iso(answer.answered_at),
            )
        )

    def all(self) -> list[SurveyAnswer]:
        return [_answer(row) for row in self.session.exec(select(SurveyAnswerRow))]
