"""Monitoring mode's screens (issue 15): the dashboard, its in-place refresh, the drill-down
to an agent and to a ticket, and the proof that no binding or palette entry of any screen
reachable in monitoring mode writes anything (the store's bytes stay as they were)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core.actions import Action
from agentdesk.desk.supervisor import UNASSIGNED, open_supervisor_desk, team_board
from agentdesk.screens.supervisor import SupervisorScreen, cells
from agentdesk.screens.supervisor_agent import AgentTicketsScreen
from agentdesk.screens.supervisor_keys import AGENT_KEYS, DASHBOARD_KEYS, WatchCommands
from agentdesk.screens.ticket import TicketScreen
from agentdesk.screens.ticket_commands import TicketCommands
from agentdesk.screens.ticket_keys import TICKET_KEYS
from tests.conftest import FIXED_NOW
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.supervisor_fixtures import security_rows, store_digest, supervising

SIZE = (160, 48)


@pytest.fixture
def watching(demo: Settings) -> Settings:
    return supervising(demo)


def _board(settings: Settings) -> Any:
    desk = open_supervisor_desk(settings, lambda: FIXED_NOW)
    try:
        return team_board(desk)
    finally:
        desk.store.close()


def _row(table: DataTable[str], key: str) -> list[str]:
    return [str(cell) for cell in table.get_row(key)]


async def test_the_dashboard_shows_every_agent_as_the_desk_counts_them(
    watching: Settings, clock: SteppedClock
) -> None:
    board = _board(watching)
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SupervisorScreen)
        table = screen.table
        assert table.row_count == len(board.lines)
        for line in board.lines:
            assert _row(table, line.key) == list(cells(line).values())
        # Three agents on shift (the fixture), with their presence.
        presences = [line.presence for line in board.lines if line.presence]
        assert sorted(p.split(" ")[0] for p in presences) == ["available", "in", "on"]
        assert "3 on shift" in str(screen.query_one("#supervisor-totals").render())
        assert table.get_row_at(table.row_count - 1)[0] == UNASSIGNED


async def test_a_refresh_updates_the_rows_in_place(watching: Settings, clock: SteppedClock) -> None:
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SupervisorScreen)
        table = screen.table
        order = [row.key.value for row in table.ordered_rows]
        await pilot.press("down", "down")
        cursor = table.cursor_row
        # An agent's agentdesk takes an unassigned ticket and makes it a P0 meanwhile.
        first = order[0]
        with sqlite3.connect(watching.db_path) as connection:
            connection.execute(
                "UPDATE tickets SET assignee_id = (SELECT id FROM agents WHERE handle = ?), "
                "priority = 'P0' WHERE id = (SELECT min(id) FROM tickets WHERE assignee_id IS "
                "NULL AND status IN ('new', 'assigned'))",
                (first,),
            )
        before = _row(table, first)
        cleared: list[bool] = []
        table.clear = lambda *a, **k: cleared.append(True)  # type: ignore[method-assign]
        shown = screen.refreshes
        await pilot.press("r")
        await settle(pilot)
        assert screen.refreshes == shown + 1
        after = _row(table, first)
        assert int(after[2].replace("·", "0")) == int(before[2].replace("·", "0")) + 1  # P0
        assert [row.key.value for row in table.ordered_rows] == order  # no row moved
        assert table.cursor_row == cursor and not cleared


async def test_drill_down_to_an_agent_and_a_read_only_ticket(
    watching: Settings, clock: SteppedClock
) -> None:
    before = store_digest(watching.db_path)
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, SupervisorScreen)
        line = dashboard.cursor_line()
        assert line is not None and line.open > 0
        await pilot.press("enter")
        await settle(pilot)
        agent = app.screen
        assert isinstance(agent, AgentTicketsScreen) and agent.line.handle == line.handle
        assert agent.table.total == line.open
        rows = [agent.table.row_at(i) for i in range(min(agent.table.total, 20))]
        assert {row.assignee for row in rows if row is not None} == {line.handle}
        ticket_id = agent.table.cursor_ticket_id
        await pilot.press("enter")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen) and ticket.ticket_id == ticket_id
        # The conversation, the note and the history are there to read ...
        for tab in ("2", "4", "1"):
            await pilot.press(tab)
            await settle(pilot)
        assert ticket.note_form is not None and ticket.note_form.disabled
        assert ticket.composer.disabled
        # ... and no write is offered: not in the bindings, the key bar or the palette.
        offered = {
            binding.action
            for _k, (_n, binding, enabled, _t) in ticket.active_bindings.items()
            if enabled
        }
        writes = {
            entry.action
            for entry in TICKET_KEYS
            if entry.parsed[0] in Action.__members__.values() or entry.parsed[0] == "compose"
        }
        assert not offered & writes
        palette = {name for name, _help, _call in TicketCommands(ticket, None)._actions()}  # type: ignore[arg-type]
        reads = {e.title for e in TICKET_KEYS if e.parsed[0] in ("back", "show_tab", "help")}
        assert palette == reads and "Show the conversation" in palette
        # A write key says why it does nothing.
        await pilot.press("d")
        await settle(pilot)
        notes = [str(n.message) for n in app._notifications]
        assert any("monitoring mode is read-only" in note for note in notes)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is agent
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dashboard
    assert store_digest(watching.db_path) == before
    # Issue 16: the view is in the profile's own security trail, not only in the log.
    view = ("supervisor_view", watching.agent_handle, f"ticket {ticket_id}")
    assert view in security_rows(watching.db_path)


async def test_k_opens_the_kpi_board_and_writes_nothing(
    watching: Settings, clock: SteppedClock
) -> None:
    from agentdesk.screens.kpi_board import KpiBoardScreen

    before = store_digest(watching.db_path)
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.check_action("kpis", ()) is True
        await pilot.press("K")
        await settle(pilot)
        assert isinstance(app.screen, KpiBoardScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SupervisorScreen)
    assert store_digest(watching.db_path) == before


# Every key of every screen reachable in monitoring mode, and every palette entry.


async def _go(pilot: Any, depth: int) -> Any:
    """The dashboard (0), an agent's tickets (1) or a ticket (2), from wherever we are."""
    app = pilot.app
    while len(app.screen_stack) > 1:
        app.pop_screen()
        await settle(pilot)
    if depth >= 1:
        await pilot.press("home")
        app.screen.action_open_agent()
        await settle(pilot)
    if depth >= 2:
        ticket_id = app.screen.table.cursor_ticket_id
        await app.screen.open_ticket(ticket_id)
        await settle(pilot)
    return app.screen


