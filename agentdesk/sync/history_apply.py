"""History, the write half: inside a pull page's write transaction, the page's new
transactions become messages (or are mapped to ours), once each. See sync/history.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.changes import sla_fields
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.ticket import Region
from agentdesk.store.types import to_db
from agentdesk.store.writes import load_snapshot
from agentdesk.sync import state
from agentdesk.sync.apply import agent_id_for
from agentdesk.sync.bodies import message_body
from agentdesk.sync.history import (
    BACKEND,
    NO_TEXT,
    HistoryReport,
    PageHistory,
    RemoteTxn,
    Wanted,
)
from agentdesk.sync.mapping import BadRecord
from agentdesk.sync.push import normal_body, post_steps

log = logging.getLogger("agentdesk.sync")


def apply_history(
    connection: Connection,
    history: PageHistory,
    *,
    region_of: Mapping[str, Region],
    now: datetime,
    report: HistoryReport,
    policy: SlaPolicy,
) -> None:
    """Inside the page's write transaction: new messages, mappings and per-ticket marks; and
    a colleague's reply made in RT counts for the SLA as one made here would."""
    for remote_id, wanted in history.wanted.items():
        ticket_id = connection.execute(
            text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
        ).scalar_one_or_none()
        if ticket_id is None:
            continue  # the ticket itself was set aside: its history waits with it
        ticket_id = int(ticket_id)
        region = region_of.get(remote_id, Region.EMEA)
        held = _unconfirmed_posts(connection, ticket_id)
        last = wanted.after_txn
        complete = True
        for txn in history.txns.get(remote_id, []):
            seen = connection.execute(
                text("SELECT 1 FROM sync_messages WHERE backend = :b AND remote_ref = :r"),
                {"b": BACKEND, "r": f"txn:{txn.id}"},
            ).one_or_none()
            if seen is None:
                kind = _one(connection, ticket_id, txn, wanted, history, region, held, now, report)
                if kind is None:
                    complete = False
                    break  # held back: read again from here on the next pull
                if kind == "reply" and txn.created_at is not None:
                    _answered(connection, ticket_id, txn.created_at, policy, now)
            last = max(last, txn.id)
        connection.execute(
            text(
                "INSERT INTO sync_history (ticket_id, backend, last_txn, remote_updated_at) "
                "VALUES (:t, :b, :l, :u) ON CONFLICT (ticket_id) DO UPDATE "
                "SET last_txn = :l, remote_updated_at = :u"
            ),
            # Held back: keep the old LastUpdated so the ticket is read again.
            {"t": ticket_id, "b": BACKEND, "l": last, "u": wanted.updated_at if complete else ""},
        )


def _map(connection: Connection, ticket_id: int, txn_id: int, message_id: int | None) -> None:
    connection.execute(
        text(
            "INSERT INTO sync_messages (backend, remote_ref, ticket_id, message_id) "
            "VALUES (:b, :r, :t, :m)"
        ),
        {"b": BACKEND, "r": f"txn:{txn_id}", "t": ticket_id, "m": message_id},
    )


def _one(
    connection: Connection,
    ticket_id: int,
    txn: RemoteTxn,
    wanted: Wanted,
    history: PageHistory,
    region: Region,
    held: set[str],
    now: datetime,
    report: HistoryReport,
) -> str | None:
    """One unseen transaction: mapped, inserted, or set aside. Returns the kind of message
    inserted ("" when none was), None when it is held back for later."""
    owner = _claim_owner(connection, f"txn:{txn.id}")
    if owner is not None:
        _map(connection, ticket_id, txn.id, _our_message(connection, ticket_id, owner, txn))
        report.mapped += 1
        return ""
    if txn.type == "Create" and _claim_owner(connection, f"ticket:{wanted.remote_id}"):
        first = connection.execute(
            text(
                "SELECT m.id FROM messages m WHERE m.ticket_id = :t AND m.kind = 'customer' "
                "AND NOT EXISTS (SELECT 1 FROM sync_messages s WHERE s.message_id = m.id) "
                "ORDER BY m.created_at, m.id LIMIT 1"
            ),
            {"t": ticket_id},
        ).scalar_one_or_none()
        _map(connection, ticket_id, txn.id, None if first is None else int(first))
        report.mapped += 1
        return ""
    try:
        if txn.problem:
            raise BadRecord(txn.problem)
        body = message_body(txn.parts)
    except BadRecord as error:
        record = {"transaction": txn.id, "ticket": txn.remote_ticket, "type": txn.type}
        reason = f"transaction {txn.id} of ticket {txn.remote_ticket}: {error}"
        state.reject(connection, BACKEND, f"txn:{txn.id}", reason, record, now)
        log.warning("RT %s set aside", reason)
        _map(connection, ticket_id, txn.id, None)
        report.rejected += 1
        return ""
    if body is not None and normal_body(body) in held:
        log.info("transaction %s looks like an unconfirmed post of ours: held back", txn.id)
        return None
    if body is None:
        if txn.type == "Create":
            _map(connection, ticket_id, txn.id, None)  # a ticket opened without text
            return ""
        body = NO_TEXT
    creator = txn.creator
    agent_id: int | None = None
    if txn.type == "Comment":
        kind = "internal_note"
        if _is_agent(creator, wanted, history, connection):
            agent_id = agent_id_for(connection, creator, region)
        author = creator
    elif txn.type == "Create":
        kind = "customer"
        agent_made = creator != wanted.requestor and _is_agent(creator, wanted, history, connection)
        author = wanted.requestor if agent_made and wanted.requestor else creator
    elif _is_agent(creator, wanted, history, connection):
        kind = "reply"
        agent_id = agent_id_for(connection, creator, region)
        author = creator
    else:
        kind = "customer"
        author = creator or wanted.requestor
    if agent_id is not None:
        name = connection.execute(
            text("SELECT name FROM agents WHERE id = :id"), {"id": agent_id}
        ).scalar_one()
        author = str(name)
    assert txn.created_at is not None
    message_id = connection.execute(
        text(
            "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
            "VALUES (:t, :kind, :author, :agent, :body, :at) RETURNING id"
        ),
        {
            "t": ticket_id,
            "kind": kind,
            "author": author or "unknown",
            "agent": agent_id,
            "body": body,
            "at": to_db(txn.created_at),
        },
    ).scalar_one()
    _map(connection, ticket_id, txn.id, int(message_id))
    report.messages += 1
    report.tickets.add(ticket_id)
    return kind


