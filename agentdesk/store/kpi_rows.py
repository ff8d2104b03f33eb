"""What the KPIs are computed from (issue 15): plain facts read from the store for a time
range. core.kpi decides what counts; this only reads.

Handle time comes from the audit trail's status moves (In progress and out of it) and
assignee changes while worked; escalations from its tier changes; reopens from status moves
out of Resolved/Closed. (When core.handle_time and core.escalation_metrics land, their inputs
come from the same rows.)
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.escalation_metrics import Handoff
from agentdesk.core.kpi import AuditFact, ReviewScore, SurveyAnswer, TicketFacts
from agentdesk.core.ticket import Channel, Priority, Region, Tier
from agentdesk.store.stamps import from_db, to_db


def _at(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


@dataclass(frozen=True)
class StoreFacts:
    tickets: list[TicketFacts]
    audit: list[AuditFact]
    """The rows handle time reads (core.kpi.interactions)."""
    channels: dict[int, Channel]
    answers: list[SurveyAnswer]
    reviews: list[ReviewScore]
    breach_moments: list[datetime]
    """When each recorded breach fell due (the heatmap), in the range."""
    agents: dict[str, str]
    """Assignee id (as the audit writes it) -> handle."""


def read_facts(connection: Connection, since: datetime, until: datetime) -> StoreFacts:
    """Tickets opened in [since, until), and the audit, surveys and reviews on them."""
    agents = {
        str(r.id): str(r.handle) for r in connection.execute(text("SELECT id, handle FROM agents"))
    }
    window = {"a": to_db(since), "b": to_db(until)}
    created: dict[int, datetime] = {
        int(r.id): from_db(r.created_at)
        for r in connection.execute(
            text("SELECT id, created_at FROM tickets WHERE created_at >= :a AND created_at < :b"),
            window,
        )
    }
    tier_moves: dict[int, list[Handoff]] = defaultdict(list)
    reopened: set[int] = set()
    first_resolved: dict[int, datetime] = {}
    facts: list[AuditFact] = []
    audit = connection.execute(
        text(
            "SELECT a.ticket_id, a.actor, a.action, a.field, a.old_value, a.new_value, a.at "
            "FROM audit a JOIN tickets t ON t.id = a.ticket_id "
            "WHERE t.created_at >= :a AND t.created_at < :b "
            "AND (a.field IN ('status', 'tier', 'assignee_id') "
            "OR a.action IN ('create', 'escalate', 'shift_end')) ORDER BY a.ticket_id, a.at, a.id"
        ),
        window,
    ).fetchall()
    for row in audit:
        ticket_id, at = int(row.ticket_id), from_db(row.at)
        facts.append(
            AuditFact(ticket_id, at, str(row.actor), str(row.action), str(row.field), row.new_value)
        )
        if row.field == "status":
            if row.new_value == "resolved":
                first_resolved.setdefault(ticket_id, at)
            if row.old_value in ("resolved", "closed") and row.new_value != "closed":
                reopened.add(ticket_id)
        elif (
            row.field == "tier"
            and row.new_value in ("L2", "L3")
            and row.old_value
            in (
                "L1",
                "L2",
                "L3",
            )
        ):
            seconds = int((at - created[ticket_id]).total_seconds())
            tier_moves[ticket_id].append(
                Handoff(Tier(row.old_value), Tier(row.new_value), max(0, seconds))
            )
    breached = {
        int(r.ticket_id)
        for r in connection.execute(
            text(
                "SELECT DISTINCT b.ticket_id FROM sla_breaches b JOIN tickets t "
                "ON t.id = b.ticket_id WHERE t.created_at >= :a AND t.created_at < :b"
            ),
            window,
        )
    }
    tickets: list[TicketFacts] = []
    channels: dict[int, Channel] = {}
    owner: dict[int, str | None] = {}
    rows = connection.execute(
        text(
            "SELECT id, assignee_id, priority, channel, region, created_at, first_response_at, "
            "resolved_at, sla_pauses, product_area, issue_type FROM tickets "
            "WHERE created_at >= :a AND created_at < :b ORDER BY id"
        ),
        window,
    ).fetchall()
    for r in rows:
        ticket_id = int(r.id)
        agent = None if r.assignee_id is None else agents.get(str(r.assignee_id))
        owner[ticket_id] = agent
        channel = Channel(r.channel) if r.channel in Channel.__members__.values() else Channel.EMAIL
        channels[ticket_id] = channel
        pauses = tuple(
            (from_db(a), None if b is None else from_db(b)) for a, b in json.loads(r.sla_pauses)
        )
        tickets.append(
            TicketFacts(
                id=ticket_id,
                agent=agent,
                priority=Priority(r.priority),
                channel=channel,
                region=Region(r.region),
                created_at=from_db(r.created_at),
                first_response_at=_at(r.first_response_at),
                first_resolved_at=first_resolved.get(ticket_id) or _at(r.resolved_at),
                reopened=ticket_id in reopened,
                handoffs=tuple(tier_moves.get(ticket_id, ())),
                breached=ticket_id in breached,
                pauses=pauses,
                product_area=str(r.product_area),
                issue_type=str(r.issue_type),
            )
        )
    answers = [
        SurveyAnswer(
            int(r.ticket_id), owner.get(int(r.ticket_id)), r.kind, int(r.score), from_db(r.at)
        )
        for r in connection.execute(
            text(
                "SELECT ticket_id, kind, score, at FROM survey_answers WHERE at >= :a AND at < :b"
            ),
            window,
        )
    ]
    reviews = [
        ReviewScore(int(r.ticket_id), str(r.agent_handle), float(r.score), from_db(r.at))
        for r in connection.execute(
            text(
                "SELECT ticket_id, agent_handle, score, at FROM qa_reviews "
                "WHERE at >= :a AND at < :b"
            ),
            window,
        )
    ]
    breach_moments = [
        from_db(r.due_at)
        for r in connection.execute(
            text("SELECT due_at FROM sla_breaches WHERE due_at >= :a AND due_at < :b"), window
        )
    ]
    return StoreFacts(tickets, facts, channels, answers, reviews, breach_moments, agents)


@dataclass(frozen=True)
class ShiftRow:
    agent: str
    planned_start: datetime | None
    planned_end: datetime | None
    planned_breaks: list[tuple[datetime, datetime]]
    started_at: datetime
    ended_at: datetime | None
    presence: list[tuple[str, datetime, datetime | None]]


def read_shifts(connection: Connection, since: datetime, until: datetime) -> list[ShiftRow]:
    shifts = connection.execute(
        text(
            "SELECT id, agent_handle, planned_start, planned_end, planned_breaks, started_at, "
            "ended_at FROM shifts WHERE started_at >= :a AND started_at < :b"
        ),
        {"a": to_db(since), "b": to_db(until)},
    ).all()
    presence: dict[int, list[tuple[str, datetime, datetime | None]]] = defaultdict(list)
    if shifts:
        for r in connection.execute(
            text(
                "SELECT p.shift_id, p.state, p.started_at, p.ended_at FROM shift_presence p "
                "JOIN shifts s ON s.id = p.shift_id WHERE s.started_at >= :a "
                "AND s.started_at < :b ORDER BY p.started_at"
            ),
            {"a": to_db(since), "b": to_db(until)},
        ):
            presence[int(r.shift_id)].append((str(r.state), from_db(r.started_at), _at(r.ended_at)))
    found = []
    for s in shifts:
        breaks = [(from_db(a), from_db(b)) for a, b in json.loads(s.planned_breaks or "[]")]
        found.append(
            ShiftRow(
                str(s.agent_handle),
                _at(s.planned_start),
                _at(s.planned_end),
                breaks,
                from_db(s.started_at),
                _at(s.ended_at),
                presence[int(s.id)],
            )
        )
    return found
