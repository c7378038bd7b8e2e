"""One place to open the gateway's database: engine, tables and repositories."""

from __future__ import annotations

from dataclasses import dataclass

from egov_kit.db import create_engine_for, database_ready
from sqlalchemy.engine import Engine

from gateway_shep.adapters.async_messages import AsyncMessageRepository, SeenMessageRepository
from gateway_shep.adapters.journal import JournalRepository
from gateway_shep.adapters.tables import create_gateway_tables


@dataclass(frozen=True)
class GatewayStore:
    engine: Engine
    journal: JournalRepository
    async_messages: AsyncMessageRepository
    seen: SeenMessageRepository

    def ready(self) -> bool:
        return database_ready(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(db_url: str) -> GatewayStore:
    """Engine for ``db_url`` (e.g. ``Settings().db_url``), tables created, repositories on it."""
    engine = create_engine_for(db_url)
    create_gateway_tables(engine)
    return GatewayStore(
        engine=engine,
        journal=JournalRepository(engine),
        async_messages=AsyncMessageRepository(engine),
        seen=SeenMessageRepository(engine),
    )
