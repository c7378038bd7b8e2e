"""Group commit for the journal: every concurrent request's entries in one transaction.

The gateway writes two journal entries before it forwards a message and two before it answers;
at load, hundreds of small transactions would each wait for the database. Callers here hand over
their entries (and, for a new message, its messageId claim) and await the commit; one writer task
takes whatever has queued up, writes it in a single transaction in a worker thread, and wakes each
caller. Entries of one call stay contiguous and in order, and nothing is acknowledged before it is
committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway_shep.adapters.async_messages import SeenMessageRepository
from gateway_shep.adapters.journal import Claim, JournalRepository
from gateway_shep.domain.journal import NewJournalEntry

log = logging.getLogger(__name__)
MAX_BATCH = 256


@dataclass
class _Pending:
    entries: Sequence[NewJournalEntry]
    claim: Claim | None
    done: asyncio.Future[bool]


@dataclass
class JournalWriter:
    journal: JournalRepository
    seen: SeenMessageRepository
    _queue: asyncio.Queue[_Pending] = field(default_factory=asyncio.Queue, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journal-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def append(self, *entries: NewJournalEntry) -> None:
        await self._submit(entries, None)

    async def admit(self, claim: Claim, *entries: NewJournalEntry) -> bool:
        """Claim a messageId and journal its entries atomically; False (nothing written) if seen."""
        return await self._submit(entries, claim)

    async def _submit(self, entries: Sequence[NewJournalEntry], claim: Claim | None) -> bool:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(entries, claim, done))
        return await done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await asyncio.to_thread(self._write, batch)
            except Exception as exc:
                log.exception("journal batch of %d failed", len(batch))
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
                continue
            for pending, outcome in zip(batch, outcomes, strict=True):
                if not pending.done.done():
                    pending.done.set_result(outcome)

    def _write(self, batch: list[_Pending]) -> list[bool]:
        """One transaction for the batch; a claimed messageId (seen before, or twice in the batch)
        leaves its caller's entries out and answers False."""
        accepted: list[bool] = []
        claims: list[Claim] = []
        entries: list[NewJournalEntry] = []
        taken = self.seen.seen_among({p.claim.message_id for p in batch if p.claim is not None})
        for pending in batch:
            claim = pending.claim
            if claim is not None and claim.message_id in taken:
                accepted.append(False)
                continue
            if claim is not None:
                taken.add(claim.message_id)  # a second claim in the same batch is a duplicate too
                claims.append(claim)
            entries.extend(pending.entries)
            accepted.append(True)
        if entries or claims:
            self.journal.append_many(entries, claims=claims)
        return accepted
