"""Writing remote values into local tickets: pulled changes, "take theirs" resolutions, and a
reply made in the helpdesk.

A remote change is a fact, not a request: the SOP's lifecycle rules are not re-checked (the
helpdesk may have moved the ticket in ways the SOP would refuse locally), but the SLA
bookkeeping is the same as for a local move, and every field written gets an audit row naming
who changed it remotely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core import changes
from agentdesk.core.changes import sla_fields
from agentdesk.core.sla import SlaPolicy, next_due
from agentdesk.core.ticket import Priority, Status, Tier
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.remote import agent_id_for, handle_for
from agentdesk.store.snapshot import load_sla_ticket
from agentdesk.store.types import to_db
from agentdesk.store.writes import load_snapshot, pauses_to_json


def set_remote_fields(
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
            AuditRecord(
                ticket_id,
                actor,
                action,
                name,
                None if old is None else str(old),
                None if new is None else str(new),
                now,
            )
        )
    write_audit(connection, rows)
    return [("assignee" if name == "assignee_id" else name) for name in changed]


class RemoteFieldRows:
    connection: Connection
    policy: SlaPolicy

    def set_remote_fields(
        self,
        ticket_id: int,
        values: Mapping[str, str],
        *,
        actor: str,
        action: str,
        now: datetime,
        extra: Mapping[str, Any] | None = None,
    ) -> list[str]:
        return set_remote_fields(
            self.connection,
            ticket_id,
            values,
            actor=actor,
            action=action,
            now=now,
            policy=self.policy,
            extra=extra,
        )

    def local_values(self, ticket_id: int) -> dict[str, str]:
        """The ticket's synced fields as text, in the outbox's vocabulary (assignee = handle)."""
        snapshot = load_snapshot(self.connection, ticket_id)
        return {
            "status": snapshot.status.value,
            "priority": snapshot.priority.value,
            "assignee": handle_for(self.connection, snapshot.assignee_id),
        }

    def record_remote_reply(self, ticket_id: int, at: datetime, now: datetime) -> None:
        """A reply made in the helpdesk: the first response and the latest public update move
        as they would for a reply sent here, and the SLA clock with them."""
        self.record_remote_replies(ticket_id, at, at, now)

    def record_remote_replies(
        self, ticket_id: int, earliest: datetime, latest: datetime, now: datetime
    ) -> None:
        """The replies of one pull page on one ticket at once (its clock's fields read once,
        not the whole snapshot per reply): the earliest may be the first response, the latest
        is the last update."""
        before = load_sla_ticket(self.connection, ticket_id)
        first = before.first_response_at
        first = earliest if first is None or earliest < first else first
        last = before.last_update_at
        last = latest if last is None or latest > last else last
        if (first, last) == (before.first_response_at, before.last_update_at):
            return
        clock = next_due(replace(before, first_response_at=first, last_update_at=last), self.policy)
        self.connection.execute(
            text(
                "UPDATE tickets SET first_response_at = :first, last_update_at = :latest, "
                "sla_clock = :clock, sla_due_at = :due, sla_at_risk_at = :risk WHERE id = :t"
            ),
            {
                "t": ticket_id,
                "first": to_db(first),
                "latest": to_db(last),
                "clock": None if clock is None else clock.clock.value,
                "due": None if clock is None or clock.due_at is None else to_db(clock.due_at),
                "risk": None
                if clock is None or clock.at_risk_at is None
                else to_db(clock.at_risk_at),
            },
        )
        if first != before.first_response_at:
            old = None if before.first_response_at is None else to_db(before.first_response_at)
            audit = AuditRecord(
                ticket_id, "sync", "sync_pull", "first_response_at", old, to_db(first), now
            )
            write_audit(self.connection, [audit])
