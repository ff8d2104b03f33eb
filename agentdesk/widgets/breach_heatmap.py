"""The SLA breach heatmap: breaches falling due per weekday (rows) and hour (columns, UTC),
as a Textual DataTable whose cells are shaded by count (theme colours, no drawing code)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Shades from none to the most in one cell, as Rich styles on the cell's text.
_SHADES = ("dim", "on dark_orange3", "on red3", "bold white on red1")


class BreachHeatmap(DataTable[Text]):
    DEFAULT_CSS = """
    BreachHeatmap { height: 9; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", show_cursor=False, zebra_stripes=False)

    def on_mount(self) -> None:
        self.add_column(Text(""), key="day", width=3)
        for hour in range(24):
            self.add_column(Text(f"{hour:02d}"), key=str(hour), width=2)
        self.show_counts([[0] * 24 for _ in WEEKDAYS])

    def show_counts(self, counts: Sequence[Sequence[int]]) -> None:
        most = max((n for row in counts for n in row), default=0)
        self.clear()
        for day, row in zip(WEEKDAYS, counts, strict=True):
            cells = [Text(day, style="bold")]
            for n in row:
                if n == 0:
                    cells.append(Text(" ·", style=_SHADES[0]))
                    continue
                shade = _SHADES[min(3, 1 + (2 * n) // max(most, 1))]
                cells.append(Text(f"{n:>2}", style=shade))
            self.add_row(*cells, key=day)
