"""Links between tickets and merges (V_H14C): the rows, their audit and their outbox op, in
one transaction each, as every local edit is written (store/writes.py).

The outbox ops: "link" {"link": {"kind", "other_ticket_id"}} on the linking ticket, and
"merge" {"merge": {"into_ticket_id"}} on the duplicate; sync/rt/push.py sends them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.errors import Refused
from agentdesk.core.links import LinkKind, plan_link, plan_merge
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.types import to_db
from agentdesk.store.workspace_rows import LinkRow
from agentdesk.store.writes import TicketNotFound, load_snapshot

MERGED_INTO = "merged_into"
MERGED_FROM = "merged_from"


def _outbox(connection: Connection, ticket_id: int, op: str, payload: Any, now: datetime) -> int:
    return int(
        connection.execute(
            text(
                "INSERT INTO outbox (ticket_id, op, payload, created_at) "
                "VALUES (:t, :op, :p, :at) RETURNING id"
            ),
            {"t": ticket_id, "op": op, "p": json.dumps(payload, sort_keys=True), "at": to_db(now)},
        ).scalar_one()
    )


def merged_into(connection: Connection, ticket_id: int) -> int | None:
    found = connection.execute(
        text("SELECT into_ticket_id FROM ticket_merges WHERE ticket_id = :t"), {"t": ticket_id}
    ).scalar_one_or_none()
    return None if found is None else int(found)


def add_link(
    store: Store, ticket_id: int, other_id: int, kind: LinkKind, *, actor: str, now: datetime
) -> int:
    """Link the ticket to the other one; returns the outbox op's id. Refused: the SOP says no
    (core.links), the link is there already, or the other ticket is not in this store."""
    with store.write() as connection:
        ticket = load_snapshot(connection, ticket_id)
        other = _other(connection, ticket_id, other_id)
        plan_link(ticket, other, kind)
        return insert_link(connection, ticket_id, other_id, kind, actor=actor, now=now)


def insert_link(
    connection: Connection,
    ticket_id: int,
    other_id: int,
    kind: LinkKind,
    *,
    actor: str,
    now: datetime,
) -> int:
    """The link row, its audit on both tickets and its outbox op, inside the caller's
    transaction (add_link, and the intake of a follow-up); returns the op's id."""
    inserted = connection.execute(
        text(
            "INSERT INTO ticket_links (ticket_id, other_ticket_id, kind, created_at, "
            "created_by) VALUES (:t, :o, :k, :at, :by) ON CONFLICT DO NOTHING"
        ),
        {"t": ticket_id, "o": other_id, "k": kind.value, "at": to_db(now), "by": actor},
    ).rowcount
    if not inserted:
        raise Refused(f"#{ticket_id} already {kind.label} #{other_id}")
    write_audit(
        connection,
        [
            AuditRecord(ticket_id, actor, "link", kind.value, None, f"#{other_id}", now),
            AuditRecord(other_id, actor, "link", kind.value, None, f"#{ticket_id} (from)", now),
        ],
    )
    payload = {"link": {"kind": kind.value, "other_ticket_id": other_id}}
    return _outbox(connection, ticket_id, "link", payload, now)


def merge_ticket(
    store: Store, duplicate_id: int, into_id: int, *, actor: str, now: datetime
) -> int:
    """Close the duplicate as merged into the other ticket; returns the outbox op's id."""
    with store.write() as connection:
        duplicate = load_snapshot(connection, duplicate_id)
        target = _other(connection, duplicate_id, into_id)
        plan = plan_merge(
            duplicate,
            target,
            now=now,
            policy=store.policy,
            target_merged=merged_into(connection, into_id) is not None,
        )
        values = {name: _db(value) for name, value in plan.updates.items()}
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        connection.execute(
            text(f"UPDATE tickets SET {assignments} WHERE id = :id"), {**values, "id": duplicate_id}
        )
        connection.execute(
            text(
                "INSERT INTO ticket_merges (ticket_id, into_ticket_id, merged_at, merged_by) "
                "VALUES (:t, :into, :at, :by)"
            ),
            {"t": duplicate_id, "into": into_id, "at": to_db(now), "by": actor},
        )
        field, value = plan.duplicate_audit
        target_field, target_value = plan.target_audit
        write_audit(
            connection,
            [
                AuditRecord(
                    duplicate_id, actor, "merge", "status", duplicate.status.value, "closed", now
                ),
                AuditRecord(duplicate_id, actor, "merge", field, None, value, now),
                AuditRecord(into_id, actor, "merge", target_field, None, target_value, now),
            ],
        )
        return _outbox(
            connection, duplicate_id, "merge", {"merge": {"into_ticket_id": into_id}}, now
        )


def _other(connection: Connection, ticket_id: int, other_id: int) -> Any:
    try:
        return load_snapshot(connection, other_id)
    except TicketNotFound:
        raise Refused(f"#{ticket_id}: there is no ticket #{other_id} in this store") from None


def _db(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_db(value)
    if hasattr(value, "value"):  # StrEnum
        return value.value
    return value


def ticket_links(connection: Connection, ticket_id: int) -> list[LinkRow]:
    """Both directions, then the merges; each with the other ticket's subject and status."""
    rows = connection.execute(
        text(
            "SELECT l.kind, 1 AS outgoing, t.id, t.subject, t.status FROM ticket_links l "
            "JOIN tickets t ON t.id = l.other_ticket_id WHERE l.ticket_id = :t "
            "UNION ALL "
            "SELECT l.kind, 0, t.id, t.subject, t.status FROM ticket_links l "
            "JOIN tickets t ON t.id = l.ticket_id WHERE l.other_ticket_id = :t "
            "UNION ALL "
            f"SELECT '{MERGED_INTO}', 1, t.id, t.subject, t.status FROM ticket_merges m "
            "JOIN tickets t ON t.id = m.into_ticket_id WHERE m.ticket_id = :t "
            "UNION ALL "
            f"SELECT '{MERGED_FROM}', 0, t.id, t.subject, t.status FROM ticket_merges m "
            "JOIN tickets t ON t.id = m.ticket_id WHERE m.into_ticket_id = :t "
            "ORDER BY 1, 3"
        ),
        {"t": ticket_id},
    )
    return [LinkRow(r[0], bool(r[1]), int(r[2]), r[3], r[4]) for r in rows]
