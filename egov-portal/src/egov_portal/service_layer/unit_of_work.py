"""Unit of work of the portal: the kit's SQL unit of work with users, sessions, applications, the
survey answers and the registration-number look-up of «1414»."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from egov_kit import uow
from sqlalchemy.engine import Engine

from egov_portal.adapters.repository import (
    ApplicationRepository,
    SessionRepository,
    SqlApplicationRepository,
    SqlSessionRepository,
    SqlUserRepository,
    UserRepository,
)
from egov_portal.adapters.status_repository import ApplicationNumbers, SqlApplicationNumbers
from egov_portal.adapters.survey_repository import SqlSurveyRepository, SurveyRepository


class UnitOfWork(uow.UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def applications(self) -> ApplicationRepository: ...

    @property
    def surveys(self) -> SurveyRepository: ...

    @property
    def numbers(self) -> ApplicationNumbers: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork(uow.SqlUnitOfWork):
    users = uow.repository(SqlUserRepository)
    sessions = uow.repository(SqlSessionRepository)
    applications = uow.repository(SqlApplicationRepository)
    surveys = uow.repository(SqlSurveyRepository)
    numbers = uow.repository(SqlApplicationNumbers)


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    return SqlUnitOfWork.factory(engine)
