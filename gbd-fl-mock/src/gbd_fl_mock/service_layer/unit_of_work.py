"""Unit of work: one session and its repository; commits when the block succeeds."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.engine import Engine
from sqlmodel import Session

from gbd_fl_mock.adapters.repository import PersonRepository, SqlPersonRepository


class UnitOfWork(Protocol):
    @property
    def persons(self) -> PersonRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork:
    persons: SqlPersonRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False)
        self.persons = SqlPersonRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    return lambda: SqlUnitOfWork(engine)
