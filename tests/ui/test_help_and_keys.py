"""The SOP's own actions are easy to find: at 80 columns the key bar keeps `v` and `c` (and
`L` for Level 2 on a locked ticket), the ticket palette lists them, the queue palette has
Conflicts, and ? or F1 opens a help screen made from the same key tables as the bindings."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from typing import Any

from textual.command import CommandPalette

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core.verification import Attempt, Factor, Outcome
from agentdesk.screens.help import HelpScreen, key_text
from agentdesk.screens.queue_commands import QUEUE_ACTIONS
from agentdesk.screens.ticket_keys import TICKET_KEYS
from agentdesk.widgets.key_bar import KeyBar
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import open_ticket_screen as _open
from tests.ui.pilot_tools import settle

NARROW = (80, 24)


def _one(settings: Settings, sql: str, *params: object) -> Any:
    with sqlite3.connect(settings.db_path) as connection:
        row = connection.execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0]


def _in_progress(settings: Settings) -> int:
    return int(
        _one(settings, "SELECT id FROM tickets WHERE status = 'in_progress' ORDER BY id LIMIT 1")
    )


def _bar(app: Any) -> str:
    return str(app.screen.query_one(KeyBar).render().plain)


async def test_at_80_columns_the_key_bar_keeps_verify_and_confirm(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=NARROW) as pilot:
        await _open(app, pilot, _in_progress(demo))
        line = _bar(app)
        assert "v Verify" in line and "c Confirm" in line, line
        assert "d Resolve" in line and "r Reply" in line, line
        assert line.rstrip().endswith("^p palette")


async def test_a_level_2_agent_sees_clear_lock_on_a_locked_ticket(
    demo: Settings, clock: SteppedClock
) -> None:
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store
    from agentdesk.store.verification import insert_attempt

    ticket_id = _in_progress(demo)
    l2 = _one(demo, "SELECT handle FROM agents WHERE tier = 'L2' ORDER BY id LIMIT 1")
    store = open_store(demo.db_path, load_sla_policy())
    try:
        with store.write() as connection:
            for minutes in (3, 2, 1):
                failed = Attempt(
                    clock() - timedelta(minutes=minutes), Outcome.FAILED, failed_step=Factor.PIN
                )
                insert_attempt(
                    connection, ticket_id, failed, customer_id=None, agent_id=None, actor="t"
                )
    finally:
        store.close()
    app = make_app(replace(demo, agent_handle=l2), clock=clock)
    async with app.run_test(size=NARROW) as pilot:
        screen = await _open(app, pilot, ticket_id)
        assert screen.verification().locked
        line = _bar(app)
        assert "L Clear lock" in line, line


async def test_help_lists_every_key_of_the_ticket_from_its_table(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(app, pilot, _in_progress(demo))
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        titles = [row.title for row in help_screen.rows]
        for entry in TICKET_KEYS:
            if entry.key is not None:  # a palette-only entry is run by a widget's key
                assert entry.title in titles, entry.title
        # Which keys are closed now, and why: the same answer the keys give.
        (start,) = [row for row in help_screen.rows if row.title == "Start work"]
        assert start.why_not is not None and "In progress" in start.why_not
        (verify,) = [row for row in help_screen.rows if row.title.startswith("Verify")]
        assert verify.why_not is None
        # The composer's and the note form's keys too.
        assert any(row.key == "ctrl+s,ctrl+j" and row.title == "Send" for row in help_screen.rows)
        assert any(row.title == "Save note" for row in help_screen.rows)
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert app.screen is screen


async def test_help_from_the_queue_and_in_both_palettes(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        queue = app.screen
        await pilot.press("question_mark")
        await settle(pilot)
        shown = app.screen
        assert isinstance(shown, HelpScreen)
        assert [row.title for row in shown.rows] == [a.title or a.label for a in QUEUE_ACTIONS]
        assert "Sync conflicts…" in [row.title for row in shown.rows]
        await pilot.press("escape")
        assert app.screen is queue
        for query, wanted in (("conflicts", "Sync conflicts…"), ("help", "Help: keys")):
            await pilot.press("ctrl+p")
            await settle(pilot)
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*query)
            await settle(pilot)
            assert wanted in _palette_text(app), query
            await pilot.press("escape")
            await settle(pilot)
        screen = await _open(app, pilot, _in_progress(demo))
        for query, wanted in (
            ("verify", "Verify the customer's identity"),
            ("three-step", "Three-step confirmation"),
            ("help", "Help: every key"),
        ):
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*query)
            await settle(pilot)
            assert wanted in _palette_text(app), query
            await pilot.press("escape")
            await settle(pilot)
        assert app.screen is screen


def _palette_text(app: Any) -> str:
    from textual.command import CommandList

    options = app.screen.query_one(CommandList)
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


def test_key_names_read_as_keys() -> None:
    assert key_text("question_mark,f1") == "? / F1"
    assert key_text("escape") == "Esc"
    assert key_text("ctrl+s,ctrl+j") == "ctrl+s / ctrl+j"
