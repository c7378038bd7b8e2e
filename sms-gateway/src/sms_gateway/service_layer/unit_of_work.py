"""Unit of work of the SMS gateway: the kit's SQL unit of work with the two repositories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from egov_kit import uow
from sqlalchemy.engine import Engine

from sms_gateway.adapters.repository import (
    MessageRepository,
    ReplyRepository,
    SqlMessageRepository,
    SqlReplyRepository,
)


class UnitOfWork(uow.UnitOfWork, Protocol):
    @property
    def messages(self) -> MessageRepository: ...

    @property
    def replies(self) -> ReplyRepository: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class SqlUnitOfWork(uow.SqlUnitOfWork):
    messages = uow.repository(SqlMessageRepository)
    replies = uow.repository(SqlReplyRepository)


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    return SqlUnitOfWork.factory(engine)
