"""Unit of work of ГБД ФЛ: the kit's SQL unit of work with the persons repository."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from egov_kit import uow
from sqlalchemy.engine import Engine

from gbd_fl_mock.adapters.repository import PersonRepository, SqlPersonRepository


class UnitOfWork(uow.UnitOfWork, Protocol):
    @property
    def persons(self) -> PersonRepository: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork(uow.SqlUnitOfWork):
    persons = uow.repository(SqlPersonRepository)


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    return SqlUnitOfWork.factory(engine)
