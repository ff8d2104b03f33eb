"""A recorded SLA breach stays a breach: the header clocks read "breached by 20m" (never
"met 20:16") and the queue marks the ticket, after the reply or the resolve came."""

from __future__ import annotations

from datetime import datetime, timedelta

from agentdesk.core import sla
from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind, Priority, Status
from agentdesk.desk import Desk, ticket_work
from agentdesk.desk.queue import page_queue
from agentdesk.desk.queue import record_breaches as record
from agentdesk.store.engine import Store
from agentdesk.store.rows import QueueFilter
from agentdesk.store.writes import apply_change
from agentdesk.widgets.sla_clocks import clock_parts
from agentdesk.widgets.ticket_cells import sla_cell
from tests.desk.conftest import make_desk
from tests.store.factory import add_ticket, verified

TICKET = 30


def _first_response_due(store: Store, desk: Desk) -> datetime:
    opened = ticket_work.read_ticket(desk, TICKET)
    assert opened is not None
    (reading,) = [
        r
        for r in sla.clocks(opened.workspace.snapshot.sla_ticket(), store.policy)
        if r.clock is sla.Clock.FIRST_RESPONSE
    ]
    assert reading.due_at is not None
    return reading.due_at


def _header(store: Store, desk: Desk, now: datetime) -> dict[sla.Clock, str]:
    opened = ticket_work.read_ticket(desk, TICKET)
    assert opened is not None
    return {
        clock: text for clock, text, _ in clock_parts(opened.workspace.snapshot, store.policy, now)
    }


def _queue_cell(desk: Desk, now: datetime) -> str:
    everything = QueueFilter(statuses=frozenset(Status))
    (row,) = [r for r in page_queue(desk, everything, now, 0, 500) if r.id == TICKET]
    return sla_cell(row, now)[0]


def test_a_late_first_response_reads_breached_by_for_good(
    desk: Desk, store: Store, now: datetime
) -> None:
    created = now - timedelta(hours=3)
    add_ticket(store, TICKET, created_at=created, priority=Priority.P1, status=Status.IN_PROGRESS)
    due = _first_response_due(store, make_desk(store, created))
    late = due + timedelta(minutes=20)
    at_late = make_desk(store, late)
    assert record(at_late) == 1
    assert _header(store, at_late, late)[sla.Clock.FIRST_RESPONSE].startswith("-20m OVERDUE")
    verified(store, TICKET, late)
    reply = NewMessage(MessageKind.REPLY, "Sorry for the wait", "Amara Okafor", 1)
    apply_change(store, TICKET, TicketChange("reply", message=reply), actor="a", now=late)
    later = late + timedelta(hours=1)
    shown = _header(store, make_desk(store, later), later)[sla.Clock.FIRST_RESPONSE]
    assert shown == "breached by 20m"
    assert "met" not in shown
    # The queue keeps the mark beside the clock still running (the resolution).
    assert _queue_cell(make_desk(store, later), later).startswith("✗res ")


def test_a_breach_recorded_before_a_resolve_stays_after_it(
    desk: Desk, store: Store, now: datetime
) -> None:
    created = now - timedelta(hours=3)
    add_ticket(store, TICKET, created_at=created, priority=Priority.P1, status=Status.IN_PROGRESS)
    due = _first_response_due(store, make_desk(store, created))
    late = due + timedelta(minutes=20)
    record(make_desk(store, late))
    # Resolved without a reply (a team whose policy asks; the SLA clocks stop at the resolve).
    from agentdesk.core.quality import OnResolve, QualityPolicy
    from tests.store.factory import complete_note

    store.quality = QualityPolicy(OnResolve.ASK)
    verified(store, TICKET, late)
    from agentdesk.core.quality import Confirmation
    from agentdesk.store.notes import record_confirmation

    record_confirmation(store, TICKET, Confirmation("a", "b", "c", True, late), agent="a")
    resolve = TicketChange(
        "resolve", status=Status.RESOLVED, note=complete_note(), accept_quality=True
    )
    apply_change(store, TICKET, resolve, actor="a", now=late)
    # ... then answered later: still breached, by the 20 minutes up to the resolve.
    reply = NewMessage(MessageKind.REPLY, "Done", "Amara Okafor", 1)
    answered = late + timedelta(minutes=30)
    apply_change(store, TICKET, TicketChange("reply", message=reply), actor="a", now=answered)
    header = _header(store, make_desk(store, answered), answered)
    assert header[sla.Clock.FIRST_RESPONSE] == "breached by 20m"
    assert _queue_cell(make_desk(store, answered), answered) == "breached"
