"""egov_kit.uow: one session per block, commit on success, rollback on error, typed repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from egov_kit import uow
from egov_kit.db import create_engine_for, create_tables
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select


class KitUowItem(SQLModel, table=True):
    __tablename__ = "kit_support_uow_item"

    key: str = Field(primary_key=True)
    value: int = 0


class ItemRepository:
    built = 0

    def __init__(self, session: Session) -> None:
        type(self).built += 1
        self.session = session

    def add(self, key: str, value: int = 0) -> None:
        self.session.add(KitUowItem(key=key, value=value))
        self.session.flush()

    def get(self, key: str) -> KitUowItem | None:
        return self.session.get(KitUowItem, key)


class ItemUnitOfWork(uow.SqlUnitOfWork):
    items = uow.repository(ItemRepository)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'uow.sqlite'}")
    create_tables(engine, KitUowItem)
    return engine


def keys(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(row.key for row in session.exec(select(KitUowItem)))


def test_a_block_that_succeeds_commits(engine: Engine) -> None:
    with ItemUnitOfWork(engine) as work:
        work.items.add("a", 1)
    assert keys(engine) == ["a"]


def test_a_block_that_raises_rolls_back_and_the_error_propagates(engine: Engine) -> None:
    with pytest.raises(LookupError, match="boom"), ItemUnitOfWork(engine) as work:
        work.items.add("a", 1)
        raise LookupError("boom")
    assert keys(engine) == []


def test_a_failing_commit_raises_and_leaves_nothing(engine: Engine) -> None:
    with ItemUnitOfWork(engine) as work:
        work.items.add("a")
    with pytest.raises(Exception, match="UNIQUE"), ItemUnitOfWork(engine) as work:
        work.session.add(KitUowItem(key="b"))
        work.session.add(KitUowItem(key="a"))  # clashes only when the commit flushes
    assert keys(engine) == ["a"]


def test_explicit_commit_and_rollback_inside_the_block(engine: Engine) -> None:
    with ItemUnitOfWork(engine) as work:
        work.items.add("kept")
        work.commit()
        work.items.add("dropped")
        work.rollback()
    assert keys(engine) == ["kept"]


def test_objects_stay_readable_after_the_block(engine: Engine) -> None:
    with ItemUnitOfWork(engine) as work:
        work.items.add("a", 7)
    with ItemUnitOfWork(engine) as work:
        item = work.items.get("a")
    assert item is not None and item.value == 7  # expire_on_commit=False, as session_scope


def test_a_repository_is_built_once_per_block_over_that_blocks_session(engine: Engine) -> None:
    ItemRepository.built = 0
    work = ItemUnitOfWork(engine)
    with work:
        first = work.items
        assert work.items is first
        assert first.session is work.session
    with work:
        second = work.items
        assert second is not first and second.session is work.session
    assert ItemRepository.built == 2


def test_outside_its_block_a_unit_of_work_has_no_session(engine: Engine) -> None:
    work = ItemUnitOfWork(engine)
    with pytest.raises(RuntimeError, match="outside"):
        _ = work.items
    with work:
        pass
    with pytest.raises(RuntimeError, match="outside"):
        _ = work.session


def test_a_block_cannot_be_entered_twice_at_once(engine: Engine) -> None:
    with ItemUnitOfWork(engine) as work, pytest.raises(RuntimeError, match="already"):
        work.__enter__()


def test_factory_gives_a_new_unit_of_work_per_call(engine: Engine) -> None:
    factory = ItemUnitOfWork.factory(engine)
    one, two = factory(), factory()
    assert isinstance(one, ItemUnitOfWork) and one is not two
    with one as work:
        work.items.add("a")
    assert keys(engine) == ["a"]


def test_the_descriptor_itself_is_reachable_on_the_class() -> None:
    assert isinstance(ItemUnitOfWork.items, uow.repository)
