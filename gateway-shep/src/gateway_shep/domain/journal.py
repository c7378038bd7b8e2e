"""The journal's hash chain: what an entry is, how it is hashed, how a chain is verified.

Pure standard-library code, so any reader of the journal (the gateway itself, the ``egov shep
verify-journal`` command working from ``GET /journal/{id}`` JSON) checks it the same way.

Hashing, for entry ``k``::

    raw_sha256 = sha256(raw).hexdigest()
    hash_k     = sha256(prev_hash_k.encode("ascii") + canonical_json(fields_k)).hexdigest()
    prev_hash_k = hash_{k-1}, and "0" * 64 for the first entry

``fields_k`` are the :data:`HASHED_FIELDS` of the entry (``id`` included, ``prev_hash`` and ``hash``
excluded); canonical JSON is UTF-8, keys sorted, no spaces, non-ASCII kept as is, ``null`` for
missing values. Ids are consecutive, so a deleted row shows as a gap and a moved row as a broken
``prev_hash`` link.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gateway_shep.domain.errors import JournalEntryInvalid
from gateway_shep.domain.registry import Channel, MessageType

GENESIS_HASH = "0" * 64

#: Fields covered by an entry's hash, besides ``prev_hash`` (which is prefixed to the JSON).
HASHED_FIELDS: tuple[str, ...] = (
    "id",
    "message_id",
    "correlation_id",
    "service_id",
    "sender_id",
    "recipient_id",
    "direction",
    "channel",
    "message_type",
    "status",
    "error_code",
    "trace_id",
    "created_at",
    "raw_sha256",
)

#: Every field of an entry's JSON form (``raw`` is added, base64, when asked for).
JSON_FIELDS: tuple[str, ...] = (*HASHED_FIELDS, "prev_hash", "hash")


class Direction(StrEnum):
    INBOUND = "inbound"  # as received from the sender
    FORWARDED = "forwarded"  # as re-signed by the gateway to the provider / recipient
    REPLY_INBOUND = "reply_inbound"  # the provider's reply as received
    REPLY_OUTBOUND = "reply_outbound"  # the reply as returned to the client
    REJECTED = "rejected"  # the rejection (SOAP fault) returned to the sender


class JournalStatus(StrEnum):
    ACCEPTED = "accepted"  # passed every check
    REJECTED = "rejected"  # refused with a named error
    RECEIVED = "received"  # the recipient acknowledged delivery (async)
    REPLIED = "replied"  # a reply was returned to the client
    FAILED = "failed"  # could not be delivered or answered (timeout, broker down…)


@dataclass(frozen=True)
class NewJournalEntry:
    """What the pipeline gives :meth:`JournalRepository.append`; the repository adds the rest."""

    direction: Direction | str
    channel: Channel | str
    status: JournalStatus | str
    raw: bytes
    message_id: str | None = None
    correlation_id: str | None = None
    service_id: str | None = None
    sender_id: str | None = None
    recipient_id: str | None = None
    message_type: MessageType | str | None = None
    error_code: str | None = None
    trace_id: str | None = None

    @classmethod
    def from_fields(cls, fields: NewJournalEntry | Mapping[str, Any]) -> NewJournalEntry:
        if isinstance(fields, NewJournalEntry):
            return fields
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(fields) - known)
        if unknown:
            raise JournalEntryInvalid(f"unknown journal entry field(s): {', '.join(unknown)}")
        missing = sorted({"direction", "channel", "status", "raw"} - set(fields))
        if missing:
            raise JournalEntryInvalid(f"missing journal entry field(s): {', '.join(missing)}")
        return cls(**dict(fields))

    def normalised(self) -> dict[str, Any]:
        """The column values (enums as strings), validated; ``raw`` stays bytes."""
        try:
            direction = Direction(self.direction).value
            channel = Channel(self.channel).value
            status = JournalStatus(self.status).value
            message_type = MessageType(self.message_type).value if self.message_type is not None else None
        except ValueError as exc:
            raise JournalEntryInvalid(f"invalid journal entry: {exc}") from exc
        if not isinstance(self.raw, bytes | bytearray | memoryview):
            raise JournalEntryInvalid("raw must be the exact message bytes")
        return {
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "service_id": self.service_id,
            "sender_id": self.sender_id,
            "recipient_id": self.recipient_id,
            "direction": direction,
            "channel": channel,
            "message_type": message_type,
            "status": status,
            "error_code": self.error_code,
            "trace_id": self.trace_id,
            "raw": bytes(self.raw),
        }


def raw_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def canonical_json(fields: Mapping[str, Any]) -> bytes:
    """The canonical JSON of an entry's :data:`HASHED_FIELDS` (other keys are ignored)."""
    subset = {name: fields.get(name) for name in HASHED_FIELDS}
    return json.dumps(subset, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """``sha256(prev_hash || canonical_json(fields))`` as lowercase hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(fields)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain verification.

    ``first_bad_id`` is the id of the first entry that fails (for a deleted entry: the one after the
    gap); ``head_hash`` is the hash of the last entry checked, to compare with an earlier anchor
    (a truncated tail cannot be seen from the chain alone).
    """

    ok: bool
    entries_checked: int
    first_bad_id: int | None = None
    reason: str | None = None
    head_hash: str | None = None
    raw_checked: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_checked": self.entries_checked,
            "first_bad_id": self.first_bad_id,
            "reason": self.reason,
            "head_hash": self.head_hash,
            "raw_checked": self.raw_checked,
        }


