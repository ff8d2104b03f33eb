"""Writing remote values into local tickets: pulled changes and "take theirs" resolutions.

A remote change is a fact, not a request: the SOP's lifecycle rules are not re-checked (RT may
have moved the ticket in ways the SOP would refuse locally), but the SLA bookkeeping is the same
as for a local move, and every field written gets an audit row naming who changed it remotely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core import changes
from agentdesk.core.changes import sla_fields
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.ticket import Priority, Region, Status, Tier
from agentdesk.store.types import to_db
from agentdesk.store.writes import load_snapshot, pauses_to_json

# Local fields a remote value may set, in the outbox's vocabulary.
SYNCED_FIELDS = ("status", "priority", "assignee")


def agent_id_for(connection: Connection, handle: str, region: Region) -> int | None:
    """The local agent with this helpdesk handle, created (L1) on first sight. "" -> None."""
    if not handle:
        return None
    found = connection.execute(
        text("SELECT id FROM agents WHERE handle = :h"), {"h": handle}
    ).scalar_one_or_none()
    if found is not None:
        return int(found)
    return int(
        connection.execute(
            text(
                "INSERT INTO agents (handle, name, tier, region) VALUES (:h, :h, 'L1', :r) "
                "RETURNING id"
            ),
            {"h": handle, "r": region.value},
        ).scalar_one()
    )


def handle_for(connection: Connection, agent_id: int | str | None) -> str:
    if agent_id in (None, "", "None"):
        return ""
    found = connection.execute(
        text("SELECT handle FROM agents WHERE id = :id"), {"id": int(str(agent_id))}
    ).scalar_one_or_none()
    return "" if found is None else str(found)


def set_fields(
    connection: Connection,
    ticket_id: int,
    values: Mapping[str, str],
    *,
    actor: str,
    action: str,
    now: datetime,
    policy: SlaPolicy,
    extra: Mapping[str, Any] | None = None,
) -> list[str]:
    """Set status / priority / assignee (a handle) from remote values; returns fields changed."""
    before = load_snapshot(connection, ticket_id)
    after = before
    if "status" in values and Status(values["status"]) != before.status:
        # Same pause / resolved / closed bookkeeping as a local move.
        after = changes._move(after, Status(values["status"]), now)
    if "priority" in values:
        after = replace(after, priority=Priority(values["priority"]))
    if "assignee" in values:
        region = before.region
        after = replace(after, assignee_id=agent_id_for(connection, values["assignee"], region))
    if "tier" in values:
        after = replace(after, tier=Tier(values["tier"]))
    changed = [
        name
        for name in ("status", "priority", "assignee_id", "tier")
        if getattr(before, name) != getattr(after, name)
    ]
    if not changed and not extra:
        return []
    clock = sla_fields(after, policy)
    updates: dict[str, Any] = {
        "status": after.status.value,
        "priority": after.priority.value,
        "assignee_id": after.assignee_id,
        "tier": after.tier.value,
        "resolved_at": None if after.resolved_at is None else to_db(after.resolved_at),
        "closed_at": None if after.closed_at is None else to_db(after.closed_at),
        "sla_pauses": pauses_to_json(after.sla_pauses),
        "sla_clock": None if clock.clock is None else clock.clock.value,
        "sla_due_at": None if clock.due_at is None else to_db(clock.due_at),
        "sla_at_risk_at": None if clock.at_risk_at is None else to_db(clock.at_risk_at),
        "version": before.version + 1,
        "updated_at": to_db(now),
        **(extra or {}),
    }
    assignments = ", ".join(f"{name} = :{name}" for name in updates)
    connection.execute(
        text(f"UPDATE tickets SET {assignments} WHERE id = :ticket_id"),
        {**updates, "ticket_id": ticket_id},
    )
    rows = []
    for name in changed:
        old, new = getattr(before, name), getattr(after, name)
        if name == "assignee_id":
            name, old, new = "assignee", handle_for(connection, old), values["assignee"]
        rows.append(
            {
                "t": ticket_id,
                "actor": actor,
                "action": action,
                "field": name,
                "old": None if old is None else str(old),
                "new": None if new is None else str(new),
                "at": to_db(now),
            }
        )
    if rows:
        connection.execute(
            text(
                "INSERT INTO audit (ticket_id, actor, action, field, old_value, new_value, at) "
                "VALUES (:t, :actor, :action, :field, :old, :new, :at)"
            ),
            rows,
        )
    return [("assignee" if name == "assignee_id" else name) for name in changed]


def local_values(connection: Connection, ticket_id: int) -> dict[str, str]:
    """The ticket's synced fields as text, in the outbox's vocabulary (assignee = handle)."""
    snapshot = load_snapshot(connection, ticket_id)
    return {
        "status": snapshot.status.value,
        "priority": snapshot.priority.value,
        "assignee": handle_for(connection, snapshot.assignee_id),
    }
