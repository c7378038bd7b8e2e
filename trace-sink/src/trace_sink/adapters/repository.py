"""Span storage over SQLAlchemy: idempotent inserts, bounded retention, the two read queries."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from egov_kit.db import session_scope
from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from trace_sink.adapters.tables import SpanRow
from trace_sink.domain.model import SpanQuery, SpanRecord

_MAX_LIMIT = 10_000


def _row_values(span: SpanRecord) -> dict[str, Any]:
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "service": span.service,
        "name": span.name,
        "kind": span.kind,
        "start_ns": span.start_ns,
        "end_ns": span.end_ns,
        "status": span.status,
        "status_message": span.status_message,
        "application": span.application,
        "step_id": span.step_id,
        "attributes": json.dumps(span.attributes, ensure_ascii=False, sort_keys=True, default=str),
    }


def _record(row: SpanRow) -> SpanRecord:
    try:
        attributes = json.loads(row.attributes)
    except ValueError:
        attributes = {}
    return SpanRecord(
        trace_id=row.trace_id,
        span_id=row.span_id,
        parent_span_id=row.parent_span_id,
        service=row.service,
        name=row.name,
        start_ns=row.start_ns,
        end_ns=row.end_ns,
        kind=row.kind,
        status=row.status,
        status_message=row.status_message,
        attributes=attributes if isinstance(attributes, dict) else {},
    )


class SpanRepository:
    """``trace_span`` rows. Writes are serialised in-process (SQLite has one writer anyway)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    def add_many(self, spans: Sequence[SpanRecord]) -> int:
        """Insert spans, ignoring ones already stored (exporter retries); returns how many were given."""
        if not spans:
            return 0
        values = [_row_values(span) for span in spans]
        table = SpanRow.__table__  # type: ignore[attr-defined]
        dialect = self._engine.dialect.name
        if dialect == "sqlite":
            statement: Any = sqlite_insert(table).values(values).on_conflict_do_nothing()
        elif dialect == "postgresql":
            statement = pg_insert(table).values(values).on_conflict_do_nothing()
        else:  # pragma: no cover - only SQLite and PostgreSQL are deployed
            statement = table.insert().values(values)
        with self._lock, session_scope(self._engine) as session:
            session.execute(statement)
        return len(values)

    def prune(self, keep: int, *, slack: int = 0) -> int:
        """Keep the newest ``keep`` spans (by insertion order) once more than ``keep + slack`` are stored.

        Returns how many spans were deleted.
        """
        with self._lock, session_scope(self._engine) as session:
            newest = session.exec(select(func.max(SpanRow.id))).one()
            oldest = session.exec(select(func.min(SpanRow.id))).one()
            if newest is None or oldest is None or newest - oldest + 1 <= keep + slack:
                return 0
            result = session.execute(delete(SpanRow).where(col(SpanRow.id) <= newest - keep))
            return int(getattr(result, "rowcount", 0) or 0)

    def count(self) -> int:
        with session_scope(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(SpanRow)).one())

    def trace(self, trace_id: str) -> list[SpanRecord]:
        """Every span of one trace, by start time."""
        query = (
            select(SpanRow)
            .where(SpanRow.trace_id == trace_id.lower())
            .order_by(col(SpanRow.start_ns), col(SpanRow.id))
        )
        with session_scope(self._engine) as session:
            return [_record(row) for row in session.exec(query).all()]

    def search(self, query: SpanQuery) -> list[SpanRecord]:
        """Spans matching every filter, by start time (the first ``limit`` from ``since``)."""
        statement = select(SpanRow)
        if query.application is not None:
            statement = statement.where(SpanRow.application == query.application)
        if query.service is not None:
            statement = statement.where(SpanRow.service == query.service)
        if query.step_id is not None:
            statement = statement.where(SpanRow.step_id == query.step_id)
        if query.trace_id is not None:
            statement = statement.where(SpanRow.trace_id == query.trace_id.lower())
        if query.since_ns is not None:
            statement = statement.where(col(SpanRow.start_ns) >= query.since_ns)
        limit = max(1, min(query.limit, _MAX_LIMIT))
        statement = statement.order_by(col(SpanRow.start_ns), col(SpanRow.id)).limit(limit)
        with session_scope(self._engine) as session:
            return [_record(row) for row in session.exec(statement).all()]

    def services(self) -> list[str]:
        with session_scope(self._engine) as session:
            return sorted(session.exec(select(SpanRow.service).distinct()).all())