def _raw_of(entry: Mapping[str, Any], raws: Mapping[int, bytes] | None, entry_id: int) -> bytes | None:
    if raws is not None and entry_id in raws:
        return raws[entry_id]
    raw = entry.get("raw")
    if raw is None:
        return None
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    if isinstance(raw, str):
        return base64.b64decode(raw, validate=True)
    raise ValueError("raw must be bytes or base64 text")


def verify_entries(
    entries: Iterable[Mapping[str, Any]],
    raws: Mapping[int, bytes] | None = None,
    *,
    expected_prev_hash: str = GENESIS_HASH,
) -> ChainReport:
    """Verify a chain given as entry dicts in id order (the JSON form of ``GET /journal/{id}``).

    The raw bytes of an entry come from ``raws[id]`` or from the entry's ``raw`` (bytes, or base64
    text as in the JSON form); an entry without either is checked through ``raw_sha256`` only. To
    verify a slice that does not start at the first entry, pass the preceding entry's hash as
    ``expected_prev_hash``. Checks, per entry: id follows the previous one, raw bytes match
    ``raw_sha256``, ``prev_hash`` links to the previous entry, ``hash`` matches the fields.
    """
    prev_hash = expected_prev_hash
    prev_id: int | None = None
    checked = 0
    raw_checked = 0

    def bad(entry_id: int | None, reason: str) -> ChainReport:
        return ChainReport(
            ok=False,
            entries_checked=checked,
            first_bad_id=entry_id,
            reason=reason,
            head_hash=None,
            raw_checked=raw_checked,
        )

    for entry in entries:
        raw_id = entry.get("id")
        if not isinstance(raw_id, int) or isinstance(raw_id, bool):
            return bad(None, f"entry after id {prev_id} has no integer id")
        entry_id = raw_id
        checked += 1
        if prev_id is not None and entry_id != prev_id + 1:
            if entry_id <= prev_id:
                return bad(entry_id, f"entry {entry_id} comes after entry {prev_id} (entries out of order)")
            missing = f"{prev_id + 1}" if entry_id == prev_id + 2 else f"{prev_id + 1}..{entry_id - 1}"
            return bad(entry_id, f"entry {entry_id} follows entry {prev_id}: entry {missing} is missing")
        try:
            raw = _raw_of(entry, raws, entry_id)
        except ValueError as exc:
            return bad(entry_id, f"raw bytes of entry {entry_id} cannot be read: {exc}")
        if raw is not None:
            raw_checked += 1
            if raw_digest(raw) != entry.get("raw_sha256"):
                return bad(entry_id, f"raw bytes of entry {entry_id} do not match its raw_sha256")
        if entry.get("prev_hash") != prev_hash:
            return bad(
                entry_id,
                f"prev_hash of entry {entry_id} does not match the hash of the entry before it "
                "(an entry was deleted, inserted or moved)",
            )
        if compute_entry_hash(prev_hash, entry) != entry.get("hash"):
            return bad(entry_id, f"hash of entry {entry_id} does not match its fields (entry modified)")
        stored_hash = entry.get("hash")
        assert isinstance(stored_hash, str)
        prev_hash = stored_hash
        prev_id = entry_id
    return ChainReport(
        ok=True,
        entries_checked=checked,
        head_hash=None if prev_id is None else prev_hash,
        raw_checked=raw_checked,
    )
