"""State of asynchronous messages and the cross-channel duplicate check."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from gateway_shep.adapters.async_messages import AsyncMessageRepository
from gateway_shep.adapters.database import GatewayStore
from gateway_shep.domain.async_messages import (
    MessageEvent,
    MessageState,
    next_state,
    shep_message_state,
)
from gateway_shep.domain.errors import (
    AccessDenied,
    DuplicateMessageId,
    MessageNotFound,
    MessageStateConflict,
)


def _add(repo: AsyncMessageRepository, message_id: str, recipient: str = "PHC_REGISTRY", **extra: Any) -> Any:
    return repo.add(
        message_id=message_id,
        correlation_id=extra.pop("correlation_id", message_id),
        service_id=extra.pop("service_id", "RPN_Attachment"),
        sender_id=extra.pop("sender_id", "EGOV_PORTAL"),
        recipient_id=recipient,
        message_type=extra.pop("message_type", "REQUEST"),
        envelope=f"<env id='{message_id}'/>".encode(),
        **extra,
    )


def test_add_and_get(store: GatewayStore) -> None:
    repo = store.async_messages
    added = _add(repo, "m-1", traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01")
    assert added.state == MessageState.ACCEPTED
    assert added.delivery_attempts == 0
    got = repo.get("m-1")
    assert got is not None
    assert (got.service_id, got.sender_id, got.recipient_id, got.message_type) == (
        "RPN_Attachment",
        "EGOV_PORTAL",
        "PHC_REGISTRY",
        "REQUEST",
    )
    assert got.envelope == b"<env id='m-1'/>"
    assert got.created_at.endswith("+05:00")
    assert repo.exists("m-1") and not repo.exists("m-2")
    assert repo.get("m-2") is None
    with pytest.raises(DuplicateMessageId) as caught:
        _add(repo, "m-1")
    assert caught.value.code == "DUPLICATE_MESSAGE_ID"
    with pytest.raises(ValueError):
        _add(repo, "m-3", message_type="QUESTION")


def test_delivered_then_received(store: GatewayStore) -> None:
    repo = store.async_messages
    _add(repo, "m-1")
    delivered = repo.mark_delivered("m-1")
    assert delivered.state == MessageState.DELIVERED
    assert delivered.delivery_attempts == 1
    assert delivered.delivered_at is not None
    received = repo.mark_received("m-1", by_system="PHC_REGISTRY")
    assert received.state == MessageState.RECEIVED
    assert received.received_at is not None
    # Repeating the notification is idempotent; a late publisher confirm changes nothing.
    assert repo.mark_received("m-1").state == MessageState.RECEIVED
    assert repo.mark_delivered("m-1").state == MessageState.RECEIVED
    with pytest.raises(MessageStateConflict) as caught:
        repo.mark_received("m-1", accepted=False)
    assert caught.value.code == "MESSAGE_STATE_CONFLICT"
    stored = repo.get("m-1")
    assert stored is not None and stored.state == MessageState.RECEIVED


def test_failed_then_redelivered_and_refused(store: GatewayStore) -> None:
    repo = store.async_messages
    _add(repo, "m-1")
    failed = repo.mark_failed("m-1", "broker unavailable")
    assert (failed.state, failed.delivery_attempts, failed.last_error) == (
        MessageState.FAILED,
        1,
        "broker unavailable",
    )
    again = repo.mark_delivered("m-1")
    assert (again.state, again.delivery_attempts, again.last_error) == (MessageState.DELIVERED, 2, None)
    refused = repo.mark_received("m-1", accepted=False, error="schema violation")
    assert refused.state == MessageState.REJECTED_BY_RECIPIENT
    assert refused.last_error == "schema violation"
    with pytest.raises(MessageStateConflict):
        repo.mark_received("m-1", accepted=True)


def test_only_the_recipient_acknowledges_and_unknown_messages(store: GatewayStore) -> None:
    repo = store.async_messages
    _add(repo, "m-1")
    with pytest.raises(AccessDenied):
        repo.mark_received("m-1", by_system="EGOV_PORTAL")
    with pytest.raises(MessageNotFound) as caught:
        repo.mark_delivered("nope")
    assert caught.value.code == "MESSAGE_NOT_FOUND"
    with pytest.raises(MessageNotFound):
        repo.mark_received("nope")


def test_list_undelivered_for(store: GatewayStore) -> None:
    repo = store.async_messages
    for n in range(1, 7):
        _add(repo, f"p-{n}")
    _add(repo, "e-1", recipient="EGOV_PORTAL", sender_id="PHC_REGISTRY", message_type="RESPONSE")
    repo.mark_delivered("p-2")
    repo.mark_failed("p-3", "unroutable")
    repo.mark_delivered("p-4")
    repo.mark_received("p-4")
    repo.mark_received("p-5", accepted=False, error="bad")
    undelivered = repo.list_undelivered_for("PHC_REGISTRY")
    assert [m.message_id for m in undelivered] == ["p-1", "p-2", "p-3", "p-6"]
    assert [m.message_id for m in repo.list_undelivered_for("PHC_REGISTRY", limit=2)] == ["p-1", "p-2"]
    assert [m.message_id for m in repo.list_undelivered_for("EGOV_PORTAL")] == ["e-1"]
    assert repo.list_undelivered_for("GBDFL") == []
    assert [m.message_id for m in repo.list_by_state(MessageState.FAILED)] == ["p-3"]


def test_racing_confirm_and_acknowledgement_never_go_backwards(store: GatewayStore) -> None:
    repo = store.async_messages
    ids = [f"r-{n}" for n in range(20)]
    for message_id in ids:
        _add(repo, message_id)
    threads = [threading.Thread(target=repo.mark_delivered, args=(m,)) for m in ids]
    threads += [threading.Thread(target=repo.mark_received, args=(m,)) for m in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for message_id in ids:
        message = repo.get(message_id)
        assert message is not None
        assert message.state == MessageState.RECEIVED
        assert message.delivery_attempts == 1


def test_state_machine_and_shep_states() -> None:
    assert next_state("ACCEPTED", MessageEvent.PUBLISHED) is MessageState.DELIVERED
    assert next_state(MessageState.ACCEPTED, "acknowledged") is MessageState.RECEIVED  # pulled, then acked
    assert next_state(MessageState.DELIVERED, MessageEvent.PUBLISH_FAILED) is MessageState.DELIVERED
    with pytest.raises(MessageStateConflict):
        next_state(MessageState.REJECTED_BY_RECIPIENT, MessageEvent.ACKNOWLEDGED)
    assert [shep_message_state(s) for s in MessageState] == [
        "ON_DELIVERY",
        "ON_DELIVERY",
        "DELIVERED",
        "DELIVERY_STOPPED",
        "NOT_DELIVERED",
    ]


def test_claim_message_id(store: GatewayStore) -> None:
    seen = store.seen
    assert not seen.exists("dup-1")
    assert seen.claim_message_id("dup-1", "IIS_GK") is True
    assert seen.claim_message_id("dup-1", "IIS_GK") is False
    assert seen.claim_message_id("dup-1", "EGOV_PORTAL") is False  # message ids are global
    assert seen.exists("dup-1")
    first = seen.get("dup-1")
    assert first is not None and first.sender_id == "IIS_GK"


def test_claim_message_id_is_atomic_under_concurrency(store: GatewayStore) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        outcome = store.seen.claim_message_id("race", "IIS_GK")
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 15 + [True]
