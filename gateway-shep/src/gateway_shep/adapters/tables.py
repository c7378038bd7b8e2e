"""The gateway's database tables (sqlmodel), on a metadata of their own.

The gateway's tables live on a private SQLAlchemy registry so their names (``journal_entry``,
``async_message``, ``seen_message``) cannot clash with another service's tables when several
services are imported in one process (tests). Create them with :func:`create_gateway_tables`.
"""

from __future__ import annotations

from egov_kit.db import create_tables
from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

gateway_registry = registry()


class GatewayTable(SQLModel, registry=gateway_registry):
    """Base of the gateway's tables."""


class JournalEntry(GatewayTable, table=True):
    """One journal record: a message as it crossed the gateway, chained by hashes (append-only)."""

    __tablename__ = "journal_entry"
    __table_args__ = (UniqueConstraint("prev_hash", name="uq_journal_entry_prev_hash"),)

    # Assigned by the repository (last id + 1) so that the id is covered by the hash.
    id: int | None = Field(default=None, primary_key=True)
    message_id: str | None = Field(default=None, index=True)
    correlation_id: str | None = Field(default=None, index=True)
    service_id: str | None = Field(default=None, index=True)
    sender_id: str | None = Field(default=None, index=True)
    recipient_id: str | None = None
    direction: str
    channel: str
    message_type: str | None = None
    status: str
    error_code: str | None = None
    trace_id: str | None = Field(default=None, index=True)
    created_at: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    raw_sha256: str
    prev_hash: str
    hash: str = Field(unique=True)


class AsyncMessage(GatewayTable, table=True):
    """A message accepted on the asynchronous channel and its delivery state."""

    __tablename__ = "async_message"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)
    correlation_id: str | None = Field(default=None, index=True)
    service_id: str
    sender_id: str
    recipient_id: str = Field(index=True)
    message_type: str
    state: str = Field(index=True)
    created_at: str
    updated_at: str
    delivered_at: str | None = None
    received_at: str | None = None
    delivery_attempts: int = 0
    version: int = 0  # bumped by every state change (compare-and-set)
    last_error: str | None = None
    trace_id: str | None = Field(default=None, index=True)
    traceparent: str | None = None
    # The envelope as forwarded (re-signed by the gateway): what the recipient's queue and getMessages get.
    envelope: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SeenMessage(GatewayTable, table=True):
    """Every ``messageId`` the gateway has accepted, on either channel (DUPLICATE_MESSAGE_ID check)."""

    __tablename__ = "seen_message"

    message_id: str = Field(primary_key=True)
    sender_id: str
    first_seen_at: str


GATEWAY_TABLES = (JournalEntry, AsyncMessage, SeenMessage)


def create_gateway_tables(engine: Engine) -> None:
    """Create the gateway's tables (idempotent)."""
    create_tables(engine, *GATEWAY_TABLES)
