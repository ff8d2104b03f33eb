"""Conversations after the queue: the second stage of a first sync.

The first sync pulls the ticket fields (what the queue shows) and no history; this reads the
conversations of the tickets open here that do not have theirs yet (store/conversation_rows.py
says which), a batch of up to 100 at a time: the tickets an agent opened meanwhile first, then
the most urgent. Each batch is read (sync/rt/history.py: one transaction search, the text
parts, the authors) and written whole in one transaction with the tickets' history marks, so a
run cut anywhere loses nothing and reads nothing twice; the next run goes on from the tickets
still owed.

Why a second stage: RT 5's REST2 answers 100 records a request at most and spends ~1-3 ms of
CPU on every transaction and every attachment it serialises, so the conversations of a queue
cost RT two to three times what its whole field pull does (bench/bench_sync.py). The agent sees
the queue when the fields are in, not after every conversation.

The TUI gives each run a budget (the sync worker also pushes the outbox, and a reply typed
meanwhile should not wait for a thousand conversations); `agentdesk sync` reads until none is
owed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from agentdesk.core.sync_progress import CONVERSATIONS, SyncProgress
from agentdesk.store.engine import Store
from agentdesk.store.sync_port import SyncPort
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history import BACKEND, HistoryReader, HistoryReport, Wanted
from agentdesk.sync.rt.history_apply import apply_history

log = logging.getLogger("agentdesk.sync")

BATCH = 100


@dataclass
class ConversationReport:
    read: int = 0  # tickets whose conversation was read this run
    left: int = 0  # tickets still owing theirs after the run
    history: HistoryReport = field(default_factory=HistoryReport)


@dataclass
class ConversationReader:
    store: Store
    client: RtClient
    clock: Callable[[], datetime]
    progress: Callable[[SyncProgress], None] | None = None
    # Seconds after which no new batch starts, after the first (None: until none is owed).
    budget_seconds: float | None = None
    # Local ids of tickets to read before the others (an agent opened them).
    first: Callable[[], Collection[int]] = tuple
    reader: HistoryReader | None = None
    batch: int | None = None  # tickets a batch reads (None: BATCH, RT's 100 a page)

    def run(self) -> ConversationReport:
        report = ConversationReport()
        port = SyncPort(self.store)
        with port.read() as rows:
            done, owed = rows.conversation_counts(BACKEND)
        if not owed:
            return report
        reader = self.reader or HistoryReader(self.client)
        started, bytes_before = time.monotonic(), self.client.traffic.bytes_in
        total, before, tried = done + owed, done, set[int]()
        self._tell(done, total, before, bytes_before, started)
        while True:
            spent = time.monotonic() - started
            if report.read and self.budget_seconds is not None and spent >= self.budget_seconds:
                break  # one batch at least, whatever the budget
            with port.read() as rows:
                batch = rows.owed_conversations(BACKEND, self.batch or BATCH, first=self.first())
                agents = rows.agent_handles()
            if not batch:
                break
            if any(o.ticket_id in tried for o in batch):
                # apply_history marks every ticket it is given; one still owed is a defect
                # to tell, not a loop to spin in.
                log.error("conversations: tickets still owed after their read: %s", batch[:3])
                break
            tried.update(o.ticket_id for o in batch)
            wanted = {
                o.remote_id: Wanted(o.remote_id, 0, o.remote_updated_at, o.requestor, "open")
                for o in batch
            }
            history = reader.read(wanted, agents)
            with port.write() as rows:
                apply_history(
                    rows,
                    history,
                    region_of={o.remote_id: o.region for o in batch},
                    now=self.clock(),
                    report=report.history,
                )
            report.read += len(batch)
            done += len(batch)
            self._tell(done, total, before, bytes_before, started)
        with port.read() as rows:
            report.left = rows.conversation_counts(BACKEND)[1]
        return report

    def _tell(self, done: int, total: int, before: int, bytes_before: int, started: float) -> None:
        if self.progress is not None:
            self.progress(
                SyncProgress(
                    done=min(done, total),
                    total=total,
                    bytes_in=self.client.traffic.bytes_in - bytes_before,
                    seconds=time.monotonic() - started,
                    stage=CONVERSATIONS,
                    before=before,
                )
            )
