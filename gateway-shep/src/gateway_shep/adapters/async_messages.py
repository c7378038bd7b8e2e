"""Repositories of the asynchronous channel's message state and of seen message ids.

State changes are compare-and-set (``UPDATE … WHERE version = <the version read>``), so a publisher
confirm racing with the recipient's delivery notification can never move a message backwards.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from egov_kit import clock
from egov_kit.db import session_scope
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from gateway_shep.adapters.tables import AsyncMessage, SeenMessage
from gateway_shep.domain.async_messages import UNACKNOWLEDGED_STATES, MessageEvent, MessageState, next_state
from gateway_shep.domain.errors import AccessDenied, DuplicateMessageId, MessageNotFound, MessageStateConflict
from gateway_shep.domain.registry import MessageType

_MAX_CAS_ATTEMPTS = 50
_LIST_LIMIT_MAX = 1000


def _now() -> str:
    return clock.now().isoformat()


class AsyncMessageRepository:
    """``async_message``: messages accepted on the asynchronous channel."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        *,
        message_id: str,
        service_id: str,
        sender_id: str,
        recipient_id: str,
        message_type: MessageType | str,
        envelope: bytes,
        correlation_id: str | None = None,
        trace_id: str | None = None,
        traceparent: str | None = None,
    ) -> AsyncMessage:
        """Record an accepted message in state ACCEPTED; :class:`DuplicateMessageId` if known."""
        stamp = _now()
        message = AsyncMessage(
            message_id=message_id,
            correlation_id=correlation_id,
            service_id=service_id,
            sender_id=sender_id,
            recipient_id=recipient_id,
            message_type=MessageType(message_type).value,
            state=MessageState.ACCEPTED.value,
            created_at=stamp,
            updated_at=stamp,
            envelope=bytes(envelope),
            trace_id=trace_id,
            traceparent=traceparent,
        )
        try:
            with session_scope(self._engine) as session:
                session.add(message)
        except IntegrityError:
            raise DuplicateMessageId(f"message {message_id!r} has already been accepted") from None
        return message

    def get(self, message_id: str) -> AsyncMessage | None:
        with session_scope(self._engine) as session:
            return session.exec(select(AsyncMessage).where(AsyncMessage.message_id == message_id)).first()

    def exists(self, message_id: str) -> bool:
        """Whether the asynchronous channel holds ``message_id`` (for both channels use
        :meth:`SeenMessageRepository.claim_message_id`)."""
        return self.get(message_id) is not None

    def _transition(
        self,
        message_id: str,
        event: MessageEvent,
        changes: Callable[[AsyncMessage, MessageState], dict[str, Any]],
        *,
        by_system: str | None = None,
    ) -> AsyncMessage:
        for _ in range(_MAX_CAS_ATTEMPTS):
            current = self.get(message_id)
            if current is None:
                raise MessageNotFound(f"message {message_id!r} is not known to the asynchronous channel")
            if by_system is not None and by_system != current.recipient_id:
                raise AccessDenied(f"message {message_id!r} is not addressed to {by_system!r}")
            target = next_state(current.state, event)
            values = {
                "state": target.value,
                "updated_at": _now(),
                "version": current.version + 1,
                **changes(current, target),
            }
            with session_scope(self._engine) as session:
                result = session.execute(
                    update(AsyncMessage)
                    .where(col(AsyncMessage.message_id) == message_id)
                    .where(col(AsyncMessage.state) == current.state)
                    .where(col(AsyncMessage.version) == current.version)
                    .values(**values)
                )
                changed = getattr(result, "rowcount", 0)
            if changed == 1:
                for name, value in values.items():
                    setattr(current, name, value)
                return current
        raise MessageStateConflict(f"message {message_id!r} kept changing state; try again")

    def mark_delivered(self, message_id: str) -> AsyncMessage:
        """Publishing to the recipient's queue was confirmed: ACCEPTED/FAILED → DELIVERED."""

        def changes(current: AsyncMessage, target: MessageState) -> dict[str, Any]:
            if target is not MessageState.DELIVERED:  # a late confirm after the recipient answered
                return {"delivery_attempts": current.delivery_attempts + 1}
            return {
                "delivery_attempts": current.delivery_attempts + 1,
                "delivered_at": current.delivered_at or _now(),
                "last_error": None,
            }

        return self._transition(message_id, MessageEvent.PUBLISHED, changes)

    def mark_failed(self, message_id: str, error: str) -> AsyncMessage:
        """Publishing failed (broker down, unroutable, not confirmed): ACCEPTED → FAILED."""

        def changes(current: AsyncMessage, _target: MessageState) -> dict[str, Any]:
            return {"delivery_attempts": current.delivery_attempts + 1, "last_error": error}

        return self._transition(message_id, MessageEvent.PUBLISH_FAILED, changes)

    def mark_received(
        self,
        message_id: str,
        *,
        accepted: bool = True,
        error: str | None = None,
        by_system: str | None = None,
    ) -> AsyncMessage:
        """The recipient's delivery notification: MESSAGE_ACCEPTED → RECEIVED, MESSAGE_NOT_ACCTEPTED →
        REJECTED_BY_RECIPIENT (``error`` keeps its reason). With ``by_system``, only the message's
        recipient may acknowledge it (:class:`AccessDenied` otherwise). Repeating the same answer is
        idempotent; the opposite answer raises :class:`MessageStateConflict`."""
        event = MessageEvent.ACKNOWLEDGED if accepted else MessageEvent.REFUSED

        def changes(current: AsyncMessage, _target: MessageState) -> dict[str, Any]:
            values: dict[str, Any] = {"received_at": current.received_at or _now()}
            if not accepted:
                values["last_error"] = error
            return values

        return self._transition(message_id, event, changes, by_system=by_system)

    def list_undelivered_for(self, recipient_id: str, limit: int = 100) -> list[AsyncMessage]:
        """Messages to ``recipient_id`` it has not acknowledged yet, oldest first (``getMessages``)."""
        states = sorted(state.value for state in UNACKNOWLEDGED_STATES)
        query = (
            select(AsyncMessage)
            .where(AsyncMessage.recipient_id == recipient_id)
            .where(col(AsyncMessage.state).in_(states))
            .order_by(col(AsyncMessage.id))
            .limit(max(1, min(limit, _LIST_LIMIT_MAX)))
        )
        with session_scope(self._engine) as session:
            return list(session.exec(query).all())

    def list_by_state(self, state: MessageState | str, limit: int = 100) -> list[AsyncMessage]:
        """Messages in ``state``, oldest first (e.g. FAILED ones to publish again)."""
        query = (
            select(AsyncMessage)
            .where(AsyncMessage.state == MessageState(state).value)
            .order_by(col(AsyncMessage.id))
            .limit(max(1, min(limit, _LIST_LIMIT_MAX)))
        )
        with session_scope(self._engine) as session:
            return list(session.exec(query).all())


class SeenMessageRepository:
    """``seen_message``: every ``messageId`` accepted on either channel (DUPLICATE_MESSAGE_ID)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim_message_id(self, message_id: str, sender_id: str) -> bool:
        """Record ``message_id`` as seen; ``False`` when it was already claimed (a duplicate).

        Atomic: the insert either wins the unique key or fails, even across processes.
        """
        try:
            with session_scope(self._engine) as session:
                session.add(SeenMessage(message_id=message_id, sender_id=sender_id, first_seen_at=_now()))
        except IntegrityError:
            return False
        return True

    def exists(self, message_id: str) -> bool:
        with session_scope(self._engine) as session:
            return session.get(SeenMessage, message_id) is not None

    def seen_among(self, message_ids: Collection[str]) -> set[str]:
        """Those of ``message_ids`` already claimed, in one query (the journal writer's batch)."""
        if not message_ids:
            return set()
        query = select(SeenMessage.message_id).where(col(SeenMessage.message_id).in_(message_ids))
        with session_scope(self._engine) as session:
            return set(session.exec(query).all())

    def get(self, message_id: str) -> SeenMessage | None:
        with session_scope(self._engine) as session:
            return session.get(SeenMessage, message_id)
