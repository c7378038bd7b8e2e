"""Unit of work over one SQL session: commits when the block succeeds, rolls back when it raises.

A service subclasses :class:`SqlUnitOfWork` and declares its repositories with :func:`repository`;
each is built over the block's session the first time it is used::

    class UnitOfWork(egov_kit.uow.UnitOfWork, Protocol):
        @property
        def persons(self) -> PersonRepository: ...

    class SqlUnitOfWork(egov_kit.uow.SqlUnitOfWork):
        persons = repository(SqlPersonRepository)

    with SqlUnitOfWork(engine) as uow:
        uow.persons.add(person)

The session follows :func:`egov_kit.db.session_scope`: objects stay usable after the commit
(``expire_on_commit=False``) and any error rolls back before it propagates.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar, cast, overload

from sqlalchemy.engine import Engine
from sqlmodel import Session

from egov_kit.db import session_scope

R = TypeVar("R")


class UnitOfWork(Protocol):
    """What service layers rely on; a service's protocol adds its repositories as properties."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class SqlUnitOfWork:
    """One :func:`~egov_kit.db.session_scope` per ``with`` block; repositories attach to it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._scope: AbstractContextManager[Session] | None = None
        self._session: Session | None = None
        self._repositories: dict[str, Any] = {}

    @classmethod
    def factory(cls, engine: Engine) -> Callable[[], Self]:
        """A new unit of work over ``engine`` per call (what service layers are given)."""
        return lambda: cls(engine)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError(f"{type(self).__name__} is used outside its `with` block")
        return self._session

    def __enter__(self) -> Self:
        if self._scope is not None:
            raise RuntimeError(f"{type(self).__name__} is already in a `with` block")
        scope = session_scope(self._engine)
        self._session = scope.__enter__()
        self._scope = scope
        self._repositories = {}
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        scope, self._scope = self._scope, None
        try:
            if scope is not None:
                scope.__exit__(exc_type, exc, tb)
        finally:
            self._session = None
            self._repositories = {}

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def _repository(self, name: str, build: Callable[[Session], R]) -> R:
        if name not in self._repositories:
            self._repositories[name] = build(self.session)
        return cast(R, self._repositories[name])


class repository(Generic[R]):  # lower case: used like ``property``
    """A repository attribute of a :class:`SqlUnitOfWork`, built from the block's session."""

    def __init__(self, build: Callable[[Session], R]) -> None:
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> Self: ...

    @overload
    def __get__(self, instance: SqlUnitOfWork, owner: type[Any] | None = None) -> R: ...

    def __get__(self, instance: SqlUnitOfWork | None, owner: type[Any] | None = None) -> R | Self:
        if instance is None:
            return self
        return instance._repository(self._name, self._build)
