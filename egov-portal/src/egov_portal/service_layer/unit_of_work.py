"""Unit of work of the portal: the kit's SQL unit of work with users, sessions and applications."""

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


class UnitOfWork(uow.UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def applications(self) -> ApplicationRepository: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork(uow.SqlUnitOfWork):
    users = uow.repository(SqlUserRepository)
    sessions = uow.repository(SqlSessionRepository)
    applications = uow.repository(SqlApplicationRepository)


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    return SqlUnitOfWork.factory(engine)
