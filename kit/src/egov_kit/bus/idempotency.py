"""Which messages a consumer has already handled, so a redelivered or duplicated one runs once.

:class:`IdempotencyStore` is what :func:`egov_kit.bus.consumer.consume` needs: ``seen`` before the
handler, ``mark`` after it. :class:`SqlIdempotencyStore` keeps the ``processed_message`` table
(``consumer``, ``message_id``, ``processed_at``; the pair is the primary key, i.e. unique), and
:meth:`SqlIdempotencyStore.mark_in` lets a handler record the message inside its own transaction so
the work and the mark commit together (exactly-once effect on that database). A handler that does
not use it gets at-least-once: a crash between its commit and ``mark`` runs it again on redelivery.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import DateTime, delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from egov_kit import clock
from egov_kit.db import create_tables, session_scope


@runtime_checkable
class IdempotencyStore(Protocol):
    async def seen(self, message_id: str) -> bool:
        """True when ``message_id`` was already handled by this consumer."""
        ...

    async def mark(self, message_id: str) -> None:
        """Record ``message_id`` as handled; marking twice is harmless."""
        ...


class MemoryIdempotencyStore:
    """Process-local store (unit tests, throwaway consumers)."""

    def __init__(self) -> None:
        self._handled: set[str] = set()

    async def seen(self, message_id: str) -> bool:
        return message_id in self._handled

    async def mark(self, message_id: str) -> None:
        self._handled.add(message_id)

    def __len__(self) -> int:
        return len(self._handled)


class ProcessedMessage(SQLModel, table=True):
    """One message a consumer has handled."""

    __tablename__ = "processed_message"

    consumer: str = Field(primary_key=True, max_length=200)
    message_id: str = Field(primary_key=True, max_length=200)
    processed_at: datetime = Field(default_factory=clock.now, sa_type=DateTime(timezone=True))


class SqlIdempotencyStore:
    """``processed_message`` rows of one named consumer; the engine's calls run in a worker thread."""

    def __init__(self, engine: Engine, consumer_name: str, *, create_table: bool = True) -> None:
        self.engine = engine
        self.consumer_name = consumer_name
        if create_table:
            create_tables(engine, ProcessedMessage)

    async def seen(self, message_id: str) -> bool:
        return await asyncio.to_thread(self._seen, message_id)

    def _seen(self, message_id: str) -> bool:
        with Session(self.engine) as session:
            return session.get(ProcessedMessage, (self.consumer_name, message_id)) is not None

    async def mark(self, message_id: str) -> None:
        await asyncio.to_thread(self._mark, message_id)

    def _mark(self, message_id: str) -> None:
        try:
            with session_scope(self.engine) as session:
                self.mark_in(session, message_id)
        except IntegrityError:
            pass  # already marked (by the handler's own transaction or a concurrent duplicate)

    def mark_in(self, session: Session, message_id: str) -> None:
        """Mark ``message_id`` inside the caller's transaction (commit is the caller's).

        If the message was already marked, the caller's commit fails with ``IntegrityError`` and
        rolls its work back: a concurrent duplicate cannot apply the same work twice.
        """
        if session.get(ProcessedMessage, (self.consumer_name, message_id)) is None:
            session.add(ProcessedMessage(consumer=self.consumer_name, message_id=message_id))

    async def purge(self, older_than: datetime) -> int:
        """Forget marks older than ``older_than`` (retention); returns how many were removed."""
        return await asyncio.to_thread(self._purge, older_than)

    def _purge(self, older_than: datetime) -> int:
        with session_scope(self.engine) as session:
            result = session.execute(
                delete(ProcessedMessage).where(
                    ProcessedMessage.consumer == self.consumer_name,  # type: ignore[arg-type]
                    ProcessedMessage.processed_at < older_than,  # type: ignore[arg-type]
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def handled_ids(self) -> list[str]:
        """Every message id marked for this consumer (diagnostics, tests)."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(ProcessedMessage.message_id).where(ProcessedMessage.consumer == self.consumer_name)
            )
            return list(rows)
