"""What each line of the ticket table is drawn as: the header, a row, a placeholder for a row
whose page is not loaded yet, or the waiting and empty texts. A part of TicketTable (its
base), kept in a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from agentdesk.core.sla import Risk
from agentdesk.store.rows import QueueRow
from agentdesk.widgets.literal import literal
from agentdesk.widgets.ticket_cells import PRIORITY_CLASS, RISK_CLASS, Column, fit, sla_cell
from agentdesk.widgets.ticket_pages import PAGE_SIZE
from agentdesk.widgets.ticket_table_cursor import TicketTableCursor


class TicketTableLines(TicketTableCursor):
    clock: Callable[[], datetime]
    empty_text: str
    waiting_text: str
    tier_limit_passed: Callable[[QueueRow, datetime], bool] | None
    _columns: list[Column]
    _failed: set[int]
    _sla_shown: dict[int, tuple[str, Risk | None]]
    _drawn: dict[int, Strip]
    _drawn_top: int

    # TicketTable provides this (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def row_at(self, index: int) -> QueueRow | None: ...

    def render_line(self, y: int) -> Strip:
        top = int(self.scroll_offset.y)
        if top != self._drawn_top:
            self._drawn.clear()
            self._drawn_top = top
        strip = self._drawn[y] = self._line(y)
        return strip

    def _line(self, y: int) -> Strip:
        width = self._width
        if y == 0:
            return self._header_strip(width)
        base = self.rich_style
        if self._total is None or self._total == 0:
            if y != 2:
                return Strip.blank(width, base)
            text = self.waiting_text if self._total is None else self.empty_text
            style = base + self.get_component_rich_style("ticket-table--muted", partial=True)
            return Strip([Segment(fit("  " + text, width), style)], width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self._total:
            return Strip.blank(width, base)
        if index == self.cursor_row:
            base = self.get_component_rich_style("ticket-table--cursor")
        row = self.row_at(index)
        if row is None:
            return self._placeholder_strip(index, width, base)
        return self._row_strip(index, row, width, base)

    def _header_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("ticket-table--header")
        segments = [Segment(" ", style)]
        for column in self._columns:
            segments.append(Segment(fit(column.title, column.width, column.align), style))
            segments.append(Segment(" ", style))
        return Strip(segments).adjust_cell_length(width, style).simplify()

    def _placeholder_strip(self, index: int, width: int, base: Style) -> Strip:
        page = index // PAGE_SIZE
        text = "could not load this page" if page in self._failed else "loading…"
        style = base + self.get_component_rich_style("ticket-table--placeholder", partial=True)
        segments = [Segment(" ", base)]
        for column in self._columns:
            cell = text if column.key == "subject" else "·"
            segments.append(Segment(fit(cell, column.width, column.align), style))
            segments.append(Segment(" ", base))
        # Equal styles merged: each segment costs its own colour codes on the wire.
        return Strip(segments).adjust_cell_length(width, base).simplify()

    def _row_strip(self, index: int, row: QueueRow, width: int, base: Style) -> Strip:
        segments = [Segment(" ", base)]
        for column in self._columns:
            text, component = self._cell(index, row, column.key)
            style = base
            if component is not None:
                style = base + self.get_component_rich_style(component, partial=True)
            segments.append(Segment(fit(text, column.width, column.align), style))
            segments.append(Segment(" ", base))
        # Equal styles merged: each segment costs its own colour codes on the wire.
        return Strip(segments).adjust_cell_length(width, base).simplify()

    def _cell(self, index: int, row: QueueRow, key: str) -> tuple[str, str | None]:
        """Cell text (always literal: never markup) and its component class."""
        if key == "id":
            return f"#{row.id}", None
        if key == "priority":
            passed = self.tier_limit_passed is not None and self.tier_limit_passed(
                row, self.clock()
            )
            return row.priority.value + ("⇧" if passed else ""), PRIORITY_CLASS[row.priority]
        if key == "status":
            return row.status.label, None
        if key == "subject":
            return literal(row.subject), None
        if key == "customer":
            return literal(row.customer), None
        if key == "channel":
            return row.channel.label, None
        if key == "assignee":
            if not row.assignee:
                return "—", "ticket-table--muted"
            return literal(row.assignee), None
        shown = sla_cell(row, self.clock())
        self._sla_shown[index] = shown
        text, level = shown
        return text, None if level is None else RISK_CLASS[level]
