"""The KPI board (issue 15) and the ticket screen's survey key, as a user drives them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Sparkline, Static

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core import kpi
from agentdesk.core.kpi_definitions import Kpi
from agentdesk.screens.choice_dialog import ChoiceDialog
from agentdesk.screens.kpi_board import KpiBoardScreen
from agentdesk.screens.path_dialog import PathDialog
from agentdesk.screens.ticket import TicketScreen
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.widgets.breach_heatmap import BreachHeatmap
from agentdesk.widgets.kpi_tile import KpiTile
from tests.desk.kpi_fixtures import REPORT_NOW, fill_kpi_week
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.supervisor_fixtures import security_rows, store_digest, supervising

SIZE = (120, 40)


@pytest.fixture
def team(tmp_path: Path) -> Settings:
    db = tmp_path / "team.db"
    store = open_store(db, load_sla_policy())
    try:
        fill_kpi_week(store)
    finally:
        store.close()
    return Settings(
        profile="kpi-test",
        config_path=None,
        db_path=db,
        cache_dir=tmp_path / "cache",
        agent_handle="amara.okafor",
    )


def _tile(board: KpiBoardScreen, which: Kpi) -> tuple[str, str, str]:
    tile = board.query_one(f"#tile-{which.value}", KpiTile)
    value = str(tile.query_one(".kpi-value", Static).render())
    target = str(tile.query_one(".kpi-target", Static).render())
    return value, target, str(tile.border_subtitle or "")


async def test_the_board_shows_the_core_s_figures_and_steps_weeks(team: Settings) -> None:
    app = make_app(team, clock=SteppedClock(REPORT_NOW))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Opened from the queue's command palette entry, on this week (2026-W49: nothing yet).
        await app.queue_screen.run_action("kpi_board")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, KpiBoardScreen) and board.period.label == "2026-W49"
        assert _tile(board, Kpi.CSAT)[0] == "no data"
        # The trend still shows last week's CSAT; QA has no review in any week: no line at all.
        assert board.query_one("#tile-csat", KpiTile).query_one(Sparkline).display
        assert not board.query_one("#tile-qa", KpiTile).query_one(Sparkline).display
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert board.period.label == "2026-W48"
        assert _tile(board, Kpi.CSAT) == ("50.0%  ✗ below", ">= 85.0%", "1/2 answers")
        assert _tile(board, Kpi.AVERAGE_HANDLE_TIME_PHONE) == (
            "5m00s  ✓ met",
            "<= 5m00s",
            "1 calls",
        )
        assert _tile(board, Kpi.AVERAGE_HANDLE_TIME_ASYNC)[0] == "22m00s  ✗ below"
        assert _tile(board, Kpi.SLA_BREACH_RATE)[2] == "1/4 opened"
        assert _tile(board, Kpi.ESCALATION_RATE) == ("25.0%", "watched", "1/4 opened")
        assert _tile(board, Kpi.QA_SCORE) == ("no data", ">= 90.0%", "")
        assert board.query_one("#tile-sla_breach_rate", KpiTile).has_class("below")
        assert board.query_one("#tile-aht_phone", KpiTile).has_class("met")
        heat = board.query_one(BreachHeatmap)
        assert str(heat.get_cell("Mon", "12")).strip() == "1"
        assert str(heat.get_cell("Mon", "11")).strip() == "·"
        flags = str(board.query_one("#kpi-flags", Static).render())
        assert "2026-11 SLA breach rate 25.0%: above 2 % — root-cause analysis due" in flags
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert board.period.label == "2026-W49"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.queue_screen


async def test_a_failed_read_is_told_not_crashed(team: Settings) -> None:
    app = make_app(team, clock=SteppedClock(REPORT_NOW))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.queue_screen.desk is not None
        board = KpiBoardScreen(app.queue_screen.desk, kpi.week("2026-W48"))

        def broken(*_: object, **__: object) -> object:
            raise RuntimeError("disk on fire")

        import agentdesk.desk.kpis as desk_kpis

        original = desk_kpis.kpi_overview
        desk_kpis.kpi_overview = broken  # type: ignore[assignment]
        try:
            await app.push_screen(board)
            await settle(pilot)
        finally:
            desk_kpis.kpi_overview = original
        assert "not loaded" in str(board.query_one("#kpi-title", Static).render())
        assert app.screen is board


async def _export(pilot: Any, path: Path) -> PathDialog[Any]:
    """e on the board, the path typed, Enter; the dialog (still open on an error)."""
    await pilot.press("e")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, PathDialog)
    dialog.query_one("#path-input", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)
    return dialog


async def test_monitoring_mode_exports_the_boards_week_audited_never_over_a_file(
    demo: Settings, clock: SteppedClock, tmp_path: Path
) -> None:
    from agentdesk.desk.kpis import kpi_overview
    from agentdesk.desk.supervisor import open_supervisor_desk
    from agentdesk.weekly_report import render

    watching = supervising(demo)
    before = store_digest(watching.db_path)
    out, mine = tmp_path / "out" / "w.md", tmp_path / "out" / "mine.csv"
    out.parent.mkdir()
    mine.write_text("my own notes\n")
    app = make_app(watching, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, KpiBoardScreen)
        await pilot.press("left_square_bracket")  # the board's week is what leaves
        await settle(pilot)
        shown = board.period
        dialog = await _export(pilot, out)
        assert app.screen is board and not dialog.is_attached
        # A file that exists is not replaced on the first Enter: it says so and waits.
        dialog = await _export(pilot, mine)
        assert app.screen is dialog
        assert "already exists: Enter again replaces it" in dialog.error
        assert mine.read_text() == "my own notes\n"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is board
        # A suffix that names no format: told, nothing written.
        dialog = await _export(pilot, tmp_path / "out" / "w.txt")
        assert "name a .md, .csv file" in dialog.error
        await pilot.press("escape")
        await settle(pilot)
    assert not (tmp_path / "out" / "w.txt").exists()
    desk = open_supervisor_desk(watching, clock)
    try:
        overview = kpi_overview(desk, shown)
    finally:
        desk.store.close()
    # The weekly report's own text of the shown week (the same use case as `report`).
    assert out.read_text() == render(overview, "md")
    assert mine.read_text() == render(overview, "csv")
    exports = [row for row in security_rows(watching.db_path) if row[0] == "export"]
    assert exports == [
        ("export", watching.agent_handle, "KPI board md"),
        ("export", watching.agent_handle, "KPI board csv"),
    ]
    assert store_digest(watching.db_path) == before  # nothing but the security trail


def _one(settings: Settings, sql: str) -> Any:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql).fetchone()


async def test_the_survey_key_records_the_caller_s_answer(
    demo: Settings, clock: SteppedClock
) -> None:
    (resolved,) = _one(
        demo, "SELECT id FROM tickets WHERE status = 'resolved' AND channel = 'phone' LIMIT 1"
    )
    (working,) = _one(demo, "SELECT id FROM tickets WHERE status = 'in_progress' LIMIT 1")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(working)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        screen.set_focus(None)
        await pilot.press("S")
        await settle(pilot)
        assert not isinstance(app.screen, ChoiceDialog)  # not before the resolve: it says why
        await pilot.press("escape")
        await settle(pilot)
        await app.queue_screen.open_ticket(resolved)
        await settle(pilot)
        app.screen.set_focus(None)
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "enter")  # CSAT 5, then CSAT 4
        await settle(pilot)
    assert _one(
        demo, f"SELECT kind, score, source FROM survey_answers WHERE ticket_id = {resolved}"
    ) == ("csat", 4, "phone")


async def _board_last_week(pilot: Any) -> None:
    await settle(pilot)
    await pilot.app.queue_screen.run_action("kpi_board")
    await settle(pilot)
    await pilot.press("left_square_bracket")
    await settle(pilot)


def test_kpi_board_120x40(snap_compare: Any, demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_board_last_week)
