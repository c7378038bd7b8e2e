"""The ``trace_span`` table: one row per span, step and application in indexed columns."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel


class SpanRow(SQLModel, table=True):
    __tablename__ = "trace_span"
    __table_args__ = (
        Index("ix_trace_span_trace_span", "trace_id", "span_id", unique=True),
        Index("ix_trace_span_trace_start", "trace_id", "start_ns"),
        Index("ix_trace_span_application", "application"),
        Index("ix_trace_span_step_id", "step_id"),
        Index("ix_trace_span_service_start", "service", "start_ns"),
        Index("ix_trace_span_start", "start_ns"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trace_id: str = Field(max_length=32)
    span_id: str = Field(max_length=16)
    parent_span_id: str = Field(default="", max_length=16)
    service: str
    name: str
    kind: str = "internal"
    start_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    end_ns: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = "unset"
    status_message: str = ""
    application: str | None = None
    step_id: str | None = None
    attributes: str = Field(default="{}", sa_column=Column(Text, nullable=False))
