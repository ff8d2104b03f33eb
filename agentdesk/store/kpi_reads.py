"""The KPI reads at scale (issue 15): the same facts as store.kpi_rows.read_facts, read as
plain DB-API tuples in one pass per table, and a cheap fingerprint of everything they read.

Why not the ORM or SQLAlchemy rows: over 50,000 tickets and 300,000 audit rows the row
objects and per-row conversions were most of the report's time. The SQL is the same as
kpi_rows' (tests/desk/test_kpi_paths.py proves the facts equal); only the Python around it
is lighter: tuples, enum look-ups by dict, the tickets' stamps parsed once (a ticket's
pauses and answers repeat them).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from agentdesk.core.escalation_metrics import Handoff
from agentdesk.core.kpi import AuditFact, ReviewScore, SurveyAnswer, TicketFacts
from agentdesk.core.ticket import Channel, Priority, Region, Tier
from agentdesk.store.kpi_rows import StoreFacts
from agentdesk.store.stamps import from_db, to_db

_CHANNELS = {c.value: c for c in Channel}
_PRIORITIES = {p.value: p for p in Priority}
_REGIONS = {r.value: r for r in Region}
_TIERS = {t.value: t for t in Tier}
_STAMP = len("2026-01-01T00:00:00.000000Z")

# Every table the KPI facts come from, and what of it tells a change: the highest id (rows
# are appended), the count (rows are purged), for tickets the latest update stamp (a pull
# rewrites a ticket's fields in place; every local change also writes an audit row), for
# answers and reviews the latest stamp and the scores' total (a second answer replaces the
# first in place).
FINGERPRINT_SQL = (
    # total(version) too: every ticket write bumps it, even one whose stamp is not the newest.
    "SELECT (SELECT count(*) FROM tickets), (SELECT max(updated_at) FROM tickets), "
    "(SELECT total(version) FROM tickets), "
    "(SELECT max(id) FROM tickets), (SELECT max(id) FROM audit), "
    "(SELECT count(*) FROM sla_breaches), (SELECT max(id) FROM sla_breaches), "
    "(SELECT count(*) FROM survey_answers), (SELECT max(id) FROM survey_answers), "
    "(SELECT max(at) FROM survey_answers), (SELECT total(score) FROM survey_answers), "
    "(SELECT count(*) FROM qa_reviews), (SELECT max(id) FROM qa_reviews), "
    "(SELECT max(at) FROM qa_reviews), (SELECT total(score) FROM qa_reviews), "
    "(SELECT count(*) FROM agents), (SELECT max(id) FROM agents)"
)


def rest_of(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The fingerprint's parts of what read_window_rest reads: breaches, answers, reviews."""
    return key[5:15]


SHIFT_FINGERPRINT_SQL = (
    "SELECT (SELECT count(*) FROM shifts), (SELECT max(id) FROM shifts), "
    "(SELECT max(ended_at) FROM shifts), (SELECT max(planned_end) FROM shifts), "
    "(SELECT count(*) FROM shift_presence), (SELECT max(id) FROM shift_presence), "
    "(SELECT max(ended_at) FROM shift_presence)"
)


def shift_fingerprint(connection: Connection) -> tuple[Any, ...]:
    """Changes when a shift or a presence spell is added, ended or planned anew."""
    return tuple(connection.exec_driver_sql(SHIFT_FINGERPRINT_SQL).one())


def fingerprint(connection: Connection) -> tuple[Any, ...]:
    """Changes whenever a fact the KPIs read may have changed (a few index look-ups)."""
    return tuple(connection.exec_driver_sql(FINGERPRINT_SQL).one())


