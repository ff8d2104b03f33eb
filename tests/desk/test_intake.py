"""desk.intake on a real temp SQLite store: a new ticket with its intake time and outbox
'create', the form's gaps, a new customer, the follow-up of a Closed ticket, the customer's
other tickets, and handle time from intake."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from agentdesk.core.actions import Action
from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.intake import IntakeForm, NewCustomer
from agentdesk.core.ticket import Channel, Priority, Region, Status
from agentdesk.desk import Desk, ticket_work
from agentdesk.desk import intake as desk_intake
from agentdesk.store.engine import Store
from tests.desk.conftest import make_desk
from tests.store.factory import add_ticket, verified

FORM = IntakeForm(1, Channel.PHONE, Priority.P1, "Card declined", "My card was declined.")


def _rows(store: Store, sql: str, **params: object) -> list[tuple[object, ...]]:
    with store.read() as connection:
        return [tuple(r) for r in connection.execute(text(sql), params)]


def test_intake_creates_the_ticket_with_its_first_message_clock_and_intake_time(
    desk: Desk, store: Store, now: datetime
) -> None:
    ticket_id = desk_intake.open_ticket(desk, FORM, opened_at=now - timedelta(seconds=95))
    assert _rows(
        store,
        "SELECT subject, customer_id, channel, priority, region, status FROM tickets WHERE id = :t",
        t=ticket_id,
    ) == [("Card declined", 1, "phone", "P1", "EMEA", "new")]
    (due,) = _rows(store, "SELECT sla_due_at FROM tickets WHERE id = :t", t=ticket_id)
    assert due[0] is not None  # the SLA clock runs from now
    assert _rows(
        store, "SELECT kind, author, body FROM messages WHERE ticket_id = :t", t=ticket_id
    ) == [("customer", "Maria Garcia Lopez", "My card was declined.")]
    assert _rows(
        store, "SELECT seconds, channel, actor FROM intakes WHERE ticket_id = :t", t=ticket_id
    ) == [(95, "phone", "amara.okafor")]
    ((op, payload),) = _rows(
        store, "SELECT op, payload FROM outbox WHERE ticket_id = :t", t=ticket_id
    )
    assert op == "create"
    assert json.loads(str(payload)) == {
        "subject": "Card declined",
        "priority": "P1",
        "body": "My card was declined.",
        "requestor": "maria.garcia@example.com",
    }


def test_an_incomplete_form_is_refused_naming_every_gap_and_writes_nothing(
    desk: Desk, store: Store, now: datetime
) -> None:
    with pytest.raises(Refused) as refused:
        desk_intake.open_ticket(desk, IntakeForm(None, None, Priority.P2, " ", ""), opened_at=now)
    assert refused.value.missing == ("customer", "channel", "subject", "first_message")
    assert _rows(store, "SELECT count(*) FROM tickets") == [(0,)]


def test_text_from_the_form_is_sanitised(desk: Desk, store: Store, now: datetime) -> None:
    form = IntakeForm(1, Channel.EMAIL, Priority.P3, "Refund\x1b[31m late", "Where\x07 is it?")
    ticket_id = desk_intake.open_ticket(desk, form, opened_at=now)
    ((subject, body),) = _rows(
        store,
        "SELECT t.subject, m.body FROM tickets t JOIN messages m ON m.ticket_id = t.id "
        "WHERE t.id = :t",
        t=ticket_id,
    )
    assert "\x1b" not in str(subject) and "\x07" not in str(body)


def test_customers_are_found_fuzzily_and_shown_masked(desk: Desk) -> None:
    for typed in ("maria garcia", "ACC-00000001", "acc-00000001", "maria.garcia@example.com"):
        found = desk_intake.find_customers(desk, typed)
        assert found and found[0].id == 1, typed
        assert found[0].name == "Maria L." and found[0].email == "m***a@example.com"
    assert [m.id for m in desk_intake.find_customers(desk, "jon smth")] == [2]  # typos
    assert desk_intake.find_customers(desk, "zzqqxx") == []


def test_a_new_customer_is_checked_then_kept(desk: Desk, store: Store) -> None:
    with pytest.raises(BadInput) as bad:
        desk_intake.create_customer(desk, NewCustomer("", "nope", "", "ACC-00000001", None))
    words = str(bad.value)
    for part in ("name: required", "email:", "ACC-00000001 is another customer's", "region:"):
        assert part in words
    made = desk_intake.create_customer(
        desk, NewCustomer("Zed Quinn", "zed@example.org", "+61 2 5550 1234", "ACC-Z", Region.APAC)
    )
    assert (made.name, made.phone, made.region) == ("Zed Q.", "***1234", Region.APAC)
    assert [m.id for m in desk_intake.find_customers(desk, "5550 1234")] == [made.id]


def test_a_follow_up_of_a_closed_ticket_is_a_new_linked_ticket(
    desk: Desk, store: Store, now: datetime
) -> None:
    add_ticket(store, 7, created_at=now - timedelta(days=9), status=Status.CLOSED, channel="chat")
    start = desk_intake.follow_up_start(desk, 7)
    assert (start.customer.id, start.channel, start.subject) == (
        1,
        Channel.CHAT,
        "Follow-up: Cannot log in",
    )
    form = IntakeForm(None, Channel.EMAIL, Priority.P2, start.subject, "Still cannot log in.")
    new_id = desk_intake.follow_up(desk, 7, form, opened_at=now)
    assert _rows(store, "SELECT customer_id, status FROM tickets WHERE id = :t", t=new_id) == [
        (1, "new")
    ]
    assert _rows(store, "SELECT ticket_id, other_ticket_id, kind FROM ticket_links") == [
        (new_id, 7, "refers_to")
    ]
    assert _rows(store, "SELECT status FROM tickets WHERE id = 7") == [("closed",)]


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.CLOSED])
def test_only_a_closed_ticket_gets_a_follow_up(
    desk: Desk, store: Store, now: datetime, status: Status
) -> None:
    add_ticket(store, 7, created_at=now - timedelta(days=1), status=status)
    with pytest.raises(Refused) as refused:
        desk_intake.follow_up(desk, 7, FORM, opened_at=now)
    assert "follow-up" in str(refused.value) or "reopen" in str(refused.value)
    assert _rows(store, "SELECT count(*) FROM tickets") == [(1,)]
    # The ticket screen's key says the same.
    snapshot = ticket_work.read_ticket(desk, 7)
    assert snapshot is not None
    allowed = ticket_work.actions_now(desk, snapshot.workspace.snapshot)
    assert allowed[Action.FOLLOW_UP] is not None


def test_the_customers_other_tickets_open_first_then_recent(
    desk: Desk, store: Store, now: datetime
) -> None:
    day = timedelta(days=1)
    add_ticket(store, 1, created_at=now - 9 * day)  # the one on screen
    add_ticket(store, 2, created_at=now - 8 * day, status=Status.CLOSED)
    add_ticket(store, 3, created_at=now - 1 * day, status=Status.RESOLVED)
    add_ticket(store, 4, created_at=now - 7 * day, priority=Priority.P3)
    add_ticket(store, 5, created_at=now - 2 * day, priority=Priority.P1, status=Status.PENDING)
    add_ticket(store, 6, created_at=now - 1 * day, priority=Priority.P3)
    add_ticket(store, 9, created_at=now - day, customer_id=2)  # another customer's
    found = desk_intake.customer_tickets(desk, 1)
    assert found is not None and found.name == "Maria L."
    assert [t.id for t in found.tickets] == [5, 6, 4, 3, 2]


def test_handle_time_of_a_phone_intake_counts_from_the_form_opening(
    store: Store, now: datetime
) -> None:
    from tests.store.factory import add_people

    add_people(store, now)
    current = [now]
    desk = make_desk(store, now)
    desk.clock = lambda: current[0]
    # The call is picked up at now - 1 min; the ticket is created at now.
    ticket_id = desk_intake.open_ticket(desk, FORM, opened_at=now - timedelta(minutes=1))
    current[0] = now + timedelta(minutes=2)
    reading = desk_intake.handle_time_now(desk, ticket_id)
    assert reading.interaction is not None and reading.interaction.running
    assert reading.interaction.seconds == 180 and not reading.over_target
    verified(store, ticket_id, current[0])
    opened = ticket_work.read_ticket(desk, ticket_id)
    assert opened is not None
    ticket_work.start_work(desk, opened.workspace.snapshot)  # continues the call's interaction
    current[0] = now + timedelta(minutes=5)
    reading = desk_intake.handle_time_now(desk, ticket_id)
    assert reading.interaction is not None and reading.interaction.seconds == 360
    assert reading.over_target and reading.minutes_label == "6 min / 5 min over"


def test_the_aht_report_counts_interactions_that_ended_in_the_period(
    desk: Desk, store: Store, now: datetime
) -> None:
    from agentdesk.desk.handle_times import handle_time_report
    from agentdesk.store.audit import AuditRecord, write_audit

    minute = timedelta(minutes=1)
    call = desk_intake.open_ticket(desk, FORM, opened_at=now - 2 * minute)  # picked up at -2
    mail = desk_intake.open_ticket(
        desk, IntakeForm(2, Channel.EMAIL, Priority.P3, "Invoice", "Send it again"), opened_at=now
    )

    def status(ticket: int, action: str, new: str, at: datetime) -> AuditRecord:
        return AuditRecord(ticket, "amara.okafor", action, "status", None, new, at)

    with store.write() as connection:
        write_audit(
            connection,
            [
                status(call, "start", "in_progress", now + minute),
                status(call, "pend", "pending", now + 4 * minute),  # 6 min from pick-up: over
                status(mail, "start", "in_progress", now + 10 * minute),
                status(mail, "pend", "pending", now + 22 * minute),  # 12 min: within 20
                status(mail, "start", "in_progress", now + 50 * minute),  # still running
            ],
        )
    report = handle_time_report(desk, now - minute, now + 60 * minute)
    assert (report.phone.interactions, report.phone.average_seconds) == (1, 360.0)
    assert (report.phone.over_target, report.phone.target_seconds) == (1, 300)
    assert (report.asynchronous.interactions, report.asynchronous.average_seconds) == (1, 720.0)
    assert report.asynchronous.over_target == 0
    assert (report.intakes, report.intake_average_seconds) == (2, 60.0)
    # A period before the pend counts nothing yet.
    early = handle_time_report(desk, now - minute, now + 3 * minute)
    assert early.phone.interactions == 0