def _keys_of(screen: Any) -> list[str]:
    keys = {key for key in screen.active_bindings if key not in ("ctrl+q", "ctrl+c")}
    table = {SupervisorScreen: DASHBOARD_KEYS, AgentTicketsScreen: AGENT_KEYS}.get(type(screen))
    for entry in table or ():
        keys.update(part.strip() for part in entry.key.split(",") if part.strip())
    if isinstance(screen, TicketScreen):
        for ticket_key in TICKET_KEYS:
            if ticket_key.key:
                keys.update(part.strip() for part in ticket_key.key.split(","))
        # The composer's and the note form's keys (disabled widgets: they must do nothing).
        keys.update(["ctrl+s", "ctrl+j", "ctrl+t", "ctrl+o"])
    return sorted(keys)


@pytest.mark.parametrize("depth", [0, 1, 2], ids=["dashboard", "agent", "ticket"])
async def test_no_key_and_no_palette_entry_writes(
    watching: Settings, clock: SteppedClock, depth: int
) -> None:
    before = store_digest(watching.db_path)
    app = make_app(watching, clock=clock)
    pressed: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _go(pilot, depth)
        for key in _keys_of(screen):
            screen = await _go(pilot, depth)
            await pilot.press(key)
            await settle(pilot)
            # A dialog a key opened (help) is closed without a choice.
            pressed.append(key)
        screen = await _go(pilot, depth)
        provider = TicketCommands if isinstance(screen, TicketScreen) else WatchCommands
        entries = [hit async for hit in provider(screen, None).discover()]  # type: ignore[arg-type]
        assert entries
        for index in range(len(entries)):
            screen = await _go(pilot, depth)
            hit = [h async for h in provider(screen, None).discover()][index]  # type: ignore[arg-type]
            result = hit.command()
            if hasattr(result, "__await__"):
                await result
            await settle(pilot)
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)
    assert pressed
    assert store_digest(watching.db_path) == before, f"a key wrote: {pressed}"


