"""Pilot: the SLA-at-risk emergency path end to end with a fake clock. The ticket turns at
risk while it is open; X opens the path; the 15-minute countdown runs from the moment the
risk began (a redraw per minute, not per second); the three steps are recorded with their
times: the manager notified, a P0 incident linked, the customer told the ETR."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from textual.widgets import Input

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.screens.at_risk import AtRiskScreen
from agentdesk.screens.ticket import TicketScreen
from agentdesk.store.types import from_db
from agentdesk.widgets.notify_countdown import NotifyCountdown
from agentdesk.widgets.urgency_line import UrgencyLine
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import pass_verification, settle

SIZE = (100, 40)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _turning_at_risk(settings: Settings, clock: SteppedClock) -> tuple[int, Any]:
    """An open ticket, not paused, whose SLA turns at risk within the next half hour."""
    now = clock().strftime("%Y-%m-%dT%H:%M")
    soon = (clock() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    ticket_id, at_risk_at = _read(
        settings,
        "SELECT id, sla_at_risk_at FROM tickets WHERE status IN ('new', 'assigned', "
        "'in_progress') AND sla_at_risk_at > ? AND sla_at_risk_at < ? AND priority != 'P0' "
        "AND sla_breached_at IS NULL ORDER BY sla_at_risk_at LIMIT 1",
        now,
        soon,
    )[0]
    return int(ticket_id), from_db(at_risk_at)


async def test_the_at_risk_path_end_to_end(demo: Settings, clock: SteppedClock) -> None:
    ticket_id, risk_began = _turning_at_risk(demo, clock)
    pass_verification(demo, ticket_id, clock())
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        line = ticket.query_one(UrgencyLine)
        assert not line.display or "SLA at risk" not in str(line.render())
        # Not at risk yet: X says why instead of opening anything.
        await pilot.press("X")
        await settle(pilot)
        assert app.screen is ticket
        assert any("the SLA is not at risk" in n.message for n in app._notifications)

        # The risk begins while the ticket is open: the line says so and X lights up.
        clock.now = risk_began + timedelta(minutes=2, seconds=10)
        line.refresh_now()
        await settle(pilot)
        assert "press X for the emergency path" in str(line.render())
        await pilot.press("X")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AtRiskScreen)
        countdown = screen.query_one(NotifyCountdown)
        assert countdown.text == "12 min left to notify the manager"
        drawn = countdown.redraws
        clock.advance(timedelta(seconds=20))
        countdown.tick()
        assert countdown.redraws == drawn  # same minute: the widget is not redrawn
        clock.advance(timedelta(seconds=50))
        countdown.tick()
        assert countdown.text == "11 min left to notify the manager"
        assert countdown.redraws == drawn + 1
        on_duty = str(screen.query_one("#on-duty").render())
        assert "+1-512-555-0102" in on_duty  # L2 support, every region, 24 h

        # Step 1: the on-duty manager (pre-filled from the roster), by phone.
        name = screen.query_one("#notify-name", Input)
        assert name.value and app.focused is name
        await pilot.press("enter")
        await settle(pilot)
        (notified,) = _read(
            demo, "SELECT notified_at FROM sla_risk_paths WHERE ticket_id = ?", ticket_id
        )[0]
        assert from_db(notified) == clock()
        assert countdown.text.startswith("notified 3 min after the risk began")

        # Step 2: a P0 incident linked as the parent incident.
        assert app.focused is screen.query_one("#incident-text", Input)
        await pilot.press(*"Checkout failing", "enter")
        await settle(pilot)
        (incident, priority) = _read(
            demo,
            "SELECT l.other_ticket_id, t.priority FROM ticket_links l "
            "JOIN tickets t ON t.id = l.other_ticket_id WHERE l.ticket_id = ? AND l.kind = ?",
            ticket_id,
            "parent_incident",
        )[0]
        assert priority == "P0"
        assert f"incident #{incident}" in str(screen.query_one("#incident-done").render())

        # Step 3: the macro with the ETR filled, previewed, then sent.
        assert app.focused is screen.query_one("#inform-etr", Input)
        await pilot.press(*"today 18:00 UTC")
        await settle(pilot)
        assert "today 18:00 UTC" in str(screen.query_one("#inform-preview").render())
        await pilot.press("enter")
        await settle(pilot)
        reply = _read(
            demo,
            "SELECT body FROM messages WHERE ticket_id = ? AND kind = 'reply' "
            "ORDER BY id DESC LIMIT 1",
            ticket_id,
        )[0][0]
        assert "today 18:00 UTC" in reply and "{{" not in reply
        steps = _read(
            demo,
            "SELECT notified_at IS NOT NULL, incident_ticket_id, customer_informed_at, etr "
            "FROM sla_risk_paths WHERE ticket_id = ?",
            ticket_id,
        )
        assert steps == [(1, incident, steps[0][2], "today 18:00 UTC")]
        assert from_db(steps[0][2]) == clock()
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is ticket


async def test_w_records_why_the_ticket_stays_and_clears_the_flag(
    demo: Settings, clock: SteppedClock
) -> None:
    """A ticket past its tier's limit says so; W takes a reason (audited) and the line and
    the queue's ⇧ give way for that tier."""
    from agentdesk.screens.text_dialog import TextDialog
    from agentdesk.widgets.ticket_table import TicketTable

    (ticket_id,) = _read(
        demo,
        "SELECT id FROM tickets WHERE status = 'in_progress' AND tier = 'L1' "
        "AND priority = 'P3' AND created_at < ? ORDER BY id LIMIT 1",
        (clock() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    )[0]
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.queue_screen.query_one(TicketTable)
        assert table.tier_limit_passed is not None
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        line = ticket.query_one(UrgencyLine)
        assert "L1 limit passed" in str(line.render()) and "record why not" in str(line.render())
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"customer asked to stay with me", "ctrl+s")
        await settle(pilot)
        assert app.screen is ticket
        assert "L1 limit passed" not in str(line.render())
        assert _read(
            demo,
            "SELECT tier, reason FROM tier_limit_reasons WHERE ticket_id = ?",
            ticket_id,
        ) == [("L1", "customer asked to stay with me")]
        assert _read(
            demo,
            "SELECT count(*) FROM audit WHERE ticket_id = ? AND action = 'tier_limit_why_not'",
            ticket_id,
        ) == [(1,)]
        # The queue's row for it reads the reason too: no ⇧ for this tier any more.
        from agentdesk.desk.queue import search_rows
        from agentdesk.store.rows import QueueFilter

        assert app.desk is not None
        (row,) = search_rows(app.desk, QueueFilter(), [ticket_id])
        assert row.tier_why_not and not table.tier_limit_passed(row, clock())