def slice_fingerprints(
    connection: Connection,
    bounds: list[datetime],
    breaches: list[tuple[Any, ...]] | None = None,
) -> list[tuple[Any, ...]]:
    """Per stretch [bounds[k], bounds[k+1]) of ticket opening: the tickets' count, latest
    update stamp, total(version) and highest id, and the count and highest id of their SLA
    breaches (the fingerprint's ticket parts, restricted to the stretch). The audit is
    append-only (the fingerprint reads its highest id): audit_tickets_since tells which
    tickets new rows are on. `breaches`: the stretches' breach parts as last read, when the
    breaches table has not moved since (the fingerprint's count and highest id): not read.

    One range of the covering index ix_tickets_opened per stretch (a CASE over every
    stretch's bounds, grouped, cost four times as much over 50,000 tickets)."""
    params = {f"b{k}": to_db(b) for k, b in enumerate(bounds)}
    stretches = range(len(bounds) - 1)
    tickets = " UNION ALL ".join(
        f"SELECT {k}, count(*), max(updated_at), total(version), max(id) FROM tickets "
        f"WHERE created_at >= :b{k} AND created_at < :b{k + 1}"
        for k in stretches
    )
    found: dict[int, list[Any]] = {k: [0, None, 0.0, None, 0, None] for k in stretches}
    for k, count, updated, version, top in plain_rows(connection, tickets, params):
        found[k][0:4] = [count, updated, version, top]
    if breaches is not None:
        for k in stretches:
            found[k][4:6] = breaches[k]
        return [tuple(found[k]) for k in stretches]
    cases = " ".join(f"WHEN t.created_at < :b{k} THEN {k - 1}" for k in range(1, len(bounds)))
    where = f"t.created_at >= :b0 AND t.created_at < :b{len(bounds) - 1}"
    for k, count, top in plain_rows(
        connection,
        f"SELECT CASE {cases} END, count(*), max(b.id) FROM sla_breaches b JOIN tickets t "
        f"ON t.id = b.ticket_id WHERE {where} GROUP BY 1",
        params,
    ):
        found[k][4:6] = [count, top]
    return [tuple(found[k]) for k in stretches]


def breach_parts(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The fingerprint's parts of the breaches table (a slice key's, key[4:6])."""
    return key[5:7]


Row = tuple[Any, ...]

_TICKETS_SQL = (
    "SELECT id, assignee_id, priority, channel, region, created_at, first_response_at, "
    "resolved_at, sla_pauses, product_area, issue_type FROM tickets "
    "WHERE created_at >= :a AND created_at < :b"
)
_BREACHED_SQL = (
    "SELECT DISTINCT b.ticket_id FROM sla_breaches b JOIN tickets t "
    "ON t.id = b.ticket_id WHERE t.created_at >= :a AND t.created_at < :b"
)


def audit_max_id(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit").scalar_one())


def audit_tickets_since(connection: Connection, after_id: int) -> list[tuple[int, datetime]]:
    """The tickets that audit rows after `after_id` are on, and when each was opened."""
    return [
        (int(r[0]), from_db(r[1]))
        for r in plain_rows(
            connection,
            "SELECT DISTINCT t.id, t.created_at FROM audit a JOIN tickets t "
            f"ON t.id = a.ticket_id WHERE a.id > {int(after_id)}",
            {},
        )
    ]


def ticket_versions(
    connection: Connection, since: datetime, until: datetime
) -> dict[int, tuple[Any, ...]]:
    """The tickets opened in [since, until), by id: their update stamp and version, from the
    covering index (no table row): every ticket write bumps the version, so a ticket whose
    pair moved is one to compare again."""
    window = {"a": to_db(since), "b": to_db(until)}
    return {
        int(r[0]): r[1:]
        for r in plain_rows(
            connection,
            "SELECT id, updated_at, version FROM tickets "
            "WHERE created_at >= :a AND created_at < :b",
            window,
        )
    }


def ticket_rows(
    connection: Connection, since: datetime, until: datetime, only: Collection[int]
) -> dict[int, Row]:
    """These tickets, of those opened in [since, until), as stored, by id: what
    read_ticket_slice reads of their rows (a kept slice compares them to tell which of its
    tickets changed)."""
    if not only:
        return {}
    window = {"a": to_db(since), "b": to_db(until)}
    among = " AND id IN (" + ",".join(str(int(n)) for n in sorted(only)) + ")"
    return {
        int(r[0]): r for r in plain_rows(connection, _TICKETS_SQL + among + " ORDER BY id", window)
    }


def breached_tickets(connection: Connection, since: datetime, until: datetime) -> set[int]:
    """The tickets opened in [since, until) with at least one breach recorded."""
    window = {"a": to_db(since), "b": to_db(until)}
    return {int(r[0]) for r in plain_rows(connection, _BREACHED_SQL, window)}


def plain_rows(connection: Connection, sql: str, params: dict[str, str]) -> list[Row]:
    """Plain tuples from the driver: no row objects for hundreds of thousands of rows."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def parse_stamp(value: str) -> datetime:
    """A stored stamp: the fixed-width UTC text straight through fromisoformat (what
    from_db gives it, at a fraction of the cost), anything else through from_db."""
    if len(value) == _STAMP and value[-1] == "Z" and value[10] == "T":
        return datetime.fromisoformat(value)
    return from_db(value)