def test_the_key_tables_hold_only_reads() -> None:
    for entry in (*DASHBOARD_KEYS, *AGENT_KEYS):
        assert entry.action in {
            "open_agent",
            "refresh_board",
            "kpis",
            "help",
            "back",
            "open_ticket",
            "refresh",
        }


async def test_an_attachment_is_opened_or_saved_but_not_removed(
    watching: Settings, clock: SteppedClock
) -> None:
    import hashlib

    from agentdesk.store.types import to_db
    from agentdesk.widgets.attachment_table import AttachmentTable

    data = b"receipt"
    with sqlite3.connect(watching.db_path) as connection:
        ticket_id, handle = connection.execute(
            "SELECT t.id, a.handle FROM tickets t JOIN agents a ON a.id = t.assignee_id "
            "WHERE t.status = 'in_progress' ORDER BY t.id LIMIT 1"
        ).fetchone()
        connection.execute(
            "INSERT INTO attachments (ticket_id, filename, mime_type, size, sha256, data, "
            "added_by, added_at) VALUES (?, 'receipt.txt', 'text/plain', ?, ?, ?, 'x', ?)",
            (ticket_id, len(data), hashlib.sha256(data).hexdigest(), data, to_db(FIXED_NOW)),
        )
    connection.close()
    before = store_digest(watching.db_path)
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, SupervisorScreen)
        app.push_screen(AgentTicketsScreen(dashboard.desk, dashboard.lines[handle]))  # type: ignore[arg-type]
        await settle(pilot)
        await app.screen.open_ticket(ticket_id)  # type: ignore[attr-defined]
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        await pilot.press("3")
        await settle(pilot)
        table = ticket.query_one(AttachmentTable)
        table.focus()
        await settle(pilot)
        offered = {b.action for _k, (_n, b, _e, _t) in ticket.active_bindings.items()}
        assert "wanted('open')" in offered and "wanted('remove')" not in offered
        await pilot.press("x")
        await settle(pilot)
        assert app.screen is ticket  # no confirmation dialog: nothing to confirm
    assert store_digest(watching.db_path) == before


def _selected(screen: Any) -> tuple[Any, str]:
    """A widget of the screen holding the ticket's text, all of it selected (as a mouse drag
    would), and that text."""
    from textual.selection import Selection

    whole = Selection(None, None)
    for widget in screen.query("*"):
        found = widget.get_selection(whole) if widget.allow_select else None
        if found is not None and found[0].strip():
            screen.selections = {widget: whole}
            return widget, found[0].rstrip("\n")
    raise AssertionError("no selectable text on the ticket screen")


async def test_copying_a_tickets_text_in_monitoring_mode_is_an_audited_export(
    watching: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+c (Textual's copy of a mouse selection) puts customer text on the clipboard only
    once the export is in the security trail; when it cannot be recorded, nothing is copied."""
    import agentdesk.desk.audit_trail as audit_trail
    from agentdesk.core.errors import DeskError

    before = store_digest(watching.db_path)
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        _, text = _selected(ticket)
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert app.clipboard == text
        exports = [r for r in security_rows(watching.db_path) if r[0] == "export"]
        assert exports == [
            ("export", watching.agent_handle, f"clipboard: ticket {ticket.ticket_id}")
        ]
        notes = [str(n.message) for n in app._notifications]
        assert f"Copied {len(text)} characters; audited as an export." in notes

        def cannot(*_: object, **__: object) -> None:
            raise DeskError("the profile's store cannot be written")

        monkeypatch.setattr(audit_trail, "record_event", cannot)
        app.copy_to_clipboard("another customer's address")
        await settle(pilot)
        assert app.clipboard == text  # not copied
        notes = [str(n.message) for n in app._notifications]
        assert any(n.startswith("Not copied: copying is an export here") for n in notes)
    assert store_digest(watching.db_path) == before


def test_every_monitoring_and_qa_key_table_offers_the_one_help_entry() -> None:
    from agentdesk.screens.qa_keys import SAMPLE_KEYS
    from agentdesk.screens.supervisor_keys import help_key

    tables = (("supervisor", DASHBOARD_KEYS), ("supervisor", AGENT_KEYS), ("qa", SAMPLE_KEYS))
    for screen, table in tables:
        assert [entry for entry in table if entry.action == "help"] == [help_key(screen)]
    assert help_key("qa").key == help_key("supervisor").key == "question_mark,f1"
