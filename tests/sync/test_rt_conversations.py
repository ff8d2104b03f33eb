"""Conversations after the queue (sync/rt/conversations.py), against a real RT on loopback: a
first sync brings the ticket fields; the open tickets' conversations follow, a batch at a
time, the opened ticket first, the most urgent next; each message arrives once however the
stage is cut, and a closed ticket's conversation waits until it changes."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from agentdesk.store.sync_port import SyncPort
from agentdesk.sync.rt import conversations
from agentdesk.sync.rt.conversations import ConversationReader
from agentdesk.sync.rt.history import HistoryReader, PageHistory, Wanted
from agentdesk.sync.rt.pull import Puller
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def _messages_by_ticket(store) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with store.read() as connection:
        rows = connection.execute(
            text(
                "SELECT t.remote_id, count(m.id) FROM tickets t "
                "LEFT JOIN messages m ON m.ticket_id = t.id GROUP BY t.remote_id"
            )
        )
        return {str(remote): int(n) for remote, n in rows}


def _local_id(store, remote_id: str) -> int:  # type: ignore[no-untyped-def]
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
            ).scalar_one()
        )


def _owed(store) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with SyncPort(store).read() as rows:
        return rows.conversation_counts("rt")


def _tickets_with_replies(rt_root: RtApi, colleague: RtApi, queue: str, n: int) -> list[str]:
    remotes = []
    for k in range(n):
        remote = rt_root.create(
            queue, f"Parcel {k}", Requestor=f"c{k}@example.com", Content=f"Where is parcel {k}?"
        )
        colleague(
            "POST",
            f"/ticket/{remote}/correspond",
            json={"Content": f"On its way, {k}.", "ContentType": "text/plain"},
        )
        remotes.append(remote)
    return remotes


def test_the_queue_comes_first_then_the_conversations_a_batch_at_a_time(
    store, rt_server: RtServer, rt_root: RtApi, colleague: RtApi, rt_queue: str, fast_sleep
) -> None:
    remotes = _tickets_with_replies(rt_root, colleague, rt_queue, 3)
    closed = rt_root.create(rt_queue, "Old", Requestor="old@example.com", Content="Old issue.")
    rt_root("PUT", f"/ticket/{closed}", json={"Status": "resolved"})
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    report = Puller(store, backend.client, backend.settings, _now).run()
    # The first sync is the queue: every ticket, no conversation yet.
    assert report.created == 4 and report.history.messages == 0
    assert _owed(store) == (0, 3)
    stage = ConversationReader(store, backend.client, _now, budget_seconds=0, batch=2)
    first = stage.run()
    assert (first.read, first.left, first.history.messages) == (2, 1, 4)
    second = ConversationReader(store, backend.client, _now, budget_seconds=0, batch=2).run()
    assert (second.read, second.left, second.history.messages) == (1, 0, 2)
    assert _messages_by_ticket(store) == {**{r: 2 for r in remotes}, closed: 0}
    assert _owed(store) == (3, 0)
    # Nothing owed: no request at all.
    requests = backend.client.traffic.requests
    assert ConversationReader(store, backend.client, _now).run().read == 0
    assert backend.client.traffic.requests == requests
    # A delta pull after it (the overlap window lists every ticket again) asks RT for no
    # history: the marks hold the LastUpdated the pull compares.
    asked = _Asked(backend.client)
    Puller(store, backend.client, backend.settings, _now, reader=asked).run()
    # (The just-resolved ticket is in the window and has no mark: the pull reads it as a
    # changed ticket, as it would any closed ticket that changed.)
    assert set(asked.wanted) <= {closed}
    colleague(
        "POST",
        f"/ticket/{closed}/comment",
        json={"Content": "Customer phoned again.", "ContentType": "text/plain"},
    )
    backend.sync(store, _now())
    assert _messages_by_ticket(store) == {**{r: 2 for r in remotes}, closed: 2}


def test_an_opened_ticket_is_read_before_more_urgent_ones(
    store,
    rt_server: RtServer,
    rt_root: RtApi,
    colleague: RtApi,
    rt_queue: str,
    fast_sleep,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remotes = _tickets_with_replies(rt_root, colleague, rt_queue, 3)
    rt_root("PUT", f"/ticket/{remotes[0]}", json={"Priority": 100})  # P0 locally
    # No overlap, and the tickets older than the pull's slack (2 s, and 1-2 s of rounding to
    # whole seconds): the delta pull lists none again (it reads a listed ticket inline).
    time.sleep(6)
    backend = make_backend(rt_server, rt_queue, fast_sleep, overlap=0)
    Puller(store, backend.client, backend.settings, _now).run()
    urgent = ConversationReader(store, backend.client, _now, budget_seconds=0, batch=1).run()
    assert urgent.read == 1
    assert _messages_by_ticket(store)[remotes[0]] == 2  # the P0 first
    opened = _local_id(store, remotes[2])
    backend.conversations_first = lambda: (opened,)
    backend.conversation_seconds = 0  # one batch a run, as the TUI paces it
    monkeypatch.setattr(conversations, "BATCH", 1)
    summary = backend.sync(store, _now())
    assert summary.conversations_left == 1
    assert opened in summary.changed_tickets
    assert _messages_by_ticket(store) == {remotes[0]: 2, remotes[1]: 0, remotes[2]: 2}


@dataclass
class _Asked(HistoryReader):
    """Records which tickets' history a pull asks for."""

    wanted: list[str] = field(default_factory=list)

    def read(self, wanted: Mapping[str, Wanted], agents: set[str]) -> PageHistory:
        self.wanted += list(wanted)
        return super().read(wanted, agents)


class _DropsTheLink(HistoryReader):
    """RT answered, then the link dropped before the batch was written: placed on the second
    batch, deterministically."""

    calls = 0

    def read(self, wanted: Mapping[str, Wanted], agents: set[str]) -> PageHistory:
        page = super().read(wanted, agents)
        self.calls += 1
        if self.calls == 2:
            raise ConnectionResetError("link dropped")
        return page


def test_a_stage_cut_mid_way_loses_nothing_and_reads_nothing_twice(
    store, rt_server: RtServer, rt_root: RtApi, colleague: RtApi, rt_queue: str, fast_sleep
) -> None:
    remotes = _tickets_with_replies(rt_root, colleague, rt_queue, 4)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    Puller(store, backend.client, backend.settings, _now).run()
    cut = ConversationReader(
        store, backend.client, _now, batch=2, reader=_DropsTheLink(backend.client)
    )
    with pytest.raises(ConnectionResetError):
        cut.run()
    assert _owed(store) == (2, 2)  # the first batch is in, whole; the second not at all
    # A customer writes on an owed ticket meanwhile: the delta pull reads it whole.
    late = next(r for r in remotes if _messages_by_ticket(store)[r] == 0)
    rt_root(
        "POST",
        f"/ticket/{late}/correspond",
        json={"Content": "Any news?", "ContentType": "text/plain"},
    )
    summary = backend.sync(store, _now())
    assert summary.state == "online" and summary.conversations_left == 0
    counts = _messages_by_ticket(store)
    assert counts == {r: (3 if r == late else 2) for r in remotes}
    # Marks lost and the cursor back at the start: read again, nothing imported twice.
    with store.write() as connection:
        connection.execute(text("DELETE FROM sync_history"))
        connection.execute(text("DELETE FROM sync_cursors"))
    again = backend.sync(store, _now())
    assert (again.state, again.messages, again.conversations_left) == ("online", 0, 0)
    assert _messages_by_ticket(store) == counts
