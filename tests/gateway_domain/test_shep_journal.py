"""The journal: append-only hash chain, serialised appends, tamper detection, JSON verification."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from typing import Any

import pytest
from gateway_shep.adapters.database import GatewayStore, open_store
from gateway_shep.adapters.journal import JournalRepository, entry_to_json
from gateway_shep.domain.errors import JournalEntryInvalid
from gateway_shep.domain.journal import (
    GENESIS_HASH,
    HASHED_FIELDS,
    NewJournalEntry,
    canonical_json,
    compute_entry_hash,
    verify_entries,
)
from sqlalchemy import text


def _fields(n: int, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "message_id": f"msg-{n}",
        "correlation_id": f"corr-{n // 2}",
        "service_id": "GBDFL_UniversalServiceSync" if n % 2 else "RPN_Attachment",
        "sender_id": "IIS_GK" if n % 3 else "EGOV_PORTAL",
        "recipient_id": "GBDFL",
        "direction": "inbound",
        "channel": "sync" if n % 2 else "async",
        "message_type": None if n % 2 else "REQUEST",
        "status": "accepted",
        "error_code": None,
        "trace_id": f"{n:032x}",
        "raw": f"<soap:Envelope>сообщение {n}</soap:Envelope>".encode(),
    }
    fields.update(overrides)
    return fields


def _fill(journal: JournalRepository, count: int) -> None:
    for n in range(1, count + 1):
        journal.append(_fields(n))


def _execute(store: GatewayStore, sql: str, **params: Any) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_chain_builds(store: GatewayStore) -> None:
    journal = store.journal
    assert journal.verify_chain().ok  # empty chain
    first = journal.append(_fields(1))
    second = journal.append(NewJournalEntry(**_fields(2, direction="rejected", status="rejected")))
    assert (first.id, second.id) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.raw_sha256 == hashlib.sha256(_fields(1)["raw"]).hexdigest()
    assert first.created_at.endswith("+05:00")
    assert first.hash == compute_entry_hash(GENESIS_HASH, entry_to_json(first))
    stored = journal.get(1)
    assert stored is not None
    assert stored.raw == _fields(1)["raw"]
    assert journal.get(99) is None
    report = journal.verify_chain()
    assert report.ok
    assert report.entries_checked == 2
    assert report.raw_checked == 2
    assert report.head_hash == second.hash
    assert journal.count() == 2
    head = journal.head()
    assert head is not None and head.id == 2


def test_hash_definition_is_documented_one() -> None:
    fields = {name: None for name in HASHED_FIELDS} | {"id": 1, "direction": "inbound", "raw_sha256": "ab"}
    expected_json = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json({**fields, "raw": "ignored", "hash": "ignored"}) == expected_json.encode()
    expected = hashlib.sha256((GENESIS_HASH + expected_json).encode()).hexdigest()
    assert compute_entry_hash(GENESIS_HASH, fields) == expected


def test_invalid_entries_are_refused(store: GatewayStore) -> None:
    with pytest.raises(JournalEntryInvalid):
        store.journal.append(_fields(1, direction="sideways"))
    with pytest.raises(JournalEntryInvalid):
        store.journal.append(_fields(1, status="lost"))
    with pytest.raises(JournalEntryInvalid):
        store.journal.append(_fields(1, message_type="QUESTION"))
    with pytest.raises(JournalEntryInvalid, match="unknown"):
        store.journal.append(_fields(1, colour="red"))
    with pytest.raises(JournalEntryInvalid, match="missing"):
        store.journal.append({"direction": "inbound", "channel": "sync", "status": "accepted"})
    with pytest.raises(JournalEntryInvalid, match="bytes"):
        store.journal.append(_fields(1, raw="text"))
    assert store.journal.count() == 0


def test_repository_has_no_update_or_delete(store: GatewayStore) -> None:
    public = {name for name in dir(store.journal) if not name.startswith("_")}
    assert not {name for name in public if any(w in name for w in ("update", "delete", "remove", "set"))}


def test_search_newest_first_and_iterate_in_order(store: GatewayStore) -> None:
    _fill(store.journal, 12)
    newest = store.journal.search()
    assert [e.id for e in newest] == list(range(12, 0, -1))
    by_service = store.journal.search(service_id="RPN_Attachment", limit=3)
    assert [e.id for e in by_service] == [12, 10, 8]
    assert [e.id for e in store.journal.search(message_id="msg-5")] == [5]
    assert {e.sender_id for e in store.journal.search(sender_id="EGOV_PORTAL")} == {"EGOV_PORTAL"}
    assert [e.id for e in store.journal.search(correlation_id="corr-3")] == [7, 6]
    assert [e.id for e in store.journal.iterate_all()] == list(range(1, 13))
    assert [e.id for e in store.journal.iterate_all(after_id=10)] == [11, 12]


async def test_concurrent_appends_keep_one_chain(store: GatewayStore) -> None:
    await asyncio.gather(*(store.journal.append_async(_fields(n)) for n in range(1, 51)))
    # Threads with a second repository object on the same engine share the same lock.
    other = JournalRepository(store.engine)
    threads = [threading.Thread(target=other.append, args=(_fields(n),)) for n in range(51, 71)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = store.journal.verify_chain()
    assert report.ok, report
    assert report.entries_checked == 70
    assert sorted(e.message_id or "" for e in store.journal.iterate_all()) == sorted(
        f"msg-{n}" for n in range(1, 71)
    )


def test_second_engine_on_the_same_file_cannot_fork_the_chain(store: GatewayStore, tmp_path: Any) -> None:
    # A second engine stands for a second process: a different lock, the same database.
    url = str(store.engine.url)
    second = open_store(url)
    try:
        threads = [
            threading.Thread(target=journal.append, args=(_fields(n),))
            for n in range(1, 31)
            for journal in (store.journal, second.journal)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        second.dispose()
    report = store.journal.verify_chain()
    assert report.ok, report
    assert report.entries_checked == 60


def test_prev_hash_is_unique_in_the_database(store: GatewayStore) -> None:
    _fill(store.journal, 2)
    first = store.journal.get(1)
    assert first is not None
    with pytest.raises(Exception, match="UNIQUE"):
        _execute(
            store,
            "INSERT INTO journal_entry (id, direction, channel, status, created_at, raw, raw_sha256, "
            "prev_hash, hash) VALUES (3, 'inbound', 'sync', 'accepted', 'x', x'00', 'x', :prev, 'fork')",
            prev=first.prev_hash,
        )


# --- tampering ---------------------------------------------------------------------------------


def test_modified_field_is_detected(store: GatewayStore) -> None:
    _fill(store.journal, 6)
    _execute(store, "UPDATE journal_entry SET status = 'rejected' WHERE id = 4")
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 4)
    assert "modified" in (report.reason or "")
    assert report.entries_checked == 4


def test_modified_field_with_recomputed_hash_breaks_the_next_link(store: GatewayStore) -> None:
    _fill(store.journal, 6)
    entry = store.journal.get(3)
    assert entry is not None
    forged = entry_to_json(entry) | {"sender_id": "ARM_RSHEP"}
    forged_hash = compute_entry_hash(entry.prev_hash, forged)
    _execute(store, "UPDATE journal_entry SET sender_id = 'ARM_RSHEP', hash = :h WHERE id = 3", h=forged_hash)
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 4)
    assert "prev_hash" in (report.reason or "")


def test_modified_raw_bytes_are_detected(store: GatewayStore) -> None:
    _fill(store.journal, 6)
    _execute(
        store,
        "UPDATE journal_entry SET raw = :raw WHERE id = 5",
        raw=b"<soap:Envelope>forged</soap:Envelope>",
    )
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 5)
    assert "raw bytes" in (report.reason or "")


def test_modified_raw_bytes_and_digest_are_detected(store: GatewayStore) -> None:
    _fill(store.journal, 6)
    forged = b"<soap:Envelope>forged</soap:Envelope>"
    _execute(
        store,
        "UPDATE journal_entry SET raw = :raw, raw_sha256 = :digest WHERE id = 2",
        raw=forged,
        digest=hashlib.sha256(forged).hexdigest(),
    )
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 2)
    assert "modified" in (report.reason or "")


def test_deleted_row_is_detected(store: GatewayStore) -> None:
    _fill(store.journal, 6)
    _execute(store, "DELETE FROM journal_entry WHERE id = 3")
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 4)
    assert "entry 3 is missing" in (report.reason or "")


def test_deleted_first_row_is_detected(store: GatewayStore) -> None:
    _fill(store.journal, 3)
    _execute(store, "DELETE FROM journal_entry WHERE id = 1")
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 2)


def test_deleted_and_renumbered_rows_are_detected(store: GatewayStore) -> None:
    _fill(store.journal, 6)
    _execute(store, "DELETE FROM journal_entry WHERE id = 3")
    for n in (4, 5, 6):
        _execute(store, "UPDATE journal_entry SET id = :new WHERE id = :old", new=n - 1, old=n)
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 3)


def test_reordered_rows_are_detected(store: GatewayStore) -> None:
    _fill(store.journal, 6)
    _execute(store, "UPDATE journal_entry SET id = -1 WHERE id = 2")
    _execute(store, "UPDATE journal_entry SET id = 2 WHERE id = 5")
    _execute(store, "UPDATE journal_entry SET id = 5 WHERE id = -1")
    report = store.journal.verify_chain()
    assert (report.ok, report.first_bad_id) == (False, 2)


# --- JSON form and verification without the database ---------------------------------------------


def test_json_form_has_every_hashed_field(store: GatewayStore) -> None:
    entry = store.journal.append(_fields(1))
    data = entry_to_json(entry)
    assert set(data) == {*HASHED_FIELDS, "prev_hash", "hash"}
    assert "raw" not in data
    with_raw = entry_to_json(entry, include_raw=True)
    assert base64.b64decode(with_raw["raw"]) == _fields(1)["raw"]
    json.dumps(with_raw)  # plain JSON types only


def test_json_verification_agrees_with_the_database(store: GatewayStore) -> None:
    _fill(store.journal, 8)

    def over_json(include_raw: bool) -> Any:
        entries = [json.loads(json.dumps(entry_to_json(e, include_raw))) for e in store.journal.iterate_all()]
        return verify_entries(entries)

    assert store.journal.verify_chain() == over_json(True)
    assert over_json(True).raw_checked == 8
    assert over_json(False).ok and over_json(False).raw_checked == 0

    # Raw bytes given aside, keyed by id.
    entries = [entry_to_json(e) for e in store.journal.iterate_all()]
    raws = {e.id: e.raw for e in store.journal.iterate_all() if e.id is not None}
    assert verify_entries(entries, raws).ok
    assert verify_entries(entries, {**raws, 6: b"other"}).first_bad_id == 6

    # A slice verified from its predecessor's hash.
    assert verify_entries(entries[4:], expected_prev_hash=entries[3]["hash"]).ok
    assert verify_entries(entries[4:]).first_bad_id == 5

    for tamper in (
        "UPDATE journal_entry SET error_code = 'X' WHERE id = 7",
        "DELETE FROM journal_entry WHERE id = 3",
        "UPDATE journal_entry SET raw = x'00' WHERE id = 2",
    ):
        _execute(store, tamper)
        db_report = store.journal.verify_chain()
        assert not db_report.ok
        assert over_json(True) == db_report


def test_json_verification_catches_edits_in_transit(store: GatewayStore) -> None:
    _fill(store.journal, 4)
    entries = [entry_to_json(e, include_raw=True) for e in store.journal.iterate_all()]
    edited = [dict(e) for e in entries]
    edited[1]["status"] = "failed"
    assert verify_entries(edited).first_bad_id == 2
    swapped = [entries[0], entries[2], entries[1], entries[3]]
    assert verify_entries(swapped).first_bad_id == 3
    edited = [dict(e) for e in entries]
    edited[2]["raw"] = base64.b64encode(b"forged").decode()
    assert verify_entries(edited).first_bad_id == 3
    edited[2]["raw"] = "%%% not base64"
    report = verify_entries(edited)
    assert (report.first_bad_id, "cannot be read" in (report.reason or "")) == (3, True)
    assert verify_entries([{"message_id": "no id"}]).reason is not None
    assert verify_entries([]).ok
