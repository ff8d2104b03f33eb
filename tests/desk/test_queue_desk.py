"""The queue side of the desk in milliseconds: pages, counts, breaches, search, the peek,
conflicts, one sync run, and opening the workspace."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentdesk.core.errors import Refused
from agentdesk.core.ticket import Priority
from agentdesk.desk import Desk, conflicts, sync_status
from agentdesk.desk import queue as desk_queue
from agentdesk.desk.session import auto_close, check_store_health, open_desk
from agentdesk.store.engine import Store
from agentdesk.store.rows import QueueFilter, View
from tests.conftest import FIXED_NOW
from tests.desk.queue_fixtures import fill, local_settings, make_desk


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    fill(store)
    return make_desk(store, tmp_path)


def _ids(rows: list[object]) -> list[int]:
    return [row.id for row in rows]  # type: ignore[attr-defined]


def test_open_queue_gives_the_size_the_first_page_and_the_rest(desk: Desk) -> None:
    queue = QueueFilter()
    start = desk_queue.open_queue(desk, queue, 2)
    assert start.total == desk_queue.count_queue(desk, queue) == 3  # the resolved one is not open
    assert len(start.first_page) == 2
    rest = start.loader(2, 10)
    assert _ids(start.first_page + rest) == _ids(
        desk_queue.page_queue(desk, queue, FIXED_NOW, 0, 10)
    )
    # The breached P1 ticket leads the SLA-risk order.
    assert start.first_page[0].id == 1


def test_a_superseded_open_stops_after_the_count(desk: Desk) -> None:
    """The agent chose another filter while the count ran: no first page is read for it."""
    asked: list[int] = []

    def superseded() -> bool:
        asked.append(1)
        return True

    assert desk_queue.open_queue(desk, QueueFilter(), 2, superseded) is None
    assert asked == [1]  # asked once, after the count
    wanted = desk_queue.open_queue(desk, QueueFilter(), 2, lambda: False)
    assert wanted is not None and wanted.total == 3 and len(wanted.first_page) == 2


def test_views_narrow_the_queue(desk: Desk) -> None:
    agent_id = desk.actor.agent_id
    mine = QueueFilter(view=View.MINE, agent_id=agent_id)
    assert _ids(desk_queue.open_queue(desk, mine, 10).first_page) == [3]
    unassigned = QueueFilter(view=View.UNASSIGNED, agent_id=agent_id)
    assert sorted(_ids(desk_queue.open_queue(desk, unassigned, 10).first_page)) == [1, 2]


def test_an_empty_queue_reads_no_page(desk: Desk) -> None:
    nothing = QueueFilter(priorities=frozenset({Priority.P4}))
    start = desk_queue.open_queue(desk, nothing, 10)
    assert start.total == 0 and start.first_page == []


def test_the_header_counts(desk: Desk) -> None:
    counts = desk_queue.queue_counts(desk)
    assert counts.pending_outbox == 1
    assert counts.by_priority[Priority.P1] == 1
    assert sum(counts.by_priority.values()) == 3


def test_breaches_are_recorded_once(desk: Desk) -> None:
    assert desk_queue.record_breaches(desk) >= 1
    assert desk_queue.record_breaches(desk) == 0


def test_the_search_finds_by_subject_and_keeps_the_filter(desk: Desk) -> None:
    index = desk_queue.build_search_index(desk)
    ids = index.search("refund", 10)
    assert ids[:1] == [2]
    assert _ids(desk_queue.search_rows(desk, QueueFilter(), ids)) == [2]
    mine = QueueFilter(view=View.MINE, agent_id=desk.actor.agent_id)
    assert desk_queue.search_rows(desk, mine, ids) == []
    assert desk_queue.search_rows(desk, QueueFilter(), []) == []


def test_the_queue_reads_hold_the_foreground_gate_and_the_index_build_does_not(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: the search index build waits while a read the agent waits for runs
    (desk/foreground.py); each of those reads holds the gate while it reads."""
    from contextlib import contextmanager

    from agentdesk.desk.foreground import FOREGROUND
    from agentdesk.desk.text_search import search_text

    store_read = desk.store.read
    gate_at_reads: list[bool] = []

    @contextmanager
    def read():  # type: ignore[no-untyped-def]
        gate_at_reads.append(FOREGROUND.idle)
        with store_read() as connection:
            yield connection

    monkeypatch.setattr(desk.store, "read", read)
    queue = QueueFilter()
    start = desk_queue.open_queue(desk, queue, 1)
    start.loader(1, 5)
    desk_queue.count_queue(desk, queue)
    desk_queue.page_queue(desk, queue, FIXED_NOW, 0, 5)
    desk_queue.search_rows(desk, queue, [2])
    search_text(desk, queue, "refund", 10)
    assert gate_at_reads == [False] * 6 and FOREGROUND.idle
    assert desk_queue.build_search_index(desk).search("refund", 10)[:1] == [2]
    assert gate_at_reads == [False] * 6 + [True]


