"""Intake's reads and writes: the customers to search, a new customer, the new ticket with
its intake time (and a follow-up's link) in one transaction, a customer's tickets, and the
events handle time is counted from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from agentdesk.core.handle_time import INTAKE_ACTION, TicketEvent
from agentdesk.core.intake import CustomerCandidate, NewCustomer
from agentdesk.core.links import LinkKind
from agentdesk.core.ticket import Channel, Priority, Region, Status
from agentdesk.security.masking import mask_email, mask_name
from agentdesk.store.engine import Store
from agentdesk.store.intake_rows import CustomerOf, CustomerTicketRow
from agentdesk.store.links import insert_link
from agentdesk.store.new_ticket import insert_ticket
from agentdesk.store.types import from_db, to_db

REFERS_TO = LinkKind.REFERS_TO.value
"""ticket_links.kind of a follow-up: the new ticket refers to the Closed one (RT RefersTo)."""


def customer_candidates(connection: Connection) -> list[CustomerCandidate]:
    rows = connection.execute(
        text("SELECT id, account_id, name, email, phone, region FROM customers ORDER BY id")
    )
    return [
        CustomerCandidate(r.id, r.account_id, r.name, r.email, r.phone, Region(r.region))
        for r in rows
    ]


def customer_of_ticket(connection: Connection, ticket_id: int) -> CustomerCandidate | None:
    r = connection.execute(
        text(
            "SELECT c.id, c.account_id, c.name, c.email, c.phone, c.region FROM tickets t "
            "JOIN customers c ON c.id = t.customer_id WHERE t.id = :t"
        ),
        {"t": ticket_id},
    ).one_or_none()
    if r is None:
        return None
    return CustomerCandidate(r.id, r.account_id, r.name, r.email, r.phone, Region(r.region))


def account_ids(connection: Connection) -> list[str]:
    return list(connection.execute(text("SELECT account_id FROM customers")).scalars())


def insert_customer(connection: Connection, customer: NewCustomer, now: datetime) -> int:
    assert customer.region is not None
    return int(
        connection.execute(
            text(
                "INSERT INTO customers (account_id, name, email, phone, region, created_at) "
                "VALUES (:account, :name, :email, :phone, :region, :at) RETURNING id"
            ),
            {
                "account": customer.account_id.strip(),
                "name": customer.name.strip(),
                "email": customer.email.strip(),
                "phone": customer.phone.strip(),
                "region": customer.region.value,
                "at": to_db(now),
            },
        ).scalar_one()
    )


def customer_region(connection: Connection, customer_id: int) -> Region | None:
    found = connection.execute(
        text("SELECT region FROM customers WHERE id = :id"), {"id": customer_id}
    ).scalar_one_or_none()
    return None if found is None else Region(found)


def open_ticket(
    store: Store,
    *,
    customer_id: int,
    channel: Channel,
    priority: Priority,
    subject: str,
    first_message: str,
    actor: str,
    opened_at: datetime,
    now: datetime,
    refers_to: int | None = None,
) -> int:
    """The ticket (region from the customer), its first message, audit and outbox 'create',
    the intake's time, and for a follow-up its link: all or nothing."""
    with store.write() as connection:
        region = customer_region(connection, customer_id)
        if region is None:
            raise ValueError(f"customer {customer_id} is not in this store")
        ticket_id = insert_ticket(
            connection,
            store.policy,
            subject=subject,
            customer_id=customer_id,
            priority=priority,
            channel=channel,
            region=region,
            body=first_message,
            actor=actor,
            now=now,
        )
        seconds = max(0, int((now - opened_at).total_seconds()))
        connection.execute(
            text(
                "INSERT INTO intakes (ticket_id, opened_at, created_at, seconds, channel, actor) "
                "VALUES (:t, :opened, :created, :seconds, :channel, :actor)"
            ),
            {
                "t": ticket_id,
                "opened": to_db(opened_at),
                "created": to_db(now),
                "seconds": seconds,
                "channel": channel.value,
                "actor": actor,
            },
        )
        if refers_to is not None:
            # Through the links' own path, so RT gets the RefersTo link after the create.
            insert_link(connection, ticket_id, refers_to, LinkKind.REFERS_TO, actor=actor, now=now)
    return ticket_id


@dataclass(frozen=True)
class IntakeTime:
    ticket_id: int
    opened_at: datetime
    created_at: datetime
    seconds: int
    channel: Channel
    actor: str


def intake_time(connection: Connection, ticket_id: int) -> IntakeTime | None:
    row = connection.execute(
        text("SELECT * FROM intakes WHERE ticket_id = :t"), {"t": ticket_id}
    ).one_or_none()
    if row is None:
        return None
    return IntakeTime(
        row.ticket_id,
        from_db(row.opened_at),
        from_db(row.created_at),
        row.seconds,
        Channel(row.channel),
        row.actor,
    )


