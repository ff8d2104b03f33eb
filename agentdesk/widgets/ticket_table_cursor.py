"""The ticket table's cursor and its keys: up and down, a page, the first and the last row,
the view scrolled to keep the cursor on screen. A part of TicketTable (its base), kept in a
file of its own."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.reactive import reactive
from textual.scroll_view import ScrollView


class TicketTableCursor(ScrollView):
    _total: int | None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_ticket", "Open", id="ticket_table.open"),
        Binding("up,k", "cursor_up", "Up", show=False, id="ticket_table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="ticket_table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="ticket_table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="ticket_table.page_down"),
        Binding("home,g", "first", "First", show=False, id="ticket_table.first"),
        Binding("end,G", "last", "Last", show=False, id="ticket_table.last"),
    ]

    # No repaint of the table: the watcher redraws the two rows the cursor left and reached.
    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    @property
    def total(self) -> int:
        return self._total or 0

    @property
    def _width(self) -> int:
        """Cells to draw in: the widget less its scrollbar."""
        return self.scrollable_content_region.width

    @property
    def _body_height(self) -> int:
        return max(self.size.height - 1, 1)

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, self.total - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        if old != new:
            self._refresh_row(old)
            self._refresh_row(new)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self._body_height:
            self.scroll_to(y=new - self._body_height + 1, animate=False)

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self._width, 1))

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._body_height

    def action_page_down(self) -> None:
        self.cursor_row += self._body_height

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = self.total - 1