def test_the_peek_matches_the_open_store(desk: Desk, store: Store) -> None:
    queue = QueueFilter()
    peek = desk_queue.peek_queue(desk.settings, queue, FIXED_NOW, 2)
    assert peek is not None
    assert peek.total == 3 and peek.agent is not None and peek.agent.handle == desk.actor.handle
    later = desk_queue.peek_loader(desk.settings, peek.queue, FIXED_NOW)(2, 10)
    assert _ids(peek.first_page + later) == _ids(
        desk_queue.page_queue(desk, peek.queue, FIXED_NOW, 0, 10)
    )


def test_no_peek_at_a_file_that_is_not_ours(tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    settings.db_path.write_text("shopping list\n")
    assert desk_queue.peek_queue(settings, QueueFilter(), FIXED_NOW, 10) is None
    assert (
        desk_queue.peek_queue(local_settings(tmp_path / "none"), QueueFilter(), FIXED_NOW, 10)
        is None
    )


def test_conflicts_are_listed_and_resolved_by_the_desk_actor(desk: Desk) -> None:
    (conflict,) = conflicts.list_conflicts(desk)
    assert conflict.ticket_id == 3 and conflict.remote_value == "P0"
    assert conflicts.ticket_conflicts(desk, 3) == [conflict]
    assert conflicts.ticket_conflicts(desk, 1) == []
    resolved = conflicts.resolve_conflict(desk, conflict.id, "took_theirs")
    assert resolved.state == "took_theirs"
    assert conflicts.list_conflicts(desk) == []
    (everything,) = conflicts.list_conflicts(desk, open_only=False)
    assert everything.id == conflict.id
    with sqlite3.connect(desk.store.path) as connection:
        actor = connection.execute(
            "SELECT actor FROM audit WHERE action = 'conflict_took_theirs'"
        ).fetchone()
    assert actor == (desk.actor.handle,)


def test_a_conflict_refuses_what_it_cannot_apply(desk: Desk) -> None:
    (conflict,) = conflicts.list_conflicts(desk)
    with pytest.raises(Refused, match="not a way to resolve"):
        conflicts.resolve_conflict(desk, conflict.id, "flip_a_coin")
    with pytest.raises(Refused, match="is not a valid priority"):
        conflicts.resolve_conflict(desk, conflict.id, "edited", "P9")
    with pytest.raises(Refused, match="needs a value"):
        conflicts.resolve_conflict(desk, conflict.id, "edited")
    conflicts.resolve_conflict(desk, conflict.id, "kept_mine")
    with pytest.raises(Refused, match="already resolved"):
        conflicts.resolve_conflict(desk, conflict.id, "kept_mine")
    assert set(conflicts.RESOLUTIONS) == {"kept_mine", "took_theirs", "edited"}


def test_one_local_sync_run_clears_the_outbox(desk: Desk) -> None:
    backend = sync_status.open_backend(desk.settings)
    assert backend.name == "local"
    summary = sync_status.sync_once(desk, backend)
    assert summary.backend == "local" and summary.pushed == 1
    assert desk_queue.queue_counts(desk).pending_outbox == 0
    assert sync_status.resume_sync(desk, backend).pushed == 0
    reports: list[object] = []
    last = sync_status.keep_syncing(desk, backend, once=True, interval=1, report=reports.append)
    assert reports == [last] and last.state == "online"


def test_open_desk_finds_the_agent_and_checks_the_store(tmp_path: Path) -> None:
    desk = open_desk(local_settings(tmp_path), lambda: FIXED_NOW, quick_check=False)
    try:
        assert not desk.read_only
        assert desk.actor.agent_id is None  # an empty store has no such agent
        check_store_health(desk)
        assert auto_close(desk).closed == 0
    finally:
        desk.store.close()
