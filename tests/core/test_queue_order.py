"""The queue's order (core.sla.queue_order_key): SLA risk within priority bands, P0 to P4."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.core.sla import QUEUE_BANDS, queue_order_key
from agentdesk.core.ticket import Priority

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _order(tickets: dict[int, tuple[Priority, datetime | None]]) -> list[int]:
    return sorted(tickets, key=lambda i: queue_order_key(tickets[i][0], tickets[i][1], i))


def test_a_fresh_p0_or_p1_leads_a_p3_breached_days_ago() -> None:
    tickets = {
        1: (Priority.P3, NOW - timedelta(days=4)),  # long overdue
        2: (Priority.P4, NOW - timedelta(days=2)),
        3: (Priority.P1, NOW + timedelta(minutes=50)),  # fresh
        4: (Priority.P0, NOW + timedelta(minutes=14)),  # fresh incident
        5: (Priority.P2, NOW + timedelta(hours=20)),
    }
    assert _order(tickets) == [4, 3, 5, 1, 2]


def test_within_a_band_the_breached_come_first_most_overdue_first() -> None:
    tickets = {
        1: (Priority.P1, NOW + timedelta(minutes=30)),
        2: (Priority.P2, NOW - timedelta(minutes=5)),  # breached
        3: (Priority.P1, NOW - timedelta(hours=2)),  # breached longest
        4: (Priority.P3, NOW + timedelta(hours=1)),
        5: (Priority.P4, NOW - timedelta(minutes=1)),  # breached, lower band
    }
    assert _order(tickets) == [3, 2, 1, 5, 4]


def test_within_one_minute_the_higher_priority_leads_then_the_id() -> None:
    due = NOW + timedelta(minutes=10)
    tickets = {
        7: (Priority.P2, due),
        3: (Priority.P1, due + timedelta(seconds=40)),  # same minute, later second
        5: (Priority.P2, due),
        9: (Priority.P4, due),
        8: (Priority.P3, due - timedelta(seconds=1)),  # the minute before
    }
    assert _order(tickets) == [3, 5, 7, 8, 9]


def test_paused_clocks_come_last_by_band() -> None:
    tickets = {
        1: (Priority.P3, None),
        2: (Priority.P0, None),
        3: (Priority.P4, NOW + timedelta(days=5)),
        4: (Priority.P2, None),
    }
    assert _order(tickets) == [3, 2, 4, 1]


def test_the_bands_are_the_sops() -> None:
    # The incident; the priority tickets (acknowledged within 1 h); the others.
    assert [QUEUE_BANDS[p] for p in Priority] == [0, 1, 1, 2, 2]


def test_the_order_is_the_same_at_any_moment_and_in_any_zone() -> None:
    local = NOW.astimezone(datetime.now().astimezone().tzinfo)
    assert queue_order_key(Priority.P2, local, 1) == queue_order_key(Priority.P2, NOW, 1)
