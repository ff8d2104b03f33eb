"""The KPI board (issue 15): every KPI of the SOP as a tile with its target and trend, the
SLA breach heatmap, the month's root-cause-analysis flag and the improvement-plan trigger.

Read only: it reads desk.kpis (the same figures as the weekly report) in a thread worker and
shows what the worker posts. The lead's dashboard opens it (KpiBoardScreen(desk)); so does
the queue's command palette ("KPI board"). [ and ] step a week back and forward; e exports
the shown week's figures to a .md or .csv file through the weekly report's use case
(desk.team_report.export_report: audited as an export, an existing file replaced only after
a second Enter).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from agentdesk.core import kpi
from agentdesk.core.errors import agent_message
from agentdesk.core.kpi import Period
from agentdesk.core.kpi_definitions import DEFINITIONS, Kpi
from agentdesk.desk.base import Desk
from agentdesk.widgets.breach_heatmap import BreachHeatmap
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.kpi_tile import KpiTile

if TYPE_CHECKING:
    from agentdesk.desk.kpis import KpiOverview
    from agentdesk.desk.team_report import Exported


@dataclass(frozen=True)
class BoardKey:
    key: str
    action: str
    label: str
    id: str
    key_display: str | None = None


# The board's keys, once: bindings and key bar.
BOARD_KEYS: tuple[BoardKey, ...] = (
    BoardKey("left_square_bracket", "week(-1)", "Prev week", "kpi.prev_week", "["),
    BoardKey("right_square_bracket", "week(1)", "Next week", "kpi.next_week", "]"),
    BoardKey("r", "refresh", "Refresh", "kpi.refresh"),
    BoardKey("e", "export", "Export", "kpi.export"),
    BoardKey("escape", "back", "Back", "kpi.back", "Esc"),
)


def this_week(desk: Desk) -> Period:
    year, number, _ = desk.now().isocalendar()
    return kpi.week(f"{year:04d}-W{number:02d}")


class KpiBoardScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    # Tiles per row follow the terminal: 3 at 80 columns, 4 at 120, 6 at 160 and wider.
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (110, "-wide"),
        (160, "-widest"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(k.key, k.action, k.label, id=k.id, key_display=k.key_display) for k in BOARD_KEYS
    ]

    @dataclass
    class Loaded(Message):
        overview: KpiOverview

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, desk: Desk, period: Period | None = None, agent: str | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.period = period or this_week(desk)
        self.agent = agent
        self.overview: KpiOverview | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(self._title("loading…")), id="kpi-title")
        with VerticalScroll(id="kpi-body"):
            with Grid(id="kpi-tiles"):
                for which in Kpi:
                    yield KpiTile(which)
            yield Static(Content(" SLA breaches by weekday and hour (UTC)"), id="kpi-heat-title")
            yield BreachHeatmap(id="kpi-heatmap")
            yield Static("", id="kpi-flags")
        yield KeyBar()

    def _title(self, state: str) -> str:
        who = f" · {self.agent}" if self.agent else " · team"
        p = self.period
        days = f"{p.start:%d %b}-{(p.end - p.end.resolution):%d %b %Y}"
        return f" KPI board · {p.label} ({days}){who} · {state}"

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="kpi-board")
    def _load(self) -> None:
        from agentdesk.desk.kpis import kpi_overview

        try:
            overview = kpi_overview(self.desk, self.period, agent=self.agent)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Loaded(overview))

    def on_kpi_board_screen_loaded(self, message: Loaded) -> None:
        overview = self.overview = message.overview
        if overview.period != self.period:
            return  # a week stepped past while it loaded: the next load is on its way
        for which in Kpi:
            tile = self.query_one(f"#tile-{which.value}", KpiTile)
            tile.show(overview.kpis[which], [s[which] for s in overview.trend])
        self.query_one(BreachHeatmap).show_counts(overview.heatmap)
        self.query_one("#kpi-flags", Static).update(Content("\n".join(_flags(overview))))
        shown = overview.now.strftime("%H:%M UTC")
        self.query_one("#kpi-title", Static).update(Content(self._title(f"as of {shown}")))
        self.refresh_bindings()  # the export key is offered now that the week is shown

    def on_kpi_board_screen_failed(self, message: Failed) -> None:
        self.query_one("#kpi-title", Static).update(Content(self._title("not loaded")))
        self.notify(message.error, title="KPI board", severity="error", markup=False)

    def action_week(self, step: int) -> None:
        self.period = kpi.previous(self.period) if step < 0 else _next(self.period)
        self.query_one("#kpi-title", Static).update(Content(self._title("loading…")))
        self.refresh_bindings()  # no export while the week is loading
        self._load()

    def action_refresh(self) -> None:
        self._load()

    def action_back(self) -> None:
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            # Only figures that are on the screen: none while the week is loading.
            shown = self.overview is not None and self.overview.period == self.period
            return True if shown else None
        return True

    def action_export(self) -> None:
        from agentdesk.screens.path_dialog import PathDialog

        overview = self.overview
        if overview is None or overview.period != self.period:
            return
        folder = Path.home() / "Downloads"
        folder = folder if folder.is_dir() else Path.home()
        name = f"agentdesk-kpis-{overview.period.label}{f'-{self.agent}' if self.agent else ''}"
        dialog: PathDialog[Exported] = PathDialog(
            partial(self._export_to, overview),
            title=f"Export the KPIs of {overview.period.label}",
            hint="A .md or .csv file (the suffix picks the format). → completes the path.",
            ok_label="Export",
            value=str(folder / f"{name}.md"),
        )
        self.app.push_screen(dialog, self._exported)

    def _export_to(self, overview: KpiOverview, typed: str, again: bool) -> Exported:
        """The dialog's check (in its thread worker): an existing file is replaced only when
        the same path is asked for twice."""
        from agentdesk.desk.attachments import TargetExists
        from agentdesk.desk.team_report import export_report, format_of
        from agentdesk.screens.path_dialog import AskAgain

        fmt = format_of(Path(typed.strip()).expanduser(), ("md", "csv"))
        try:
            return export_report(
                self.desk, overview, fmt, typed, what="KPI board", agent=self.agent,
                overwrite=again,
            )  # fmt: skip
        except TargetExists as error:
            raise AskAgain(
                f"{error.path} already exists: Enter again replaces it, or change the path."
            ) from None

    def _exported(self, done: Exported | None) -> None:
        if done is not None:
            self.notify(
                f"Exported to {done.path} ({done.format}, {done.bytes:,} bytes); audited.",
                title="KPI board",
                markup=False,
            )


def _next(period: Period) -> Period:
    year, number, _ = period.end.isocalendar()
    return kpi.week(f"{year:04d}-W{number:02d}")


def _flags(overview: KpiOverview) -> list[str]:
    month = overview.month[Kpi.SLA_BREACH_RATE]
    lines = [
        f" {overview.month.period.label} SLA breach rate {month.shown}: "
        + ("above 2 % — root-cause analysis due" if overview.root_cause_analysis else "within 2 %")
    ]
    if overview.improvement_plans:
        plans = "; ".join(
            f"{agent} ({', '.join(DEFINITIONS[k].short or DEFINITIONS[k].name for k in kpis)})"
            for agent, kpis in overview.improvement_plans.items()
        )
        lines.append(f" Improvement plans, below target two months running: {plans}")
    else:
        lines.append(" Improvement plans: nobody below target two months running")
    return lines
