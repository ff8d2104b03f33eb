"""Issue 17 (filter p95): a filter change reads indexes only, for every view and filter.

A count of the matches, and a page of a few of them sorted, must not read the ticket rows:
at 50,000 tickets a count that took one column's index and read each of its rows for the
other columns cost 20-40 ms of CPU (a region and the unassigned, a tier and the closed).
EXPLAIN QUERY PLAN says which index each reads and whether it alone answers ("COVERING").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.queue_sql import count_sql, filter_index, keyset_sql
from agentdesk.store.rows import QueueFilter, View

VIEWS: list[dict[str, Any]] = [
    {"view": View.ALL},
    {"view": View.UNASSIGNED},
    {"view": View.MINE, "agent_id": 3},
    {"view": View.TIER, "tier": Tier.L2},
    {"view": View.TIER},  # the agent's tier unknown: the view is empty
]
NARROWING: list[dict[str, Any]] = [
    {},
    {"statuses": frozenset()},
    {"statuses": frozenset({Status.RESOLVED, Status.CLOSED})},
    {"priorities": frozenset({Priority.P1})},
    {"channels": frozenset({Channel.CHAT, Channel.PHONE})},
    {"regions": frozenset({Region.EMEA})},
    {"tiers": frozenset({Tier.L3})},
]


def _filters() -> Iterator[QueueFilter]:
    """Every view alone, with each narrowing, and with each pair of them."""
    for view in VIEWS:
        for narrowing in NARROWING:
            yield QueueFilter(**view, **narrowing)
        for first, second in itertools.combinations(NARROWING, 2):
            if not set(first) & set(second):
                yield QueueFilter(**view, **first, **second)


FILTERS = list(dict.fromkeys(_filters()))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(Path(tmp_path_factory.mktemp("plans")) / "agentdesk.db", load_sla_policy())
    yield opened
    opened.close()


def _plan(connection: Connection, sql: str, params: dict[str, Any]) -> list[tuple[int, int, str]]:
    rows = connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params)
    return [(int(node), int(parent), str(detail)) for node, parent, _, detail in rows]


def _reads_of_tickets(plan: list[tuple[int, int, str]], parent: int | None) -> list[str]:
    return [
        detail
        for _, up, detail in plan
        if (parent is None or up == parent) and re.match(r"(SCAN|SEARCH) (t|tickets)\b", detail)
    ]


def test_the_grid_holds_every_view_with_pairs_of_filters() -> None:
    assert len(FILTERS) == len(VIEWS) * 21  # alone, 6 narrowings, 14 pairs of them
    pair = QueueFilter(view=View.UNASSIGNED, statuses=frozenset(), regions=NARROWING[5]["regions"])
    assert pair in FILTERS


@pytest.mark.parametrize("queue", FILTERS, ids=lambda q: repr(q)[12:110])
def test_a_count_reads_one_index_alone(store: Store, queue: QueueFilter) -> None:
    with store.read() as connection:
        reads = _reads_of_tickets(_plan(connection, *count_sql(queue)), None)
    assert len(reads) == 1 and "USING COVERING INDEX" in reads[0], reads
    if reads[0].startswith("SCAN tickets "):
        # Every ticket (any view, any status): SQLite counts its smallest index whole.
        assert queue == QueueFilter(statuses=frozenset()), reads
    else:
        assert filter_index(queue, count=True) in reads[0], reads


@pytest.mark.parametrize("queue", FILTERS, ids=lambda q: repr(q)[12:110])
@pytest.mark.parametrize("walk", [False, True], ids=["few matches, sorted", "order walk"])
def test_a_page_picks_its_rows_from_one_index_alone(
    store: Store, queue: QueueFilter, walk: bool
) -> None:
    """The page's inner select (which rows, in which order) reads one index alone; only
    the page's own rows are then read by id, for the columns shown."""
    after = (0, 0, "", "", "", 0)
    for sql, params in (
        keyset_sql(queue, 50, walk_order=walk),
        keyset_sql(queue, 50, after=after, walk_order=walk),
        keyset_sql(queue, 50, offset=10, from_end=True, walk_order=walk),
    ):
        with store.read() as connection:
            plan = _plan(connection, sql, params)
        materialize = [node for node, _, detail in plan if detail.startswith("MATERIALIZE")]
        assert len(materialize) == 1, plan
        reads = _reads_of_tickets(plan, materialize[0])
        index = "ix_tickets_queue_order" if walk else filter_index(queue)
        assert len(reads) == 1 and f"USING COVERING INDEX {index}" in reads[0], reads
        by_id = _reads_of_tickets(plan, 0)
        assert by_id == ["SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"], plan
