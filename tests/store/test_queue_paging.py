"""Keyset paging (QueuePager) returns exactly the rows OFFSET paging returns, for every view
and filter, whichever way the agent scrolls: forward, from the end backwards, or jumping.

The queue has one order (store/queue_sql.ORDER: SLA risk within priority bands, then id);
the store is a generated demo with clocks that are paused or finished (no due time), ties
within a minute, and every status, channel, region and tier.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator

import pytest

from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.demo import generate_demo
from agentdesk.store import peek, queries
from agentdesk.store.queries import QueuePager, count_queue, page_queue
from agentdesk.store.rows import QueueFilter, View
from tests.conftest import FIXED_NOW

PAGE = 37  # no multiple of anything the store holds

FILTERS = [
    QueueFilter(),
    QueueFilter(statuses=frozenset()),
    QueueFilter(view=View.UNASSIGNED),
    QueueFilter(view=View.MINE, agent_id=3),
    QueueFilter(view=View.TIER, tier=Tier.L2),
    QueueFilter(priorities=frozenset({Priority.P1, Priority.P0})),
    QueueFilter(channels=frozenset({Channel.CHAT, Channel.PHONE})),
    QueueFilter(regions=frozenset({Region.EMEA}), statuses=frozenset({Status.PENDING})),
    QueueFilter(statuses=frozenset({Status.RESOLVED, Status.CLOSED})),
    QueueFilter(tiers=frozenset({Tier.L1}), statuses=frozenset(Status)),
    QueueFilter(priorities=frozenset({Priority.P4}), regions=frozenset({Region.APAC})),
    # Two columns that no one old index held (issue 17: each reads ix_tickets_filter or
    # ix_tickets_assignee whole, migration hmem_filter_indexes).
    QueueFilter(view=View.UNASSIGNED, regions=frozenset({Region.EMEA}), statuses=frozenset()),
    QueueFilter(view=View.MINE, agent_id=3, channels=frozenset({Channel.CHAT})),
    QueueFilter(view=View.TIER, tier=Tier.L1, statuses=frozenset({Status.CLOSED})),
    QueueFilter(view=View.TIER, tier=Tier.L2, priorities=frozenset({Priority.P2})),
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    path = tmp_path_factory.mktemp("paging") / "agentdesk.db"
    store = open_store(path, load_sla_policy())
    generate_demo(store, tickets=900, seed=11, now=FIXED_NOW)
    store.close()
    with sqlite3.connect(path) as connection:
        # Many rows sharing a due minute (and one due time), so the tie-breakers decide.
        connection.execute(
            "UPDATE tickets SET sla_due_at = '2026-11-23T15:00:00.000000Z' WHERE id % 7 = 0 "
            "AND sla_due_at IS NOT NULL"
        )
    store = open_store(path, load_sla_policy())
    yield store
    store.close()


def _offset_ids(connection: object, queue: QueueFilter, total: int) -> list[int]:
    ids: list[int] = []
    for offset in range(0, total, PAGE):
        ids += [row.id for row in page_queue(connection, queue, FIXED_NOW, offset, PAGE)]  # type: ignore[arg-type]
    return ids


@pytest.mark.parametrize("walk", ["order index", "filter index"])
@pytest.mark.parametrize("queue", FILTERS, ids=lambda q: repr(q)[12:80])
def test_keyset_pages_are_the_offset_pages(
    generated: object, queue: QueueFilter, walk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both ways a pager reads: walking the order index, or letting SQLite pick and sort.
    monkeypatch.setattr(queries, "DENSE_QUEUE", 0 if walk == "order index" else 10**9)
    with generated.read() as connection:  # type: ignore[attr-defined]
        total = count_queue(connection, queue)
        expected = _offset_ids(connection, queue, total)
        assert len(expected) == total
        starts = list(range(0, total, PAGE))

        def read(order: list[int]) -> list[int]:
            pager = QueuePager(queue, total)
            pages = {start: pager.page(connection, start, PAGE) for start in order}
            return [row.id for start in starts for row in pages[start]]

        assert read(starts) == expected  # scrolling down: each page after the last key
        assert read(starts[::-1]) == expected  # End, then up: before the first key
        jumps = starts[:]
        random.Random(total).shuffle(jumps)
        assert read(jumps) == expected  # jumps: from the nearer end, then from the keys
    assert total > 0 or queue.view is not View.ALL


@pytest.mark.parametrize("queue", FILTERS[:2], ids=["open", "every status"])
def test_the_sql_order_is_the_cores(generated: object, queue: QueueFilter) -> None:
    # store/queue_sql.ORDER_KEY is core.sla.queue_order_key in SQL, row for row.
    from agentdesk.core.sla import queue_order_key

    with generated.read() as connection:  # type: ignore[attr-defined]
        total = count_queue(connection, queue)
        rows = QueuePager(queue, total).page(connection, 0, total)
    assert len(rows) == total > 100
    by_core = sorted(rows, key=lambda r: queue_order_key(r.priority, r.sla_due_at, r.id))
    assert [r.id for r in rows] == [r.id for r in by_core]
    assert len({r.priority for r in rows}) >= 4


@pytest.mark.parametrize("walk", ["order index", "filter index"])
@pytest.mark.parametrize("queue", FILTERS, ids=lambda q: repr(q)[12:80])
def test_the_peek_shows_the_first_offset_page(
    generated: object, queue: QueueFilter, walk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The peek (standard library, before the store is open) reads its first page by the
    order key too: the rows the open store then shows, in the same order."""
    monkeypatch.setattr(peek, "DENSE_QUEUE", 0 if walk == "order index" else 10**9)
    seen = peek.peek_queue(generated.path, queue, "", FIXED_NOW, PAGE)  # type: ignore[attr-defined]
    assert seen is not None
    with generated.read() as connection:  # type: ignore[attr-defined]
        expected = page_queue(connection, seen.queue, FIXED_NOW, 0, PAGE)
        assert seen.total == count_queue(connection, seen.queue)
    assert [row.id for row in seen.first_page] == [row.id for row in expected]
    assert seen.first_page == expected
