"""State of a message accepted on the asynchronous channel, and its allowed transitions.

::

    ACCEPTED ──publish confirmed──▶ DELIVERED ──notification MESSAGE_ACCEPTED──▶ RECEIVED
        │                              │   └──notification MESSAGE_NOT_ACCTEPTED──▶ REJECTED_BY_RECIPIENT
        └──publish failed──▶ FAILED ───┘ (a later publish may still succeed)

A message not yet acknowledged (ACCEPTED, DELIVERED, FAILED) is what ``getMessages`` returns to its
recipient, so a recipient may acknowledge from any of those states. RECEIVED and
REJECTED_BY_RECIPIENT are final.
"""

from __future__ import annotations

from enum import StrEnum

from gateway_shep.domain.errors import MessageStateConflict


class MessageState(StrEnum):
    ACCEPTED = "ACCEPTED"  # accepted by the gateway, not yet published
    DELIVERED = "DELIVERED"  # published (confirmed) to the recipient's queue
    RECEIVED = "RECEIVED"  # the recipient acknowledged it (MESSAGE_ACCEPTED)
    REJECTED_BY_RECIPIENT = "REJECTED_BY_RECIPIENT"  # the recipient refused it (MESSAGE_NOT_ACCTEPTED)
    FAILED = "FAILED"  # publishing failed; still pullable with getMessages


class MessageEvent(StrEnum):
    PUBLISHED = "published"
    PUBLISH_FAILED = "publish_failed"
    ACKNOWLEDGED = "acknowledged"
    REFUSED = "refused"


#: States whose messages the recipient has not acknowledged yet (``getMessages`` returns them).
UNACKNOWLEDGED_STATES = frozenset({MessageState.ACCEPTED, MessageState.DELIVERED, MessageState.FAILED})
FINAL_STATES = frozenset({MessageState.RECEIVED, MessageState.REJECTED_BY_RECIPIENT})

_TRANSITIONS: dict[tuple[MessageState, MessageEvent], MessageState] = {
    (MessageState.ACCEPTED, MessageEvent.PUBLISHED): MessageState.DELIVERED,
    (MessageState.FAILED, MessageEvent.PUBLISHED): MessageState.DELIVERED,
    (MessageState.DELIVERED, MessageEvent.PUBLISHED): MessageState.DELIVERED,  # redelivery
    (MessageState.ACCEPTED, MessageEvent.PUBLISH_FAILED): MessageState.FAILED,
    (MessageState.FAILED, MessageEvent.PUBLISH_FAILED): MessageState.FAILED,
    # A failed re-publish does not undo an earlier confirmed one.
    (MessageState.DELIVERED, MessageEvent.PUBLISH_FAILED): MessageState.DELIVERED,
}
for _state in UNACKNOWLEDGED_STATES:
    _TRANSITIONS[(_state, MessageEvent.ACKNOWLEDGED)] = MessageState.RECEIVED
    _TRANSITIONS[(_state, MessageEvent.REFUSED)] = MessageState.REJECTED_BY_RECIPIENT
# Late events after the recipient has answered change nothing; a repeated answer is idempotent.
for _final in FINAL_STATES:
    _TRANSITIONS[(_final, MessageEvent.PUBLISHED)] = _final
    _TRANSITIONS[(_final, MessageEvent.PUBLISH_FAILED)] = _final
_TRANSITIONS[(MessageState.RECEIVED, MessageEvent.ACKNOWLEDGED)] = MessageState.RECEIVED
_TRANSITIONS[(MessageState.REJECTED_BY_RECIPIENT, MessageEvent.REFUSED)] = MessageState.REJECTED_BY_RECIPIENT


def next_state(current: MessageState | str, event: MessageEvent | str) -> MessageState:
    """The state after ``event``; :class:`MessageStateConflict` when it is not allowed
    (e.g. the recipient refusing a message it has already acknowledged)."""
    state, happened = MessageState(current), MessageEvent(event)
    try:
        return _TRANSITIONS[(state, happened)]
    except KeyError:
        raise MessageStateConflict(
            f"a message in state {state.value} cannot take event {happened.value}"
        ) from None


def shep_message_state(state: MessageState | str) -> str:
    """The real ШЭП ``MessageState`` (MessageState.xsd) shown by ``getMessageStatus``.

    ACCEPTED/DELIVERED are still ON_DELIVERY (the recipient has not confirmed), RECEIVED is DELIVERED,
    FAILED is NOT_DELIVERED, and a recipient's refusal stops delivery (DELIVERY_STOPPED).
    """
    return {
        MessageState.ACCEPTED: "ON_DELIVERY",
        MessageState.DELIVERED: "ON_DELIVERY",
        MessageState.RECEIVED: "DELIVERED",
        MessageState.FAILED: "NOT_DELIVERED",
        MessageState.REJECTED_BY_RECIPIENT: "DELIVERY_STOPPED",
    }[MessageState(state)]
