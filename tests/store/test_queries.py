"""Queue queries: time-to-breach order, views, filters, paging, all in SQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agentdesk.core.sla import Clock, format_time_left
from agentdesk.core.ticket import Channel, Priority, Status
from agentdesk.store.engine import Store, open_store
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


@pytest.fixture(params=[None, bytes(range(32))], ids=["plain", "encrypted"])
def store(request: pytest.FixtureRequest, tmp_path: Path, policy) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    """Issue 16: every test here runs on a plain and on a SQLCipher-encrypted store."""
    opened = open_store(tmp_path / "agentdesk.db", policy, key=request.param)
    yield opened
    opened.close()


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


def test_sla_risk_within_priority_bands(queue, now) -> None:
    # The P0 first (#4, due 14:14); then the priority tickets P1-P2 by due time, the
    # breached first: #3 13:30 (30 min late), #2 14:10, #6 14:30, #1 14:55, #8 14:58; then
    # the P3 (#5, days away on business hours).
    assert _ids(queue, QueueFilter(), now) == [4, 3, 2, 6, 1, 8, 5]


def test_the_order_does_not_move_as_time_passes(queue, now) -> None:
    # Absolute due times: a page read later joins up with the first page of a showing.
    later = now + timedelta(minutes=20)
    assert _ids(queue, QueueFilter(), later) == _ids(queue, QueueFilter(), now)
    assert _ids(queue, QueueFilter(), now, 0, 3) + _ids(queue, QueueFilter(), later, 3, 10) == (
        _ids(queue, QueueFilter(), now)
    )


def test_the_issue_case_urgent_clocks_lead_p4s_at_risk(store, now) -> None:
    """Issue 12 item 14: a P0 26 min from its mandatory update and a P1 20 min from first
    response come before P4s with 2d22h left (at risk by fraction of their long target)."""
    add_people(store, now)
    for ticket_id in range(1, 6):  # P4s answered long ago: resolution 2d22h away, at risk
        created = now - timedelta(days=15)
        add_ticket(
            store,
            ticket_id,
            created_at=created,
            priority=Priority.P4,
            status=Status.IN_PROGRESS,
            first_response_at=created + timedelta(hours=1),
        )
    p0_created = now - timedelta(minutes=40)
    add_ticket(
        store,
        10,
        created_at=p0_created,
        priority=Priority.P0,
        status=Status.IN_PROGRESS,
        first_response_at=p0_created + timedelta(minutes=5),
        last_update_at=now - timedelta(minutes=4),
    )
    add_ticket(store, 11, created_at=now - timedelta(minutes=40), priority=Priority.P1)
    with store.read() as connection:
        rows = page_queue(connection, QueueFilter(), now, 0, 100)
    shown = [(r.id, r.sla_clock, format_time_left(r.sla_due_at - now)) for r in rows]
    assert shown[:3] == [
        (10, Clock.NEXT_UPDATE, "26m"),  # the incident's band first
        (11, Clock.FIRST_RESPONSE, "20m"),
        (1, Clock.RESOLUTION, "2d22h"),
    ]
    assert all(r.sla_at_risk_at <= now for r in rows if r.priority is Priority.P4)
    # Paging keeps the order: pages of three join up.
    with store.read() as connection:
        pages = [page_queue(connection, QueueFilter(), now, o, 3) for o in (0, 3, 6)]
    assert [r.id for page in pages for r in page] == [r.id for r in rows]


def test_priority_breaks_a_tie_in_the_same_minute(store, now) -> None:
    add_people(store, now)
    # Both first responses due in the minute 14:30 (the P2 25 s earlier): the P1 leads.
    add_ticket(store, 1, created_at=now - timedelta(minutes=30, seconds=-5), priority=Priority.P2)
    add_ticket(store, 2, created_at=now - timedelta(minutes=30, seconds=-30), priority=Priority.P1)
    assert _ids(store, QueueFilter(), now) == [2, 1]


def test_most_overdue_first_within_a_band(store, now) -> None:
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(minutes=70), priority=Priority.P1)  # 10 late
    add_ticket(store, 2, created_at=now - timedelta(minutes=90), priority=Priority.P2)  # 30 late
    add_ticket(store, 3, created_at=now - timedelta(minutes=20), priority=Priority.P0)  # 5 late
    add_ticket(store, 4, created_at=now - timedelta(days=9), priority=Priority.P3)  # days late
    # The breached incident leads; the P3 breached for days comes after the P1-P2 band.
    assert _ids(store, QueueFilter(), now) == [3, 2, 1, 4]


def test_views_mine_and_unassigned(queue, now) -> None:
    assert _ids(queue, QueueFilter(view=View.MINE, agent_id=1), now) == [6]
    assert _ids(queue, QueueFilter(view=View.UNASSIGNED), now) == [4, 3, 2, 1, 5]
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
