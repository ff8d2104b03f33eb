"""Pilot tests of intake (issue 14): a phone call from N in the queue, through the
verification wizard, to a reply; what the form refuses; a new customer."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from agentdesk.app import AgentDeskApp, make_app
from agentdesk.config import Settings
from agentdesk.core.verification import Factor
from agentdesk.demo import demo_answers
from agentdesk.screens.intake import IntakeScreen
from agentdesk.screens.new_customer import NewCustomerDialog
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.ticket import TicketScreen
from agentdesk.screens.verify import VerifyScreen
from agentdesk.widgets.customer_tickets import CustomerTickets
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import burst, settle
from tests.ui.pilot_tools import open_ticket_screen as _open


async def shows_matches_for(pilot: Pilot[Any], typed: str) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, IntakeScreen)
    for _ in range(400):  # the search runs once typing pauses; bounded, not timed
        await settle(pilot)
        if screen.shown_query == typed:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the intake list never showed matches for {typed!r}")


SIZE = (120, 40)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _a_customer(settings: Settings) -> tuple[int, str, str, str]:
    (row,) = _read(
        settings,
        "SELECT id, account_id, name, region FROM customers WHERE phone != '' ORDER BY id LIMIT 1",
    )
    return int(row[0]), str(row[1]), str(row[2]), str(row[3])


async def _intake(app: AgentDeskApp, pilot: Pilot[Any]) -> IntakeScreen:
    await settle(pilot)
    assert isinstance(app.screen, QueueScreen)
    await pilot.press("N")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


async def _find(pilot: Pilot[Any], typed: str) -> None:
    """Type into the customer field and wait until the list shows the answer to it."""
    await pilot.press(*typed)
    await shows_matches_for(pilot, typed)


async def test_a_phone_call_from_intake_through_verification_to_a_reply(
    demo: Settings, clock: SteppedClock
) -> None:
    customer_id, account, name, region = _a_customer(demo)
    answers = demo_answers(account)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        intake = await _intake(app, pilot)
        await _find(pilot, account.lower())  # any case finds the account ID
        matches = intake.query_one("#intake-matches", OptionList)
        first = matches.get_option_at_index(0)
        assert first.id == str(customer_id)
        shown = str(first.prompt)
        assert name not in shown and name.split()[0] in shown  # masked
        await pilot.press("enter", "enter")  # to the list, choose the first
        await settle(pilot)
        assert intake.customer is not None and intake.customer.id == customer_id
        # The channel is first in its row: phone. Then P1, whose SOP meaning is shown.
        await pilot.press("enter", "tab", "right", "enter")
        meaning = str(intake.query_one("#intake-meaning").render())
        assert "P1 priority ticket: respond in 1 h" in meaning
        clock.advance(timedelta(seconds=75))  # the agent listens and types
        await pilot.press("tab", *"Card declined twice", "tab", *"My card was declined twice.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The ticket is open, and the SOP's step 2 follows at once for a phone call.
        assert isinstance(app.screen, VerifyScreen)
        ticket_screen = app.screen_stack[-2]
        assert isinstance(ticket_screen, TicketScreen)
        ticket_id = ticket_screen.ticket_id
        for value in (account, answers[Factor.PAYMENT_LAST4], answers[Factor.DATE_OF_BIRTH]):
            app.screen.query_one("#verify-input", Input).value = value
            await pilot.press("enter")
            await settle(pilot)
        assert app.screen is ticket_screen and ticket_screen.verification().verified
        await pilot.press("r", *"We are looking at the card now.", "ctrl+s")
        await settle(pilot)
    (ticket,) = _read(
        demo,
        "SELECT subject, customer_id, channel, priority, region, status, sla_due_at "
        "FROM tickets WHERE id = ?",
        ticket_id,
    )
    assert ticket[:6] == ("Card declined twice", customer_id, "phone", "P1", region, "new")
    assert ticket[6] is not None  # the SLA clock started at once
    messages = _read(
        demo, "SELECT kind, body FROM messages WHERE ticket_id = ? ORDER BY id", ticket_id
    )
    assert messages == [
        ("customer", "My card was declined twice."),
        ("reply", "We are looking at the card now."),
    ]
    assert _read(demo, "SELECT seconds, channel FROM intakes WHERE ticket_id = ?", ticket_id) == [
        (75, "phone")
    ]
    ops = _read(demo, "SELECT op FROM outbox WHERE ticket_id = ? ORDER BY id", ticket_id)
    assert ops == [("create",), ("reply",)]


async def test_an_incomplete_intake_names_what_is_missing_and_keeps_what_was_typed(
    demo: Settings, clock: SteppedClock
) -> None:
    before = _read(demo, "SELECT count(*) FROM tickets")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        intake = await _intake(app, pilot)
        intake.query_one("#intake-subject", Input).value = "Parcel lost"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(intake.query_one("#intake-error").render())
        assert "find the customer or create one" in error
        assert "choose the channel" in error and "choose a priority" in error
        assert "write the customer's first message" in error
        assert app.screen is intake and intake.focused is intake.query_one("#intake-customer")
        assert intake.query_one("#intake-subject", Input).value == "Parcel lost"
    assert _read(demo, "SELECT count(*) FROM tickets") == before


async def test_a_new_customer_is_created_from_intake(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        intake = await _intake(app, pilot)
        await _find(pilot, "zed.quinn@example.org")
        await pilot.press("ctrl+n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewCustomerDialog)
        assert dialog.query_one("#nc-email", Input).value == "zed.quinn@example.org"
        dialog.query_one("#nc-name", Input).value = "Zed Quinn"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "account ID: required" in str(dialog.query_one("#nc-error").render())
        assert "region: choose" in str(dialog.query_one("#nc-error").render())
        dialog.query_one("#nc-account", Input).value = "ACC-NEW-1"
        dialog.query_one("#region-APAC").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is intake and intake.customer is not None
        assert intake.customer.region.value == "APAC" and intake.customer.name == "Zed Q."
    assert _read(demo, "SELECT name, region FROM customers WHERE account_id = 'ACC-NEW-1'") == [
        ("Zed Quinn", "APAC")
    ]


async def test_a_follow_up_from_a_closed_ticket_is_a_new_ticket_linked_to_it(
    demo: Settings, clock: SteppedClock
) -> None:
    (closed,) = _read(
        demo,
        "SELECT id, customer_id, subject FROM tickets WHERE status = 'closed' "
        "AND channel = 'email' ORDER BY id LIMIT 1",
    )
    (open_one,) = _read(demo, "SELECT id FROM tickets WHERE status = 'new' ORDER BY id LIMIT 1")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        # Not on an open ticket: the key says why.
        await _open(app, pilot, open_one[0])
        await pilot.press("F")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeScreen)
        await pilot.press("escape")
        await settle(pilot)
        screen = await _open(app, pilot, closed[0])
        await pilot.press("F")
        await settle(pilot)
        intake = app.screen
        assert isinstance(intake, IntakeScreen)
        assert intake.customer is not None and intake.customer.id == closed[1]
        assert intake.query_one("#intake-subject", Input).value == f"Follow-up: {closed[2]}"
        await burst(pilot, *"The replacement is broken too.", "ctrl+s")  # typed at once
        await settle(pilot)
        follow = app.screen
        assert isinstance(follow, TicketScreen) and follow is not screen
        new_id = follow.ticket_id
    assert _read(
        demo, "SELECT other_ticket_id, kind FROM ticket_links WHERE ticket_id = ?", new_id
    ) == [(closed[0], "refers_to")]
    assert _read(demo, "SELECT customer_id, status FROM tickets WHERE id = ?", new_id) == [
        (closed[1], "new")
    ]
    assert _read(demo, "SELECT body FROM messages WHERE ticket_id = ?", new_id) == [
        ("The replacement is broken too.",)
    ]
    assert _read(demo, "SELECT status FROM tickets WHERE id = ?", closed[0]) == [("closed",)]


async def test_the_customer_tab_lists_their_other_tickets_and_opens_one(
    demo: Settings, clock: SteppedClock
) -> None:
    (row,) = _read(
        demo,
        "SELECT customer_id FROM tickets GROUP BY customer_id HAVING count(*) >= 3 "
        "AND sum(status IN ('new', 'assigned', 'in_progress', 'pending')) >= 1 "
        "ORDER BY customer_id LIMIT 1",
    )
    ids = [
        r[0]
        for r in _read(demo, "SELECT id FROM tickets WHERE customer_id = ? ORDER BY id", row[0])
    ]
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, ids[0])
        await pilot.press("5")
        await settle(pilot)
        pane = screen.query_one(CustomerTickets)
        listed = [int(str(key.value)) for key in pane.table.rows]
        assert sorted(listed) == ids[1:]
        statuses = [pane.table.get_row_at(i)[1].plain for i in range(len(listed))]
        closed_at = [s in ("Resolved", "Closed") for s in statuses]
        assert closed_at == sorted(closed_at)  # open ones first
        await pilot.press("enter")
        await settle(pilot)
        other = app.screen
        assert isinstance(other, TicketScreen) and other.ticket_id == listed[0]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_the_handle_time_line_shows_the_call_against_the_phone_target(
    demo: Settings, clock: SteppedClock
) -> None:
    from agentdesk.widgets.handle_time_line import HandleTimeLine

    _, account, _, _ = _a_customer(demo)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        intake = await _intake(app, pilot)
        await _find(pilot, account)
        await pilot.press("enter", "enter")
        intake.query_one("#channel-email").value = True  # type: ignore[attr-defined]
        intake.query_one("#priority-P3").value = True  # type: ignore[attr-defined]
        intake.query_one("#intake-subject", Input).value = "Invoice copy"
        intake.query_one("#intake-message").load_text("Please send the invoice again.")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        line = screen.query_one(HandleTimeLine)
        assert not line.display  # email: the clock starts with start work
        await pilot.press("s")
        await settle(pilot)
        clock.advance(timedelta(minutes=21))
        line._tick()
        assert line.display
        assert "21 min / 20 min over" in str(line.render())


async def test_escape_with_text_typed_asks_before_discarding_it(
    demo: Settings, clock: SteppedClock
) -> None:
    from agentdesk.screens.choice_dialog import ChoiceDialog

    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        intake = await _intake(app, pilot)
        intake.query_one("#intake-subject", Input).value = "Parcel lost"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # "Stay" is the default
        await settle(pilot)
        assert app.screen is intake
        assert intake.query_one("#intake-subject", Input).value == "Parcel lost"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_the_palette_opens_intake_too(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"New ticket")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.screen.focused is app.screen.query_one("#intake-customer")