def links_of(connection: Connection, ticket_id: int, kind: str = REFERS_TO) -> list[int]:
    """The tickets this one links to (its follow-up's Closed ticket)."""
    return list(
        connection.execute(
            text(
                "SELECT other_ticket_id FROM ticket_links WHERE ticket_id = :t AND kind = :k "
                "ORDER BY other_ticket_id"
            ),
            {"t": ticket_id, "k": kind},
        ).scalars()
    )


def customer_tickets(connection: Connection, ticket_id: int, limit: int = 50) -> CustomerOf | None:
    """The other tickets of this ticket's customer: open ones first (most urgent, then the
    newest), then the rest by the newest change."""
    owner = connection.execute(
        text(
            "SELECT c.id, c.name, c.email FROM tickets t JOIN customers c "
            "ON c.id = t.customer_id WHERE t.id = :t"
        ),
        {"t": ticket_id},
    ).one_or_none()
    if owner is None:
        return None
    rows = connection.execute(
        text(
            "SELECT id, subject, status, priority, channel, updated_at FROM tickets "
            "WHERE customer_id = :c AND id != :t "
            "ORDER BY status IN ('resolved', 'closed'), "
            "CASE WHEN status IN ('resolved', 'closed') THEN '' ELSE priority END, "
            "updated_at DESC, id DESC LIMIT :limit"
        ),
        {"c": owner.id, "t": ticket_id, "limit": limit},
    )
    found = tuple(
        CustomerTicketRow(
            r.id,
            r.subject,
            Status(r.status),
            Priority(r.priority),
            Channel(r.channel),
            from_db(r.updated_at),
        )
        for r in rows
    )
    return CustomerOf(owner.id, mask_name(owner.name), mask_email(owner.email), found)


def ticket_events(connection: Connection, ticket_id: int) -> tuple[Channel, list[TicketEvent]]:
    """The ticket's channel and the events its handle time counts: the audit rows, with the
    intake's creation moved back to when the agent opened the form (the call began then)."""
    channel = Channel(
        connection.execute(
            text("SELECT channel FROM tickets WHERE id = :t"), {"t": ticket_id}
        ).scalar_one()
    )
    events = [
        TicketEvent(from_db(r.at), r.action, r.field, r.new_value)
        for r in connection.execute(
            text(
                "SELECT action, field, new_value, at FROM audit WHERE ticket_id = :t "
                "ORDER BY at, id"
            ),
            {"t": ticket_id},
        )
    ]
    intake = intake_time(connection, ticket_id)
    if intake is not None:
        events = [
            TicketEvent(intake.opened_at, e.action, e.field, e.new_value)
            if e.action == INTAKE_ACTION
            else e
            for e in events
        ]
    return channel, events


def events_of_tickets_touched(
    connection: Connection, since: datetime, until: datetime
) -> dict[int, tuple[Channel, list[TicketEvent]]]:
    """ticket_events for every ticket with an audit row in [since, until): one read each
    of the tickets, their audit rows and their intakes, for the AHT report."""
    window = {"since": to_db(since), "until": to_db(until)}
    touched = "SELECT DISTINCT ticket_id FROM audit WHERE at >= :since AND at < :until"
    channels = {
        int(r.id): Channel(r.channel)
        for r in connection.execute(
            text(f"SELECT id, channel FROM tickets WHERE id IN ({touched})"), window
        )
    }
    opened = {
        int(r.ticket_id): from_db(r.opened_at)
        for r in connection.execute(
            text(f"SELECT ticket_id, opened_at FROM intakes WHERE ticket_id IN ({touched})"),
            window,
        )
    }
    found: dict[int, tuple[Channel, list[TicketEvent]]] = {
        t: (channel, []) for t, channel in channels.items()
    }
    rows = connection.execute(
        text(
            "SELECT ticket_id, action, field, new_value, at FROM audit "
            f"WHERE ticket_id IN ({touched}) ORDER BY ticket_id, at, id"
        ),
        window,
    )
    for r in rows:
        at = from_db(r.at)
        if r.action == INTAKE_ACTION and r.ticket_id in opened:
            at = opened[r.ticket_id]
        found[int(r.ticket_id)][1].append(TicketEvent(at, r.action, r.field, r.new_value))
    return found


def intake_seconds(connection: Connection, since: datetime, until: datetime) -> list[int]:
    """Intake times (form open -> ticket created) of the tickets created in [since, until)."""
    return [
        int(s)
        for s in connection.execute(
            text("SELECT seconds FROM intakes WHERE created_at >= :since AND created_at < :until"),
            {"since": to_db(since), "until": to_db(until)},
        ).scalars()
    ]
