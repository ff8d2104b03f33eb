"""Alerts for the agent: new tickets arriving by sync, a ticket turning at risk or breached,
a handover addressed to the agent. core.alerts decides what is new; the store remembers what
was announced, so each ticket's state change is told once, across syncs and restarts.
"""

from __future__ import annotations

from agentdesk.core.alerts import Alert, AlertKind, Notice, notices, sla_state, to_announce
from agentdesk.core.sla import ClockReading, format_time_left, risk, time_left
from agentdesk.desk.base import Desk


def check_alerts(desk: Desk, *, baseline: bool = False) -> list[Notice]:
    """What to tell the agent now (and record as told). baseline: the app's first check
    after opening: what is already there is what the queue shows (at-risk tickets on top,
    marked), so it is recorded as seen and only later changes are news."""
    from agentdesk.core.shift_end import parse_handover
    from agentdesk.store.alerts import announced, mark_announced, new_tickets, sla_candidates
    from agentdesk.store.shifts import handover_messages

    now = desk.now()
    actor = desk.actor
    with desk.reading(), desk.store.read() as connection:
        known = announced(connection, tuple(k.value for k in AlertKind))
        fresh_tickets = new_tickets(connection)
        at_risk = sla_candidates(connection, now, actor.agent_id, actor.tier)
        handovers = handover_messages(connection)
    candidates: list[Alert] = []
    for row in at_risk:
        if row.clock is None:
            continue
        reading = ClockReading(row.clock, row.due_at, row.at_risk_at, False)
        level = risk(reading, now)
        state = sla_state(level, row.at_risk_at, row.due_at)
        if state is None:
            continue
        left = format_time_left(time_left(reading, now))
        said = "breached" if state.startswith("breached") else f"at risk ({left} left)"
        candidates.append(
            Alert(
                AlertKind.SLA,
                f"#{row.id}",
                state,
                f"#{row.id} {row.priority.value} {row.clock.label.lower()} {said}: {row.subject}",
                "error" if state.startswith("breached") else "warning",
            )
        )
    for message in handovers:
        handover = parse_handover(message.body)
        if handover is None or handover.to_agent != actor.handle:
            continue
        candidates.append(
            Alert(
                AlertKind.HANDOVER,
                str(message.message_id),
                "new",
                f"#{message.ticket_id} handed over to you by {handover.sender}: {message.subject}",
            )
        )
    new = [
        Alert(AlertKind.NEW_TICKET, f"#{i}", "new", f"New ticket #{i} {p.value}: {subject}")
        for i, subject, p in fresh_tickets
    ]
    fresh = to_announce([*new, *candidates], known)
    if not fresh:
        return []
    with desk.writing("remember the alerts shown"):
        mark_announced(desk.store, [a.key for a in fresh], now)
    return [] if baseline else notices(fresh)
