"""Issue 12 item 12: what the agent needs stays in sight. Below 100 columns the demo answers
have a line of their own (the customer line is cut); the verify wizard and the three-step
confirmation carry the context they need (the customer and, in a demo, the answers; the
customer's last message); dialogs dim the ticket instead of hiding it."""

from __future__ import annotations

import sqlite3

import pytest
from rich.cells import cell_len

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core.verification import Factor
from agentdesk.demo import demo_answers
from agentdesk.screens.confirm import ConfirmScreen
from agentdesk.screens.verify import VerifyScreen
from agentdesk.widgets.customer_panel import CustomerPanel
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import open_ticket_screen as _open
from tests.ui.pilot_tools import settle


def _ticket(settings: Settings) -> tuple[int, str, str]:
    """An in-progress L1 ticket: id, account id, the customer's last message."""
    with sqlite3.connect(settings.db_path) as connection:
        row = connection.execute(
            "SELECT t.id, c.account_id, "
            "(SELECT body FROM messages m WHERE m.ticket_id = t.id AND m.kind = 'customer' "
            " ORDER BY m.created_at DESC, m.id DESC LIMIT 1) "
            "FROM tickets t JOIN customers c ON c.id = t.customer_id "
            "WHERE t.status = 'in_progress' AND t.tier = 'L1' ORDER BY t.id LIMIT 1"
        ).fetchone()
    assert row is not None and row[2]
    return int(row[0]), str(row[1]), str(row[2])


def _answers(account_id: str) -> list[str]:
    answers = demo_answers(account_id)
    return [answers[Factor.PAYMENT_LAST4], answers[Factor.DATE_OF_BIRTH], answers[Factor.PIN]]


async def test_below_100_columns_the_demo_answers_have_their_own_whole_line(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, account_id, _ = _ticket(demo)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, ticket_id)
        assert not screen.query_one(CustomerPanel).display  # no room for the panel
        line = screen.query_one("#ticket-demo")
        text = str(line.render())
        assert line.display and line.region.height == 1
        assert account_id in text and all(answer in text for answer in _answers(account_id))
        assert cell_len(text) <= line.region.width  # shown whole, not cut
    async with make_app(demo, clock=clock).run_test(size=(120, 40)) as pilot:
        wide = await _open(pilot.app, pilot, ticket_id)  # type: ignore[arg-type]
        assert not wide.query_one("#ticket-demo").display  # the panel shows them
        assert wide.query_one(CustomerPanel).display


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_verify_wizard_shows_the_answers_and_leaves_the_panel_free(
    demo: Settings, clock: SteppedClock, size: tuple[int, int]
) -> None:
    ticket_id, account_id, _ = _ticket(demo)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=size) as pilot:
        ticket = await _open(app, pilot, ticket_id)
        await pilot.press("v")
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, VerifyScreen)
        context = str(wizard.query_one("#verify-context").render())
        assert account_id in context and all(answer in context for answer in _answers(account_id))
        assert wizard.styles.background.a < 1  # the ticket is dimmed, not hidden
        panel = ticket.query_one(CustomerPanel)
        if panel.display:
            dialog = wizard.query_one("#verify-dialog").region
            assert not dialog.overlaps(panel.region)


async def test_the_confirmation_quotes_the_customers_last_message(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, _, said = _ticket(demo)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot, ticket_id)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        quote = dialog.query_one("#confirm-said")
        assert quote.region.height > 2
        shown = " ".join(str(s.render()) for s in quote.query("Static"))
        assert said.split()[0] in shown and said.split()[-1] in shown
        assert dialog.styles.background.a < 1
        # The steps still fit 24 rows: the field to restate in is on screen.
        field = dialog.query_one("#confirm-text")
        assert field.region.bottom <= 24