class _Stamps(dict[str, datetime]):
    """Stored stamps parsed once each."""

    def __missing__(self, value: str) -> datetime:
        if len(value) == _STAMP and value[-1] == "Z" and value[10] == "T":
            parsed = datetime.fromisoformat(value)
        else:
            parsed = from_db(value)
        self[value] = parsed
        return parsed


def read_agents(connection: Connection) -> dict[str, str]:
    return {str(i): str(h) for i, h in plain_rows(connection, "SELECT id, handle FROM agents", {})}


def read_window(connection: Connection, since: datetime, until: datetime) -> StoreFacts:
    """Tickets opened in [since, until), and the audit, surveys and reviews on them: what
    kpi_rows.read_facts returns, item for item and in the same order."""
    agents = read_agents(connection)
    part = read_ticket_slice(connection, since, until, agents)
    rest = read_window_rest(connection, since, until, part.owner)
    return StoreFacts(part.tickets, part.audit, part.channels, rest[0], rest[1], rest[2], agents)


@dataclass(frozen=True)
class TicketSlice:
    """The tickets opened in one stretch of the window, with their audit facts (the
    tickets' ids ascending, the audit by ticket, moment, id: read_window's order)."""

    tickets: list[TicketFacts]
    audit: list[AuditFact]
    channels: dict[int, Channel]
    owner: dict[int, str | None]
    rows: dict[int, Row]
    """The tickets' rows as stored (ticket_rows'), by id."""


