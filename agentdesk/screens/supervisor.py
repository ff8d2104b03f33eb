"""Monitoring mode's dashboard (issue 15): the live queue across agents.

Per agent: open tickets by priority, at-risk and breached counts, presence, shift state and
schedule adherence (from the team's shift records pulled from the helpdesk, and this store's
own shift tables: desk.supervisor.latest_shifts), and the handle time of the current
interaction (core/handle_time.py: the ticket in progress whose work started last, against
the SOP's target for its channel).
Enter drills down to the agent's tickets (screens/supervisor_agent.py), and from there to a
ticket, read-only. The board refreshes itself every [supervisor] refresh_seconds: the read
runs in a thread worker (desk.supervisor.team_board, one query set) and arrives as a message;
rows are updated cell by cell in place, never cleared and rebuilt, so nothing flickers and
the cursor stays on its agent. With a helpdesk, the team's queues are pulled (never pushed)
every PULL_SECONDS.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from agentdesk.core.errors import agent_message
from agentdesk.screens.supervisor_keys import (
    DASHBOARD_KEYS,
    WatchCommands,
    bar_ranks,
    bindings,
    help_rows,
)
from agentdesk.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.desk.base import Desk
    from agentdesk.desk.supervisor import AgentLine, TeamBoard, TeamPull
    from agentdesk.desk.sync_status import SyncSummary

PULL_SECONDS = 30.0

COLUMNS: tuple[tuple[str, str], ...] = (
    ("agent", "Agent"),
    ("tier", "Tier"),
    ("P0", "P0"),
    ("P1", "P1"),
    ("P2", "P2"),
    ("P3", "P3"),
    ("P4", "P4"),
    ("open", "Open"),
    ("at_risk", "At risk"),
    ("breached", "Breached"),
    ("presence", "Presence"),
    ("handle_time", "Handle time"),
    ("shift", "Shift"),
    ("adherence", "Adherence"),
)


def cells(line: AgentLine) -> dict[str, str]:
    """What each column of the agent's row shows."""
    p0, p1, p2, p3, p4 = (str(n) if n else "·" for n in line.by_priority)
    return {
        "agent": line.handle,
        "tier": line.tier.value if line.tier is not None else "",
        "P0": p0,
        "P1": p1,
        "P2": p2,
        "P3": p3,
        "P4": p4,
        "open": str(line.open),
        "at_risk": str(line.at_risk) if line.at_risk else "·",
        "breached": str(line.breached) if line.breached else "·",
        "presence": line.presence or "—",
        "handle_time": line.handle_time or "—",
        "shift": line.shift or "—",
        "adherence": line.adherence or "—",
    }


class SupervisorScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    COMMANDS = {WatchCommands}
    KEYS = DASHBOARD_KEYS
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(DASHBOARD_KEYS))

    @dataclass
    class BoardLoaded(Message):
        board: TeamBoard

    @dataclass
    class BoardFailed(Message):
        error: str

    @dataclass
    class TeamPulled(Message):
        summary: SyncSummary

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.desk: Desk | None = None
        self.board: TeamBoard | None = None
        self.lines: dict[str, AgentLine] = {}
        self.refreshes = 0  # boards shown (tests wait on it)
        self.team_pull: TeamPull | None = None
        self._pull_note = ""

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="supervisor-title")
        yield Static("Opening the team's data…", id="supervisor-totals")
        table: DataTable[str] = DataTable(id="team", cursor_type="row", zebra_stripes=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield KeyBar(bar_ranks(DASHBOARD_KEYS))

    def _title(self, note: str = "") -> str:
        where = f"profile {self.settings.profile}"
        if self.settings.watching_other_store:
            where = f"watching {self.settings.db_path}"
        extra = f" · {note}" if note else ""
        return f"Monitoring mode · read-only · {where}{extra}"

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#team", DataTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.set_interval(
            float(self.settings.supervisor_refresh_seconds), self.refresh_board, name="board"
        )

    def show_desk(self, desk: Desk) -> None:
        """The read-only desk is open: read the board, and start pulling the team's queues."""
        self.desk = desk
        self.refresh_board()
        self._open_pull(desk)

    # Reading

    def refresh_board(self) -> None:
        if self.desk is not None:
            self._read_board(self.desk)

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-board")
    def _read_board(self, desk: Desk) -> None:
        from agentdesk.desk.supervisor import team_board

        try:
            board = team_board(desk)
        except Exception as error:
            self.post_message(self.BoardFailed(agent_message(error)))
            return
        self.post_message(self.BoardLoaded(board))

    def on_supervisor_screen_board_loaded(self, message: BoardLoaded) -> None:
        self.show_board(message.board)

    def show_board(self, board: TeamBoard) -> None:
        """Each row updated in place (a changed cell only); new agents added at the end,
        agents gone removed. The cursor stays on its row."""
        table = self.table
        self.board = board
        seen: set[str] = set()
        for line in board.lines:
            seen.add(line.key)
            new = cells(line)
            old = self.lines.get(line.key)
            if old is None:
                table.add_row(*(new[key] for key, _ in COLUMNS), key=line.key)
            else:
                before = cells(old)
                for key, _ in COLUMNS:
                    if new[key] != before[key]:
                        with contextlib.suppress(CellDoesNotExist):
                            table.update_cell(line.key, key, new[key], update_width=True)
            self.lines[line.key] = line
        for gone in set(self.lines) - seen:
            del self.lines[gone]
            with contextlib.suppress(RowDoesNotExist):
                table.remove_row(gone)
        totals = board.totals
        p = totals.by_priority
        self.query_one("#supervisor-totals", Static).update(
            f"Team: {totals.name}, {totals.shift} · open {totals.open} "
            f"(P0 {p[0]} · P1 {p[1]} · P2 {p[2]} · P3 {p[3]} · P4 {p[4]}) · "
            f"at risk {totals.at_risk} · breached {totals.breached} · "
            f"read {board.read_at:%H:%M:%S} UTC"
        )
        self.refreshes += 1

    def on_supervisor_screen_board_failed(self, message: BoardFailed) -> None:
        self.notify(
            f"Could not read the team: {message.error}",
            title="Dashboard",
            severity="error",
            markup=False,
        )

    # The team pull (a helpdesk profile only)

    def _open_pull(self, desk: Desk) -> None:
        from agentdesk.desk.supervisor import open_team_pull

        try:
            self.team_pull = open_team_pull(desk.settings)
        except Exception as error:
            self.notify(agent_message(error), title="Team pull", severity="error", markup=False)
            return
        if self.team_pull is not None:
            self.set_interval(PULL_SECONDS, self.pull_now, name="team-pull")
            self.pull_now()

    def pull_now(self) -> None:
        if self.desk is not None and self.team_pull is not None:
            self._pull(self.desk, self.team_pull)

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-pull")
    def _pull(self, desk: Desk, pull: TeamPull) -> None:
        from agentdesk.desk.supervisor import pull_team

        try:
            summary = pull_team(desk, pull)
        except Exception as error:
            self.post_message(self.BoardFailed(agent_message(error)))
            return
        self.post_message(self.TeamPulled(summary))

    def on_supervisor_screen_team_pulled(self, message: TeamPulled) -> None:
        summary = message.summary
        note = f"{summary.backend} {summary.state}"
        self.query_one("#supervisor-title", Static).update(self._title(note))
        if summary.message and summary.state != "online" and summary.message != self._pull_note:
            self.notify(summary.message, title="Team pull", severity="warning", markup=False)
        self._pull_note = summary.message
        if summary.pulled:
            self.refresh_board()

    def on_unmount(self) -> None:
        if self.team_pull is not None:
            self.team_pull.close()

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "kpis":
            return self.desk is not None
        return True

    def action_refresh_board(self) -> None:
        self.refresh_board()

    def action_help(self) -> None:
        from agentdesk.screens.help import HelpScreen

        self.app.push_screen(HelpScreen("Keys of the dashboard", help_rows(DASHBOARD_KEYS, self)))

    def action_kpis(self) -> None:
        # The KPI board reads in its own worker and writes nothing: fit for monitoring mode.
        from agentdesk.screens.kpi_board import KpiBoardScreen

        if self.desk is not None:
            self.app.push_screen(KpiBoardScreen(self.desk))

    def cursor_line(self) -> AgentLine | None:
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key is None else self.lines.get(key)

    def action_open_agent(self) -> None:
        from agentdesk.screens.supervisor_agent import AgentTicketsScreen

        line = self.cursor_line()
        if line is None or self.desk is None:
            return
        self.app.push_screen(AgentTicketsScreen(self.desk, line))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_agent()
