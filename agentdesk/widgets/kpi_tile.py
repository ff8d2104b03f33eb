"""One KPI as a tile: its name, this period's value against the SOP's target, and a trend
drawn by Textual's Sparkline (oldest period left). The figures come from core.kpi."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from agentdesk.core.kpi_definitions import DEFINITIONS, Kpi, KpiValue, Unit


class KpiTile(Widget):
    DEFAULT_CSS = """
    KpiTile {
        height: 5;
        border: round $panel-lighten-2;
        padding: 0 1;
    }
    KpiTile.met { border: round $success; }
    KpiTile.below { border: round $error; }
    KpiTile .kpi-value { text-style: bold; }
    KpiTile.below .kpi-value { color: $error; }
    KpiTile.met .kpi-value { color: $success; }
    KpiTile .kpi-target { color: $text-muted; }
    KpiTile Sparkline { height: 1; margin-top: 0; }
    """

    def __init__(self, kpi: Kpi, *, id: str | None = None) -> None:
        super().__init__(id=id or f"tile-{kpi.value}")
        self.kpi = kpi
        definition = DEFINITIONS[kpi]
        self.border_title = definition.short or definition.name
        self.tooltip = definition.name

    def compose(self) -> ComposeResult:
        yield Static("…", classes="kpi-value")
        yield Static("", classes="kpi-target")
        yield Sparkline([], summary_function=max)

    def show(self, value: KpiValue, trend: Sequence[KpiValue]) -> None:
        definition = value.definition
        self.set_class(value.met is True, "met")
        self.set_class(value.met is False, "below")
        verdict = {True: "  ✓ met", False: "  ✗ below", None: ""}[value.met]
        self.query_one(".kpi-value", Static).update(Content(f"{value.shown}{verdict}"))
        if definition.unit is Unit.SHARE and definition.counts != "shifts":
            counted = f"{value.numerator:.0f}/{value.denominator} {definition.counts}"
        else:
            counted = f"{value.denominator} {definition.counts}"
        self.border_subtitle = counted if value.denominator else ""
        target = definition.describe_target() if definition.target is not None else "watched"
        self.query_one(".kpi-target", Static).update(Content(target))
        points = [v.value for v in trend if v.value is not None]
        line = self.query_one(Sparkline)
        line.display = bool(points)  # no data: no line that looks like a zero
        # A trend needs two points; one period alone is drawn flat.
        line.data = points if len(points) > 1 else points * 2
