"""Small things a careful product gets right (issue 12, item 20): the history in words, the
macro picker's count while filtering, the undo notice by title, empty unticked boxes, the
confirmation's keys, a closed ticket's composer, due times with a date, a key that is not
open says why, and taking another agent's ticket is asked first."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from agentdesk.app import AgentDeskApp, make_app
from agentdesk.config import Settings
from agentdesk.screens.choice_dialog import ChoiceDialog
from agentdesk.screens.confirm import ConfirmScreen
from agentdesk.screens.filters import FilterScreen
from agentdesk.screens.ticket import CLOSED_COMPOSER
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.key_bar import KeyBar
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import burst, pass_verification, settle
from tests.ui.pilot_tools import open_ticket_screen as _open
from tests.ui.test_macros import _open_picker, _ticket

SIZE = (120, 40)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _notices(app: AgentDeskApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_: seen.append(str(message)))
    return seen


async def test_the_history_shows_names_durations_and_readable_times(
    demo: Settings, clock: SteppedClock
) -> None:
    ((ticket_id, old, new),) = _read(
        demo,
        "SELECT ticket_id, old_value, new_value FROM audit WHERE field = 'assignee_id' "
        "AND old_value != '' AND action = 'escalate' ORDER BY id LIMIT 1",
    )
    names = dict(_read(demo, "SELECT id, name FROM agents"))
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, int(ticket_id))
        screen.action_show_tab("tab-history")
        await settle(pilot)
        table = screen.query_one("#history-table", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        shown = "\n".join(" | ".join(row) for row in rows)
        assert ["Escalated", "Assignee", names[int(old)], names[int(new)]] in [
            row[2:] for row in rows
        ], shown
        assert "assignee_id" not in shown
        assert re.search(r"\d{4}-\d\d-\d\dT\d", shown) is None, shown
        # Who did it is a name too.
        assert all(not cell[1].count(".") for cell in rows), shown


async def test_the_macro_picker_counts_what_the_filter_leaves(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, _ = _ticket(demo, "in_progress")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        picker = await _open_picker(pilot, app, ticket_id)
        assert picker.library is not None
        total = len(picker.library.macros)
        status = picker.query_one("#macro-status", Static)
        assert str(status.render()) == f"{total} macros"
        await pilot.press(*"refund")
        await settle(pilot)
        assert str(status.render()) == f"{len(picker.hits)} of {total} macros"
        assert 0 < len(picker.hits) < total


async def test_the_undo_notice_names_the_macro_by_its_title(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id, _ = _ticket(demo, "in_progress", documented=True)
    # The reminder is a reply: it waits for a verification pass (the strict default policy).
    pass_verification(demo, ticket_id, clock())
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        picker = await _open_picker(pilot, app, ticket_id)
        assert picker.library is not None
        macro = picker.library.get("verification-reminder")
        assert macro is not None and macro.title != macro.id
        await pilot.press(*"verification reminder", "enter")
        await settle(pilot)
        notices = _notices(app, monkeypatch)
        await pilot.press("u")
        await settle(pilot)
        assert notices[-1] == f"Undid the macro {macro.title!r}."


async def test_unticked_filter_boxes_are_empty(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(FilterScreen(app.queue_screen.queue_filter))
        await settle(pilot)
        screen = app.screen
        statuses = screen.query_one("#filter-status")
        count = statuses.option_count  # type: ignore[attr-defined]
        lines = [statuses.render_line(y).text for y in range(count)]
        ticked = set(statuses.selected)  # type: ignore[attr-defined]
        for y, line in enumerate(lines):
            value = statuses.get_option_at_index(y).value  # type: ignore[attr-defined]
            assert ("X" in line[:3]) == (value in ticked), lines


async def test_the_confirmation_shows_its_keys(demo: Settings, clock: SteppedClock) -> None:
    ticket_id, _ = _ticket(demo, "in_progress", documented=True)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, ticket_id)
        app.push_screen(ConfirmScreen(screen.desk, ticket_id, "Cannot log in"))
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        bar = dialog.query_one(KeyBar)
        assert "esc Cancel" in str(bar.render())
        await pilot.press("enter")
        await burst(pilot, *"Reset", "tab", *"2h")
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.step == "agree"
        shown = str(bar.render())
        assert "y Agrees" in shown and "n Declines" in shown and "esc Cancel" in shown


async def test_a_closed_ticket_shows_why_there_is_no_composer(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, _ = _ticket(demo, "closed")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, ticket_id)
        composer = screen.query_one(Composer)
        assert composer.has_class("-closed") and not composer.text_area.display
        assert str(screen.query_one("#composer-mode", Static).render()) == CLOSED_COMPOSER
        await pilot.press("tab", *"hello")
        assert composer.text == ""


async def test_a_key_that_is_not_open_says_why(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id, _ = _ticket(demo, "in_progress")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, ticket_id)
        notices = _notices(app, monkeypatch)
        screen.query_one("#conversation").focus()
        await pilot.press("s")
        await settle(pilot)
        assert notices == ["Start work: it is already In progress."]


async def test_taking_another_agents_ticket_is_asked_first(
    demo: Settings, clock: SteppedClock
) -> None:
    me = demo.agent_handle
    ((ticket_id, holder),) = _read(
        demo,
        "SELECT t.id, a.handle FROM tickets t JOIN agents a ON a.id = t.assignee_id "
        "WHERE t.status = 'in_progress' AND a.handle != ? ORDER BY t.id LIMIT 1",
        me,
    )
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, int(ticket_id))
        screen.query_one("#conversation").focus()
        await pilot.press("a")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog) and "Take it?" in dialog.title_text
        await pilot.press("enter")  # Leave it: the default
        await settle(pilot)
        assert app.screen is screen
        assert _read(
            demo,
            "SELECT a.handle FROM tickets t JOIN agents a ON a.id = t.assignee_id WHERE t.id = ?",
            ticket_id,
        ) == [(holder,)]
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert _read(
            demo,
            "SELECT a.handle FROM tickets t JOIN agents a ON a.id = t.assignee_id WHERE t.id = ?",
            ticket_id,
        ) == [(me,)]


def test_a_due_time_on_another_day_has_its_date() -> None:
    from agentdesk.widgets.sla_clocks import _due

    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert _due(now.replace(hour=19, minute=40), now) == "19:40"
    assert _due(now.replace(day=24, hour=19, minute=40), now) == "Tue 19:40"
    assert _due(now.replace(day=20, hour=9, minute=5), now) == "Fri 09:05"
    assert _due(now.replace(month=12, day=8, hour=2, minute=13), now) == "8 Dec"