def _answered(
    connection: Connection, ticket_id: int, at: datetime, policy: SlaPolicy, now: datetime
) -> None:
    """A reply pulled from RT: the first response and the latest public update move as they
    would for a reply sent here, and the SLA clock with them."""
    before = load_snapshot(connection, ticket_id)
    first = before.first_response_at
    first = at if first is None or at < first else first
    latest = before.last_update_at
    latest = at if latest is None or at > latest else latest
    if (first, latest) == (before.first_response_at, before.last_update_at):
        return
    clock = sla_fields(replace(before, first_response_at=first, last_update_at=latest), policy)
    connection.execute(
        text(
            "UPDATE tickets SET first_response_at = :first, last_update_at = :latest, "
            "sla_clock = :clock, sla_due_at = :due, sla_at_risk_at = :risk WHERE id = :t"
        ),
        {
            "t": ticket_id,
            "first": to_db(first),
            "latest": to_db(latest),
            "clock": None if clock.clock is None else clock.clock.value,
            "due": None if clock.due_at is None else to_db(clock.due_at),
            "risk": None if clock.at_risk_at is None else to_db(clock.at_risk_at),
        },
    )
    if first != before.first_response_at:
        connection.execute(
            text(
                "INSERT INTO audit (ticket_id, actor, action, field, old_value, new_value, at) "
                "VALUES (:t, 'sync', 'sync_pull', 'first_response_at', :old, :new, :at)"
            ),
            {
                "t": ticket_id,
                "old": None
                if before.first_response_at is None
                else to_db(before.first_response_at),
                "new": to_db(first),
                "at": to_db(now),
            },
        )


def _is_agent(name: str, wanted: Wanted, history: PageHistory, connection: Connection) -> bool:
    if not name:
        return False
    if connection.execute(
        text("SELECT 1 FROM agents WHERE handle = :h"), {"h": name}
    ).one_or_none():
        return True
    if name == wanted.requestor:
        return False
    return history.privileged.get(name, False)


def _claim_owner(connection: Connection, remote_ref: str) -> int | None:
    owner = connection.execute(
        text("SELECT outbox_id FROM sync_claims WHERE backend = :b AND remote_ref = :r"),
        {"b": BACKEND, "r": remote_ref},
    ).scalar_one_or_none()
    return None if owner is None else int(owner)


def _our_message(
    connection: Connection, ticket_id: int, outbox_id: int, txn: RemoteTxn
) -> int | None:
    """The local message a claimed transaction is (None: ours but not a message, e.g. the
    escalation comment): same ticket, same text, not mapped yet, the op's own stamp first."""
    row = connection.execute(
        text("SELECT payload, created_at FROM outbox WHERE id = :id"), {"id": outbox_id}
    ).one_or_none()
    if row is None:
        return None
    progress = connection.execute(
        text("SELECT progress FROM sync_ops WHERE outbox_id = :id"), {"id": outbox_id}
    ).scalar_one_or_none()
    steps = post_steps(json.loads(row.payload))
    done = json.loads(progress) if progress else {}
    step = next(
        (name for name in steps if str((done.get(name) or {}).get("txn")) == str(txn.id)), None
    )
    if step is None or step == "tier":
        return None
    body = normal_body(steps[step][1])
    candidates = connection.execute(
        text(
            "SELECT m.id, m.body, m.created_at FROM messages m WHERE m.ticket_id = :t "
            "AND NOT EXISTS (SELECT 1 FROM sync_messages s WHERE s.message_id = m.id) "
            "ORDER BY (m.created_at = :at) DESC, m.id"
        ),
        {"t": ticket_id, "at": row.created_at},
    )
    for candidate in candidates:
        if normal_body(candidate.body) == body:
            return int(candidate.id)
    return None


def _unconfirmed_posts(connection: Connection, ticket_id: int) -> set[str]:
    """Bodies of this ticket's POSTs push started and has not confirmed (no txn yet)."""
    held: set[str] = set()
    rows = connection.execute(
        text(
            "SELECT o.payload, s.progress FROM outbox o JOIN sync_ops s ON s.outbox_id = o.id "
            "WHERE o.ticket_id = :t AND o.state IN ('pending', 'parked')"
        ),
        {"t": ticket_id},
    )
    for payload, progress in rows:
        done = json.loads(progress)
        for step, (_kind, body) in post_steps(json.loads(payload)).items():
            mark = done.get(step) or {}
            if mark.get("started_at") and not mark.get("txn"):
                held.add(normal_body(body))
    return held
