"""Intake (SOP step 1) and the follow-up of a Closed ticket: a new ticket, opened offline like
every edit (the store's one transaction: ticket, first message, audit, outbox 'create', the
intake's time), which sync then creates in the helpdesk with its first message.

Also what the ticket view shows about the customer: their other tickets, and the handle time
of the current interaction against the SOP's target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agentdesk.core import handle_time
from agentdesk.core.actions import Action, status_refusal
from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.intake import (
    CustomerCandidate,
    CustomerIndex,
    IntakeForm,
    NewCustomer,
    check_intake,
    new_customer_gaps,
    priority_meaning,
)
from agentdesk.core.text import clean_text
from agentdesk.core.ticket import Channel, Priority, Region
from agentdesk.desk.base import Desk
from agentdesk.security.masking import mask_email, mask_name, mask_phone
from agentdesk.store.intake_rows import CustomerOf

__all__ = [
    "CustomerMatch",
    "CustomerOf",
    "create_customer",
    "customer_index",
    "customer_tickets",
    "find_customers",
    "follow_up",
    "handle_time_now",
    "open_ticket",
    "priority_meanings",
    "search_customers",
]


@dataclass(frozen=True)
class CustomerMatch:
    """A customer as the intake list shows them: masked, with the region the ticket gets."""

    id: int
    account_id: str
    name: str
    email: str
    phone: str
    region: Region

    @property
    def line(self) -> str:
        phone = f" · {self.phone}" if self.phone else ""
        return f"{self.name} · {self.account_id} · {self.email}{phone} · {self.region.value}"


def customer_index(desk: Desk) -> CustomerIndex:
    """Every customer, ready to search as the agent types: read once per intake form."""
    from agentdesk.store.intake import customer_candidates

    with desk.reading(), desk.store.read() as connection:
        return CustomerIndex(customer_candidates(connection))


def _shown(c: CustomerCandidate) -> CustomerMatch:
    phone = mask_phone(c.phone) if c.phone.strip() else ""
    return CustomerMatch(
        c.id, c.account_id, mask_name(c.name), mask_email(c.email), phone, c.region
    )


def search_customers(index: CustomerIndex, query: str, limit: int = 20) -> list[CustomerMatch]:
    """Fuzzy over name, email, phone and account ID; the best first, masked."""
    return [_shown(c) for c in index.find(clean_text(query), limit)]


def find_customers(desk: Desk, query: str, limit: int = 20) -> list[CustomerMatch]:
    """search_customers over a fresh read of the customers (a one-off search)."""
    return search_customers(customer_index(desk), query, limit)


def create_customer(desk: Desk, customer: NewCustomer) -> CustomerMatch:
    """A customer the helpdesk does not know yet (RT makes the requestor from the email)."""
    from agentdesk.store.intake import account_ids, insert_customer

    cleaned = NewCustomer(
        clean_text(customer.name),
        clean_text(customer.email),
        clean_text(customer.phone),
        clean_text(customer.account_id),
        customer.region,
    )
    with desk.writing("create a customer"), desk.store.write() as connection:
        problems = new_customer_gaps(cleaned, account_ids(connection))
        if problems:
            raise BadInput("the new customer is not complete: " + "; ".join(problems))
        customer_id = insert_customer(connection, cleaned, desk.now())
    assert cleaned.region is not None
    return CustomerMatch(
        customer_id,
        cleaned.account_id.strip(),
        mask_name(cleaned.name),
        mask_email(cleaned.email),
        mask_phone(cleaned.phone) if cleaned.phone.strip() else "",
        cleaned.region,
    )


def priority_meanings(desk: Desk) -> dict[Priority, str]:
    """What each priority means by the SOP, with the team's SLA figures."""
    return {p: priority_meaning(p, desk.store.policy) for p in Priority}


def open_ticket(
    desk: Desk, form: IntakeForm, *, opened_at: datetime, refers_to: int | None = None
) -> int:
    """Create the ticket; the SLA clocks start now. opened_at: when the intake form opened
    (the intake time the KPIs read is from then to now). Raises Refused naming every gap."""
    from agentdesk.store.intake import open_ticket as store_open

    check_intake(form)
    assert form.customer_id is not None and form.channel and form.priority
    if opened_at.tzinfo is None:
        raise BadInput("the intake's opening time needs a time zone")
    now = desk.now()
    with desk.writing("create the ticket"):
        try:
            return store_open(
                desk.store,
                customer_id=form.customer_id,
                channel=form.channel,
                priority=form.priority,
                subject=clean_text(form.subject).strip(),
                first_message=clean_text(form.first_message).strip(),
                actor=desk.actor.handle,
                opened_at=min(opened_at, now),
                now=now,
                refers_to=refers_to,
            )
        except ValueError as error:  # the customer went away meanwhile
            raise BadInput(str(error)) from error


@dataclass(frozen=True)
class FollowUpStart:
    """What the intake form starts from for a follow-up of a Closed ticket."""

    closed_id: int
    customer: CustomerMatch
    channel: Channel
    priority: Priority
    subject: str


def follow_up_start(desk: Desk, closed_id: int) -> FollowUpStart:
    """The Closed ticket's customer, channel, priority and subject, for the follow-up's form.
    Refused (the same words the ticket's key shows) when the ticket is not Closed."""
    from agentdesk.store.intake import customer_of_ticket
    from agentdesk.store.queries import ticket_detail

    with desk.reading(), desk.store.read() as connection:
        detail = ticket_detail(connection, closed_id)
        owner = customer_of_ticket(connection, closed_id)
    if detail is None or owner is None:
        raise BadInput(f"ticket #{closed_id} is not in this store")
    refusal = status_refusal(Action.FOLLOW_UP, detail.status)
    if refusal:
        raise Refused(f"#{closed_id}: {refusal}")
    customer = _shown(owner)
    subject = detail.subject
    if not subject.startswith("Follow-up: "):
        subject = f"Follow-up: {subject}"
    return FollowUpStart(closed_id, customer, detail.channel, detail.priority, subject)


def follow_up(desk: Desk, closed_id: int, form: IntakeForm, *, opened_at: datetime) -> int:
    """A new ticket for the same customer that refers to the Closed one."""
    start = follow_up_start(desk, closed_id)
    if form.customer_id not in (None, start.customer.id):
        raise Refused(f"a follow-up of #{closed_id} is for the same customer", ("customer",))
    same = IntakeForm(
        start.customer.id, form.channel, form.priority, form.subject, form.first_message
    )
    return open_ticket(desk, same, opened_at=opened_at, refers_to=closed_id)


def customer_tickets(desk: Desk, ticket_id: int) -> CustomerOf | None:
    """The ticket's customer (masked) and their other tickets: open first, then recent."""
    from agentdesk.store.intake import customer_tickets as stored

    with desk.reading(), desk.store.read() as connection:
        return stored(connection, ticket_id)


def handle_time_now(desk: Desk, ticket_id: int) -> handle_time.HandleTime:
    """The current (or last) interaction's handle time against the SOP target, now."""
    from agentdesk.store.intake import ticket_events

    with desk.reading(), desk.store.read() as connection:
        channel, events = ticket_events(connection, ticket_id)
    return handle_time.current(events, channel=channel, now=desk.now())
