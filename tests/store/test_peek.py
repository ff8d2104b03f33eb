"""The start-up peek: the same queue as the open store, or None when it cannot be sure."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from agentdesk.core.ticket import Channel, Priority, Tier
from agentdesk.demo import DEMO_AGENT_HANDLE, generate_demo
from agentdesk.store.engine import Store, open_store
from agentdesk.store.migrations import APPLICATION_ID, SCHEMA_VERSION
from agentdesk.store.peek import peek_page, peek_queue
from agentdesk.store.queries import agent_by_handle, count_queue, page_queue, priority_counts
from agentdesk.store.rows import QueueFilter, View
from tests.conftest import FIXED_NOW


@pytest.fixture
def demo_store(tmp_path: Path, policy) -> Store:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "agentdesk.db", policy)
    generate_demo(store, tickets=250, seed=11, now=FIXED_NOW)
    return store


@pytest.mark.parametrize(
    "queue",
    [
        QueueFilter(),
        QueueFilter(view=View.MINE),
        QueueFilter(view=View.UNASSIGNED, priorities=frozenset({Priority.P2, Priority.P3})),
        QueueFilter(statuses=frozenset(), channels=frozenset({Channel.EMAIL})),
        QueueFilter(view=View.TIER),
        QueueFilter(tiers=frozenset({Tier.L2, Tier.L3})),
    ],
    ids=["all-open", "mine", "unassigned-p2-p3", "email-any-status", "my-tier", "l2-l3"],
)
def test_the_peek_shows_what_the_open_store_shows(demo_store: Store, queue: QueueFilter) -> None:
    peek = peek_queue(demo_store.path, queue, DEMO_AGENT_HANDLE, FIXED_NOW, 40)
    assert peek is not None
    with demo_store.read() as connection:
        agent = agent_by_handle(connection, DEMO_AGENT_HANDLE)
        assert agent is not None
        expected_queue = replace(queue, agent_id=agent.id, tier=agent.tier)
        assert peek.agent == agent
        assert peek.queue == expected_queue
        assert peek.total == count_queue(connection, expected_queue)
        assert peek.total > 0
        assert peek.first_page == page_queue(connection, expected_queue, FIXED_NOW, 0, 40)
        assert peek.counts == priority_counts(connection)
        later = page_queue(connection, expected_queue, FIXED_NOW, 40, 40)
    assert peek_page(demo_store.path, expected_queue, FIXED_NOW, 40, 40) == later


def test_an_unknown_agent_leaves_mine_empty(demo_store: Store) -> None:
    peek = peek_queue(demo_store.path, QueueFilter(view=View.MINE), "nobody", FIXED_NOW, 40)
    assert peek is not None
    assert peek.agent is None and peek.total == 0 and peek.first_page == []


def test_a_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "agentdesk.db"
    assert peek_queue(path, QueueFilter(), "", FIXED_NOW, 40) is None
    assert not path.exists()


def test_a_text_file_gets_no_peek(tmp_path: Path) -> None:
    path = tmp_path / "agentdesk.db"
    path.write_text("not a database")
    assert peek_queue(path, QueueFilter(), "", FIXED_NOW, 40) is None
    assert path.read_text() == "not a database"


def test_another_programs_database_gets_no_peek(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY)")
    raw.commit()
    raw.close()
    assert peek_queue(path, QueueFilter(), "", FIXED_NOW, 40) is None


def test_a_store_that_needs_migrating_waits_for_the_open(demo_store: Store) -> None:
    demo_store.close()
    raw = sqlite3.connect(demo_store.path)
    # As a store made before the last migration: without it, and without its name.
    raw.execute("DROP INDEX ix_tickets_queue_order")
    raw.execute("DELETE FROM meta WHERE key = 'migration:h17_queue_order'")
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    raw.commit()
    raw.close()
    assert peek_queue(demo_store.path, QueueFilter(), "", FIXED_NOW, 40) is None


def test_the_peek_never_writes(demo_store: Store) -> None:
    demo_store.close()  # checkpoints the WAL: the file alone holds everything
    before = demo_store.path.read_bytes()
    assert peek_queue(demo_store.path, QueueFilter(), DEMO_AGENT_HANDLE, FIXED_NOW, 40)
    assert demo_store.path.read_bytes() == before
    raw = sqlite3.connect(demo_store.path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    raw.close()
