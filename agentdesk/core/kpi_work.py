"""Who worked which interaction: core.handle_time's interactions of each ticket, from its
audit, each with the agent it counts for (the average handle time's items)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from operator import attrgetter

from agentdesk.core import handle_time
from agentdesk.core.handle_time import TicketEvent
from agentdesk.core.kpi_facts import AuditFact, Interaction
from agentdesk.core.ticket import Channel

_AT = attrgetter("at")  # sort keys over hundreds of thousands of rows: no lambda call each

# Actions that hand a ticket being worked to someone else without moving its status: the
# one who takes it on continues working it, which starts their interaction there.
_HANDING_ON = frozenset({"escalate", "handover"})


def interactions(
    rows: Iterable[AuditFact],
    channels: Mapping[int, Channel],
    agents: Mapping[str, str],
    now: datetime,
) -> list[Interaction]:
    """Every finished interaction of the tickets, oldest end first, each with its agent: the
    assignee when it started (agents maps an assignee id to a handle), else who started it.

    core.handle_time ends an interaction at an escalation or handover; when the ticket stays
    In progress, the colleague it went to starts the next one at that moment (the handed-over
    call is two interactions, one per agent, and no minute of it is lost).
    """
    by_ticket: dict[int, list[AuditFact]] = defaultdict(list)
    for row in rows:
        by_ticket[row.ticket_id].append(row)
    found: list[Interaction] = []
    for ticket_id, ticket_rows in by_ticket.items():
        ticket_rows.sort(key=_AT)
        channel = channels.get(ticket_id, Channel.EMAIL)
        events: list[TicketEvent] = []
        owner_at: list[tuple[datetime, str]] = []
        for row in ticket_rows:
            events.append(TicketEvent(row.at, row.action, row.field, row.new_value))
            if row.field == "assignee_id" and row.new_value:
                owner_at.append((row.at, agents.get(row.new_value, row.new_value)))
            elif row.field == "status" and row.new_value == "in_progress" and not owner_at:
                owner_at.append((row.at, row.actor))
        # The hand-ons: they need the status as it stood at that moment.
        status = ""
        extra: list[TicketEvent] = []
        for row in ticket_rows:
            if row.field == "status" and row.new_value is not None:
                status = row.new_value
            elif row.action in _HANDING_ON and status == "in_progress":
                extra.append(TicketEvent(row.at, "continue", "status", "in_progress"))
        # Stable sort: at the same moment the handover's end comes before the continuation.
        timeline = sorted([*events, *dedupe_continuations(extra)], key=_AT)
        for spell in handle_time.interactions(timeline, channel=channel, now=now):
            if spell.ended_at is None:
                continue  # still running: not a handle time yet
            agent = _owner(owner_at, spell.started_at)
            found.append(
                Interaction(
                    ticket_id, channel, agent, spell.started_at, spell.ended_at, spell.seconds
                )
            )
    found.sort(key=lambda i: (i.end, i.ticket_id))
    return found


def dedupe_continuations(events: list[TicketEvent]) -> list[TicketEvent]:
    """One continuation per moment (an escalation writes one audit row per field)."""
    seen: set[datetime] = set()
    kept = []
    for event in events:
        if event.at not in seen:
            seen.add(event.at)
            kept.append(event)
    return kept


def _owner(owner_at: list[tuple[datetime, str]], at: datetime) -> str:
    """Who held the ticket at `at`: the latest assignment at or before it."""
    held = [who for when, who in owner_at if when <= at]
    if held:
        return held[-1]
    return owner_at[0][1] if owner_at else ""