def read_ticket_slice(
    connection: Connection,
    since: datetime,
    until: datetime,
    agents: dict[str, str],
    only: Collection[int] | None = None,
) -> TicketSlice:
    """The tickets opened in [since, until) and what of the audit and breaches is theirs;
    with `only`, of those tickets just these (the ones a kept slice saw change)."""
    stamps = _Stamps()
    window = {"a": to_db(since), "b": to_db(until)}
    among = ""
    if only is not None:
        if not only:
            return TicketSlice([], [], {}, {}, {})
        among = " AND {}.id IN (" + ",".join(str(int(n)) for n in sorted(only)) + ")"
    ticket_rows = plain_rows(
        connection, _TICKETS_SQL + among.format("tickets") + " ORDER BY id", window
    )
    created = {int(r[0]): stamps[r[5]] for r in ticket_rows}
    tier_moves: dict[int, list[Handoff]] = defaultdict(list)
    reopened: set[int] = set()
    first_resolved: dict[int, datetime] = {}
    facts: list[AuditFact] = []
    append = facts.append
    parse = datetime.fromisoformat
    for ticket_id, actor, action, field, old, new, at_text in plain_rows(
        connection,
        "SELECT a.ticket_id, a.actor, a.action, a.field, a.old_value, a.new_value, a.at "
        "FROM audit a JOIN tickets t ON t.id = a.ticket_id "
        f"WHERE t.created_at >= :a AND t.created_at < :b{among.format('t')} "
        "AND (a.field IN ('status', 'tier', 'assignee_id') "
        "OR a.action IN ('create', 'escalate', 'shift_end')) ORDER BY a.ticket_id, a.at, a.id",
        window,
    ):
        # Inline, not through the memo: audit stamps are nearly all distinct.
        if len(at_text) == _STAMP and at_text[-1] == "Z" and at_text[10] == "T":
            at = parse(at_text)
        else:
            at = from_db(at_text)
        append(AuditFact(ticket_id, at, str(actor), str(action), str(field), new))
        if field == "status":
            if new == "resolved" and ticket_id not in first_resolved:
                first_resolved[ticket_id] = at
            if old in ("resolved", "closed") and new != "closed":
                reopened.add(ticket_id)
        elif field == "tier" and new in ("L2", "L3") and old in ("L1", "L2", "L3"):
            seconds = int((at - created[ticket_id]).total_seconds())
            tier_moves[ticket_id].append(Handoff(_TIERS[old], _TIERS[new], max(0, seconds)))
    breached = {
        int(r[0]) for r in plain_rows(connection, _BREACHED_SQL + among.format("t"), window)
    }
    tickets: list[TicketFacts] = []
    channels: dict[int, Channel] = {}
    owner: dict[int, str | None] = {}
    for (
        ticket_id,
        assignee,
        priority,
        channel_text,
        region,
        created_at,
        responded,
        resolved,
        pauses_text,
        area,
        issue,
    ) in ticket_rows:
        agent = None if assignee is None else agents.get(str(assignee))
        owner[ticket_id] = agent
        channel = _CHANNELS.get(channel_text, Channel.EMAIL)
        channels[ticket_id] = channel
        pauses = (
            ()
            if pauses_text == "[]"
            else tuple(
                (stamps[a], None if b is None else stamps[b]) for a, b in json.loads(pauses_text)
            )
        )
        tickets.append(
            TicketFacts(
                id=ticket_id,
                agent=agent,
                priority=_PRIORITIES[priority],
                channel=channel,
                region=_REGIONS[region],
                created_at=stamps[created_at],
                first_response_at=None if responded is None else stamps[responded],
                first_resolved_at=first_resolved.get(ticket_id)
                or (None if resolved is None else stamps[resolved]),
                reopened=ticket_id in reopened,
                handoffs=tuple(tier_moves.get(ticket_id, ())),
                breached=ticket_id in breached,
                pauses=pauses,
                product_area=str(area),
                issue_type=str(issue),
            )
        )
    return TicketSlice(tickets, facts, channels, owner, {int(r[0]): r for r in ticket_rows})


def read_window_rest(
    connection: Connection, since: datetime, until: datetime, owner: dict[int, str | None]
) -> tuple[list[SurveyAnswer], list[ReviewScore], list[datetime]]:
    """The answers and reviews given, and the breaches falling due, in [since, until)
    (`owner`: the window's tickets' agents)."""
    stamps = _Stamps()
    window = {"a": to_db(since), "b": to_db(until)}
    answers = [
        SurveyAnswer(int(t), owner.get(int(t)), kind, int(score), stamps[at])
        for t, kind, score, at in plain_rows(
            connection,
            "SELECT ticket_id, kind, score, at FROM survey_answers WHERE at >= :a AND at < :b",
            window,
        )
    ]
    reviews = [
        ReviewScore(int(t), str(who), float(score), stamps[at])
        for t, who, score, at in plain_rows(
            connection,
            "SELECT ticket_id, agent_handle, score, at FROM qa_reviews WHERE at >= :a AND at < :b",
            window,
        )
    ]
    breach_moments = [
        stamps[r[0]]
        for r in plain_rows(
            connection, "SELECT due_at FROM sla_breaches WHERE due_at >= :a AND due_at < :b", window
        )
    ]
    return answers, reviews, breach_moments
