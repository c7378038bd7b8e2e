"""Unit of work of ЕНИС: the kit's SQL unit of work with the powers-of-attorney repository."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from egov_kit import uow
from sqlalchemy.engine import Engine

from enis_mock.adapters.repository import PowerOfAttorneyRepository, SqlPowerOfAttorneyRepository


class UnitOfWork(uow.UnitOfWork, Protocol):
    @property
    def powers(self) -> PowerOfAttorneyRepository: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork(uow.SqlUnitOfWork):
    powers = uow.repository(SqlPowerOfAttorneyRepository)


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    return SqlUnitOfWork.factory(engine)
