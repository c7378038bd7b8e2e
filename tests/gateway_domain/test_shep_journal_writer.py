"""The journal's group commit: a messageId is admitted once, whether seen before or twice in a batch."""

from __future__ import annotations

import asyncio

from gateway_shep.adapters.database import GatewayStore
from gateway_shep.adapters.journal import Claim
from gateway_shep.adapters.journal_writer import JournalWriter
from gateway_shep.domain.journal import NewJournalEntry


def _entry(message_id: str, direction: str = "inbound") -> NewJournalEntry:
    return NewJournalEntry(
        message_id=message_id,
        service_id="GBDFL_UniversalServiceSync",
        sender_id="IIS_GK",
        direction=direction,
        channel="sync",
        status="accepted",
        raw=f"<soap:Envelope>{message_id} {direction}</soap:Envelope>".encode(),
    )


async def test_a_message_id_is_admitted_once(store: GatewayStore) -> None:
    writer = JournalWriter(store.journal, store.seen)
    writer.start()
    try:
        # Queued together, so the writer takes them in one batch: the second claim loses.
        first, second, other = await asyncio.gather(
            writer.admit(Claim("m-1", "IIS_GK"), _entry("m-1"), _entry("m-1", "forwarded")),
            writer.admit(Claim("m-1", "IIS_GK"), _entry("m-1")),
            writer.admit(Claim("m-2", "IIS_GK"), _entry("m-2")),
        )
        later = await writer.admit(Claim("m-2", "EGOV_PORTAL"), _entry("m-2"))
        await writer.append(_entry("m-2", "reply_inbound"))
    finally:
        await writer.stop()

    assert (first, second, other, later) == (True, False, True, False)
    stored = [(entry.message_id, entry.direction) for entry in reversed(store.journal.search())]
    assert stored == [("m-1", "inbound"), ("m-1", "forwarded"), ("m-2", "inbound"), ("m-2", "reply_inbound")]
    assert store.seen.seen_among(["m-1", "m-2", "m-3"]) == {"m-1", "m-2"}
    assert store.journal.verify_chain().ok
