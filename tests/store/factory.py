"""Small hand-made fixtures for store tests (the demo generator has its own tests)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from agentdesk.core.changes import TicketSnapshot, sla_fields
from agentdesk.core.note_template import Section, StructuredNote, Tag
from agentdesk.core.ticket import Priority, Region, Status, Tier
from agentdesk.store.engine import Store
from agentdesk.store.writes import bulk_insert, pauses_to_json


def add_people(store: Store, now: datetime) -> None:
    with store.write() as connection:
        bulk_insert(
            connection,
            "agents",
            [
                {
                    "id": 1,
                    "handle": "amara.okafor",
                    "name": "Amara Okafor",
                    "tier": "L1",
                    "region": "EMEA",
                },
                {"id": 2, "handle": "li.wei", "name": "Li Wei", "tier": "L2", "region": "APAC"},
            ],
        )
        bulk_insert(
            connection,
            "customers",
            [
                {
                    "id": n,
                    "account_id": f"ACC-{n:08d}",
                    "name": name,
                    "email": email,
                    "region": "EMEA",
                    "created_at": now - timedelta(days=90),
                }
                for n, name, email in (
                    (1, "Maria Garcia Lopez", "maria.garcia@example.com"),
                    (2, "John Smith", "john@example.org"),
                )
            ],
        )


def add_ticket(
    store: Store,
    ticket_id: int,
    *,
    created_at: datetime,
    priority: Priority = Priority.P2,
    status: Status = Status.NEW,
    region: Region = Region.EMEA,
    assignee_id: int | None = None,
    subject: str = "Cannot log in",
    customer_id: int = 1,
    channel: str = "email",
    **extra: Any,
) -> None:
    snapshot = TicketSnapshot(
        id=ticket_id,
        subject=subject,
        priority=priority,
        status=status,
        region=region,
        tier=Tier.L1,
        assignee_id=assignee_id,
        created_at=created_at,
        **{
            k: v
            for k, v in extra.items()
            if k in ("first_response_at", "last_update_at", "sla_pauses")
        },
    )
    clock = sla_fields(snapshot, store.policy)
    row = {
        "id": ticket_id,
        "subject": subject,
        "customer_id": customer_id,
        "assignee_id": assignee_id,
        "priority": priority.value,
        "status": status.value,
        "channel": channel,
        "region": region.value,
        "created_at": created_at,
        "updated_at": created_at,
        "first_response_at": snapshot.first_response_at,
        "last_update_at": snapshot.last_update_at,
        "sla_pauses": pauses_to_json(snapshot.sla_pauses),
        "sla_clock": clock.clock.value if clock.clock else None,
        "sla_due_at": clock.due_at,
        "sla_at_risk_at": clock.at_risk_at,
    }
    with store.write() as connection:
        bulk_insert(connection, "tickets", [row])


def complete_note(**tags: str) -> StructuredNote:
    """A structured note with every section written and every tag set."""
    return StructuredNote(
        sections={
            Section.ISSUE_SUMMARY: "Customer cannot log in since the password reset.",
            Section.STEPS_TAKEN: "Verified identity; sent a new reset link.",
            Section.ROOT_CAUSE: "Reset token expired before use.",
            Section.NEXT_STEPS: "Confirm the customer is back in by tomorrow.",
        },
        tags={
            Tag.PRODUCT_AREA: tags.get("product_area", "login"),
            Tag.ISSUE_TYPE: tags.get("issue_type", "password_reset"),
            Tag.PRIORITY: tags.get("priority", "P2"),
            Tag.CHANNEL: tags.get("channel", "email"),
        },
    )


def verified(store: Store, ticket_id: int, at: datetime) -> None:
    """A passed identity verification on the ticket (the wizard's record of it)."""
    from agentdesk.core.verification import Attempt, Factor, Outcome
    from agentdesk.store.verification import insert_attempt

    passed = Attempt(at, Outcome.PASSED, (Factor.ACCOUNT_ID, Factor.PAYMENT_LAST4, Factor.PIN))
    with store.write() as connection:
        insert_attempt(connection, ticket_id, passed, customer_id=None, agent_id=None, actor="test")
