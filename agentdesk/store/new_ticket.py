"""Opening a ticket locally (offline too): the ticket, its first message, audit and outbox row.

Like apply_change, one BEGIN IMMEDIATE transaction: the ticket exists here at once, and sync
creates it remotely later (the "create" op), then sends the ops queued behind it.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.changes import TicketSnapshot, sla_fields
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.types import to_db


def create_ticket(
    store: Store,
    *,
    subject: str,
    customer_id: int,
    priority: Priority,
    channel: Channel,
    region: Region,
    body: str,
    actor: str,
    now: datetime,
) -> int:
    """Returns the new local ticket id. The first message is the customer's words."""
    with store.write() as connection:
        return insert_ticket(
            connection,
            store.policy,
            subject=subject,
            customer_id=customer_id,
            priority=priority,
            channel=channel,
            region=region,
            body=body,
            actor=actor,
            now=now,
        )


def insert_ticket(
    connection: Connection,
    policy: SlaPolicy,
    *,
    subject: str,
    customer_id: int,
    priority: Priority,
    channel: Channel,
    region: Region,
    body: str,
    actor: str,
    now: datetime,
) -> int:
    """create_ticket inside the caller's transaction (intake writes its own rows beside it)."""
    if not subject.strip():
        raise ValueError("a new ticket needs a subject")
    if not body.strip():
        raise ValueError("a new ticket needs the customer's message")
    found = connection.execute(
        text("SELECT name, email FROM customers WHERE id = :id"), {"id": customer_id}
    ).one_or_none()
    if found is None:
        raise ValueError(f"customer {customer_id} is not in this store")
    # The message is signed with the customer's name (shown masked, like the header); RT
    # knows the customer as the requestor, by email.
    customer = found.email
    snapshot = TicketSnapshot(
        id=0,
        subject=subject,
        priority=priority,
        status=Status.NEW,
        region=region,
        tier=Tier.L1,
        assignee_id=None,
        created_at=now,
    )
    clock = sla_fields(snapshot, policy)
    stamp = to_db(now)
    ticket_id = int(
        connection.execute(
            text(
                "INSERT INTO tickets (subject, customer_id, priority, status, channel, "
                "region, created_at, updated_at, sla_clock, sla_due_at, sla_at_risk_at) "
                "VALUES (:subject, :customer, :priority, 'new', :channel, :region, :at, :at, "
                ":clock, :due, :risk) RETURNING id"
            ),
            {
                "subject": subject,
                "customer": customer_id,
                "priority": priority.value,
                "channel": channel.value,
                "region": region.value,
                "at": stamp,
                "clock": None if clock.clock is None else clock.clock.value,
                "due": None if clock.due_at is None else to_db(clock.due_at),
                "risk": None if clock.at_risk_at is None else to_db(clock.at_risk_at),
            },
        ).scalar_one()
    )
    connection.execute(
        text(
            "INSERT INTO messages (ticket_id, kind, author, body, created_at) "
            "VALUES (:t, 'customer', :author, :body, :at)"
        ),
        {"t": ticket_id, "author": found.name, "body": body, "at": stamp},
    )
    write_audit(
        connection, [AuditRecord(ticket_id, actor, "create", "subject", None, subject, now)]
    )
    payload = {
        "subject": subject,
        "priority": priority.value,
        "body": body,
        "requestor": customer,
    }
    connection.execute(
        text(
            "INSERT INTO outbox (ticket_id, op, payload, created_at) VALUES (:t, 'create', :p, :at)"
        ),
        {"t": ticket_id, "p": json.dumps(payload, sort_keys=True), "at": stamp},
    )
    return ticket_id
