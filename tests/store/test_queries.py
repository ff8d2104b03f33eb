"""Queue queries: SLA-risk order, views, filters, paging, all in SQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentdesk.core.ticket import Channel, Priority, Status
from agentdesk.store.queries import (
    count_queue,
    page_queue,
    priority_counts,
    rows_by_id,
    search_corpus,
    ticket_detail,
)
from agentdesk.store.rows import QueueFilter, View
from tests.store.factory import add_people, add_ticket


@pytest.fixture
def queue(store, now):
    add_people(store, now)
    minutes = lambda m: now - timedelta(minutes=m)  # noqa: E731
    # P1: first response due 60 min after creation, at risk in its last quarter.
    add_ticket(store, 1, created_at=minutes(5), priority=Priority.P1)  # ok
    add_ticket(store, 2, created_at=minutes(50), priority=Priority.P1)  # at risk
    add_ticket(store, 3, created_at=minutes(90), priority=Priority.P1)  # breached
    add_ticket(store, 4, created_at=minutes(1), priority=Priority.P0)  # ok, but P0
    add_ticket(store, 5, created_at=minutes(200), priority=Priority.P3, channel="chat")
    add_ticket(
        store,
        6,
        created_at=minutes(30),
        priority=Priority.P2,
        status=Status.ASSIGNED,
        assignee_id=1,
    )
    add_ticket(
        store,
        7,
        created_at=minutes(30),
        priority=Priority.P2,
        status=Status.RESOLVED,
        assignee_id=1,
    )
    add_ticket(
        store,
        8,
        created_at=minutes(2),
        priority=Priority.P2,
        status=Status.ASSIGNED,
        assignee_id=2,
        customer_id=2,
        subject="[bold]Refund[/bold] \x1b[31m",
    )
    return store


def _ids(store, queue_filter, now, offset=0, limit=100):
    with store.read() as connection:
        return [row.id for row in page_queue(connection, queue_filter, now, offset, limit)]


def test_breached_then_at_risk_then_priority_then_due(queue, now) -> None:
    assert _ids(queue, QueueFilter(), now) == [3, 2, 4, 1, 6, 8, 5]


def test_the_order_moves_as_time_passes(queue, now) -> None:
    # Twenty minutes on, #4 (P0) has breached too, and P0 leads the breached group.
    assert _ids(queue, QueueFilter(), now + timedelta(minutes=20))[:3] == [4, 3, 2]


def test_views_mine_and_unassigned(queue, now) -> None:
    assert _ids(queue, QueueFilter(view=View.MINE, agent_id=1), now) == [6]
    assert _ids(queue, QueueFilter(view=View.UNASSIGNED), now) == [3, 2, 4, 1, 5]
    # Without a known agent "mine" is empty rather than everything.
    assert _ids(queue, QueueFilter(view=View.MINE, agent_id=None), now) == []


def test_filters_combine(queue, now) -> None:
    f = QueueFilter(priorities=frozenset({Priority.P1}))
    assert _ids(queue, f, now) == [3, 2, 1]
    f = QueueFilter(channels=frozenset({Channel.CHAT}))
    assert _ids(queue, f, now) == [5]
    f = QueueFilter(statuses=frozenset({Status.RESOLVED}))
    assert _ids(queue, f, now) == [7]
    with queue.read() as connection:
        assert count_queue(connection, QueueFilter()) == 7
        assert count_queue(connection, QueueFilter(statuses=frozenset())) == 8


def test_pages_join_up_without_gaps(queue, now) -> None:
    whole = _ids(queue, QueueFilter(), now)
    pages = [_ids(queue, QueueFilter(), now, offset, 3) for offset in (0, 3, 6)]
    assert [i for page in pages for i in page] == whole


def test_rows_by_id_keep_the_search_rank_and_the_filter(queue, now) -> None:
    with queue.read() as connection:
        rows = rows_by_id(connection, QueueFilter(), [5, 7, 1, 99])
    assert [r.id for r in rows] == [5, 1]  # 7 is resolved, 99 does not exist


def test_customer_is_masked_and_counts_cover_open_tickets(queue, now) -> None:
    with queue.read() as connection:
        rows = page_queue(connection, QueueFilter(), now, 0, 100)
        counts = priority_counts(connection)
        ids, texts = search_corpus(connection)
    assert {r.customer for r in rows} == {"Maria L.", "John S."}
    assert counts == {
        Priority.P0: 1,
        Priority.P1: 3,
        Priority.P2: 2,
        Priority.P3: 1,
        Priority.P4: 0,
    }
    assert texts[ids.index(1)] == "#1 Cannot log in Maria Garcia Lopez"


def test_detail_masks_contact_keeps_markup_literal_and_drops_escapes(queue) -> None:
    with queue.read() as connection:
        detail = ticket_detail(connection, 8)
        missing = ticket_detail(connection, 404)
    assert detail is not None and missing is None
    # Written as "[bold]Refund[/bold] \x1b[31m": markup is text, the escape never lands.
    assert detail.subject == "[bold]Refund[/bold] "
    assert detail.customer_email == "j***n@example.org"
    assert detail.account_id == "ACC-00000002"
