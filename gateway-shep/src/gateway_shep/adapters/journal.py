"""The journal repository: append-only, hash-chained, serialised appends.

Appends in one process take a lock per engine, read the chain head and insert the next entry with
``id = head.id + 1`` and ``prev_hash = head.hash``. ``prev_hash`` (and ``hash``) are unique in the
database, so a second writer (another process) that raced for the same head fails to insert and
retries on the new head: the chain never forks. The repository has no update or delete.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from egov_kit import clock
from egov_kit.db import session_scope
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, func, select

from gateway_shep.adapters.tables import JournalEntry, SeenMessage
from gateway_shep.domain.errors import JournalWriteFailed
from gateway_shep.domain.journal import (
    GENESIS_HASH,
    HASHED_FIELDS,
    ChainReport,
    NewJournalEntry,
    compute_entry_hash,
    raw_digest,
    verify_entries,
)

_MAX_ATTEMPTS = 20
_SEARCH_LIMIT_MAX = 1000
_BATCH = 200

_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def _lock_for(engine: Engine) -> threading.Lock:
    with _locks_guard:
        lock = _locks.get(engine)
        if lock is None:
            lock = _locks[engine] = threading.Lock()
        return lock


@dataclass(frozen=True)
class Claim:
    """A messageId seen for the first time (the DUPLICATE_MESSAGE_ID guard)."""

    message_id: str
    sender_id: str


def _now() -> str:
    return clock.now().isoformat()


def entry_fields(entry: JournalEntry) -> dict[str, Any]:
    """The hashed fields plus ``prev_hash`` and ``hash`` of a stored entry (no ``raw``)."""
    fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
    fields["prev_hash"] = entry.prev_hash
    fields["hash"] = entry.hash
    return fields


def entry_to_json(entry: JournalEntry, include_raw: bool = False) -> dict[str, Any]:
    """The JSON form of an entry (``GET /journal/{id}``): every hashed field, ``prev_hash``, ``hash``,
    and with ``include_raw`` the exact bytes as base64 in ``raw``. :func:`verify_entries` takes it."""
    data = entry_fields(entry)
    if include_raw:
        data["raw"] = base64.b64encode(entry.raw).decode("ascii")
    return data


class JournalRepository:
    """Append-only access to ``journal_entry``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = _lock_for(engine)

    # --- writing ------------------------------------------------------------------------------

    def append(self, fields: NewJournalEntry | Mapping[str, Any]) -> JournalEntry:
        """Append one entry (see :class:`NewJournalEntry` for the fields) and return it as stored.

        Raises :class:`~gateway_shep.domain.errors.JournalEntryInvalid` for bad values and
        :class:`~gateway_shep.domain.errors.JournalWriteFailed` when the database keeps refusing.
        """
        return self.append_many([fields])[0]

    def append_many(
        self, entries: Sequence[NewJournalEntry | Mapping[str, Any]], *, claims: Sequence[Claim] = ()
    ) -> list[JournalEntry]:
        """Append entries in order, in one transaction (group commit), after recording ``claims``.

        A claim (messageId first seen) is recorded in the same transaction, so an accepted message's
        journal entries and its duplicate guard are durable together.
        """
        prepared = []
        for fields in entries:
            values = NewJournalEntry.from_fields(fields).normalised()
            raw: bytes = values.pop("raw")
            prepared.append((values, raw, raw_digest(raw)))
        last_error: Exception | None = None
        with self._lock:
            for attempt in range(_MAX_ATTEMPTS):
                try:
                    return self._insert_chain(prepared, claims)
                except (IntegrityError, OperationalError) as exc:
                    # Another process appended first (or SQLite was busy): retry on the new head.
                    last_error = exc
                    time.sleep(min(0.005 * (attempt + 1), 0.1))
        raise JournalWriteFailed(f"journal append failed after {_MAX_ATTEMPTS} attempts: {last_error}")

    async def append_async(self, fields: NewJournalEntry | Mapping[str, Any]) -> JournalEntry:
        """:meth:`append` in a worker thread, for the asyncio pipeline."""
        return await asyncio.to_thread(self.append, fields)

    def _insert_chain(
        self, prepared: list[tuple[dict[str, Any], bytes, str]], claims: Sequence[Claim]
    ) -> list[JournalEntry]:
        stored: list[JournalEntry] = []
        with session_scope(self._engine) as session:
            for claim in claims:
                session.add(
                    SeenMessage(message_id=claim.message_id, sender_id=claim.sender_id, first_seen_at=_now())
                )
            head = session.exec(select(JournalEntry).order_by(col(JournalEntry.id).desc()).limit(1)).first()
            if head is None:
                next_id, prev_hash = 1, GENESIS_HASH
            else:
                assert head.id is not None
                next_id, prev_hash = head.id + 1, head.hash
            for values, raw, digest in prepared:
                fields = {
                    **values,
                    "id": next_id,
                    "created_at": clock.now().isoformat(),
                    "raw_sha256": digest,
                }
                entry_hash = compute_entry_hash(prev_hash, fields)
                entry = JournalEntry(**fields, raw=raw, prev_hash=prev_hash, hash=entry_hash)
                session.add(entry)
                stored.append(entry)
                next_id, prev_hash = next_id + 1, entry_hash
        return stored

    # --- reading ------------------------------------------------------------------------------

    def get(self, entry_id: int) -> JournalEntry | None:
        with session_scope(self._engine) as session:
            return session.get(JournalEntry, entry_id)

    def search(
        self,
        message_id: str | None = None,
        service_id: str | None = None,
        sender_id: str | None = None,
        limit: int = 100,
        *,
        correlation_id: str | None = None,
        trace_id: str | None = None,
    ) -> list[JournalEntry]:
        """Entries matching every given filter, newest first (at most ``limit``, capped at 1000)."""
        query = select(JournalEntry)
        if trace_id is not None:
            query = query.where(JournalEntry.trace_id == trace_id)
        if message_id is not None:
            query = query.where(JournalEntry.message_id == message_id)
        if correlation_id is not None:
            query = query.where(JournalEntry.correlation_id == correlation_id)
        if service_id is not None:
            query = query.where(JournalEntry.service_id == service_id)
        if sender_id is not None:
            query = query.where(JournalEntry.sender_id == sender_id)
        query = query.order_by(col(JournalEntry.id).desc()).limit(max(1, min(limit, _SEARCH_LIMIT_MAX)))
        with session_scope(self._engine) as session:
            return list(session.exec(query).all())

    def iterate_all(self, *, after_id: int = 0) -> Iterator[JournalEntry]:
        """Every entry in id order (read in batches, so the journal need not fit in memory)."""
        last = after_id
        while True:
            with session_scope(self._engine) as session:
                batch = list(
                    session.exec(
                        select(JournalEntry)
                        .where(col(JournalEntry.id) > last)
                        .order_by(col(JournalEntry.id))
                        .limit(_BATCH)
                    ).all()
                )
            if not batch:
                return
            yield from batch
            last_id = batch[-1].id
            assert last_id is not None
            last = last_id

    def head(self) -> JournalEntry | None:
        """The newest entry (the chain head)."""
        with session_scope(self._engine) as session:
            return session.exec(select(JournalEntry).order_by(col(JournalEntry.id).desc()).limit(1)).first()

    def count(self) -> int:
        with session_scope(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(JournalEntry)).one())

    def verify_chain(self) -> ChainReport:
        """Verify the whole stored chain, raw bytes included (see :func:`verify_entries`)."""

        def dicts() -> Iterator[dict[str, Any]]:
            for entry in self.iterate_all():
                data = entry_fields(entry)
                data["raw"] = entry.raw
                yield data

        return verify_entries(dicts())
