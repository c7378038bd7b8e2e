"""Idempotency stores on their own (no broker)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from egov_kit import clock
from egov_kit.bus import IdempotencyStore, MemoryIdempotencyStore, SqlIdempotencyStore
from egov_kit.db import create_engine_for
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session


def sql_store(tmp_path: Path, consumer: str = "c1") -> SqlIdempotencyStore:
    return SqlIdempotencyStore(create_engine_for(f"sqlite:///{tmp_path / 'idem.sqlite'}"), consumer)


@pytest.mark.parametrize("kind", ["memory", "sql"])
async def test_mark_then_seen_and_mark_is_idempotent(kind: str, tmp_path: Path) -> None:
    store: IdempotencyStore = MemoryIdempotencyStore() if kind == "memory" else sql_store(tmp_path)
    assert isinstance(store, IdempotencyStore)
    assert not await store.seen("m1")
    await store.mark("m1")
    await store.mark("m1")
    assert await store.seen("m1")
    assert not await store.seen("m2")


async def test_sql_marks_are_per_consumer_and_persistent(tmp_path: Path) -> None:
    first = sql_store(tmp_path, "alpha")
    await first.mark("m1")
    assert not await sql_store(tmp_path, "beta").seen("m1")
    assert await sql_store(tmp_path, "alpha").seen("m1")  # a new engine: the mark is in the file


async def test_mark_in_rolls_back_with_the_work(tmp_path: Path) -> None:
    store = sql_store(tmp_path)
    with Session(store.engine) as session:
        store.mark_in(session, "m1")
        session.rollback()  # the work failed: the mark goes with it
    assert not await store.seen("m1")


async def test_concurrent_duplicate_cannot_commit_twice(tmp_path: Path) -> None:
    store = sql_store(tmp_path)
    with Session(store.engine) as first, Session(store.engine) as second:
        store.mark_in(first, "m1")
        store.mark_in(second, "m1")  # neither sees the other's uncommitted row
        first.commit()
        with pytest.raises(IntegrityError):
            second.commit()
    assert store.handled_ids() == ["m1"]


async def test_purge_forgets_old_marks(tmp_path: Path) -> None:
    store = sql_store(tmp_path)
    await store.mark("old")
    removed = await store.purge(clock.now() + timedelta(seconds=1))
    assert removed == 1
    assert not await store.seen("old")
