"""A virtual ticket table: as many rows as the queue has, but only a few pages in memory.

DataTable.add_rows freezes the UI for 10 s at 50,000 rows. This widget draws lines on demand
(Textual's Line API): a row not yet loaded is a dim placeholder while a thread worker fetches
its page through the loader it was given, and a page cache keeps the last few pages.
The SLA column is recomputed from the clock when drawn, so the countdown needs no reload.
The columns and cells are in widgets/ticket_cells.py, what each line is drawn as in
ticket_table_lines.py and the cursor and its keys in ticket_table_cursor.py (the bases of
this widget), the page size and loader in ticket_pages.py.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import events, work
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from agentdesk.core.sla import Risk
from agentdesk.store.rows import QueueRow
from agentdesk.widgets.ticket_cells import (
    PRIORITY_CLASS,
    RISK_CLASS,
    Column,
    layout_columns,
    sla_cell,
)
from agentdesk.widgets.ticket_pages import PAGE_SIZE, PageLoader
from agentdesk.widgets.ticket_table_lines import TicketTableLines

CACHED_PAGES = 8

Clock = Callable[[], datetime]


class TicketTable(TicketTableLines, can_focus=True):
    """The queue as a table. Give it rows with show_queue() (paged) or show_rows() (a list)."""

    DEFAULT_CSS = """
    TicketTable {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .ticket-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .ticket-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .ticket-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .ticket-table--placeholder { color: $text-disabled; }
        & > .ticket-table--muted { color: $text-muted; }
        & > .ticket-table--breached { color: $text-error; text-style: bold; }
        & > .ticket-table--at-risk { color: $text-warning; text-style: bold; }
        & > .ticket-table--on-track { color: $text-success; }
        & > .ticket-table--paused { color: $text-muted; text-style: italic; }
        & > .ticket-table--p0 { color: $text-error; text-style: bold reverse; }
        & > .ticket-table--p1 { color: $text-warning; text-style: bold; }
        & > .ticket-table--p2 { color: $foreground; }
        & > .ticket-table--p3 { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ticket-table--header",
        "ticket-table--cursor",
        "ticket-table--placeholder",
        "ticket-table--muted",
        *RISK_CLASS.values(),
        *PRIORITY_CLASS.values(),
    }

    @dataclass
    class TicketChosen(Message):
        """The agent asked to open this ticket (enter or double click)."""

        ticket_id: int

    @dataclass
    class RowsShown(Message):
        """The first rows of a new source are on screen."""

        total: int

    @dataclass
    class PageLoaded(Message):
        generation: int
        page: int
        rows: list[QueueRow]

    @dataclass
    class PageFailed(Message):
        generation: int
        page: int
        error: str

    def __init__(
        self,
        clock: Clock,
        *,
        empty_text: str = "No tickets match this view and filter.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.empty_text = empty_text
        self.waiting_text = "Loading tickets…"
        self.page_loads = 0
        """Pages fetched through the loader: a countdown must not add to it."""
        self._total: int | None = None
        self._loader: PageLoader | None = None
        self._generation = 0
        self._pages: OrderedDict[int, list[QueueRow]] = OrderedDict()
        self._pinned = False
        self._pending: set[int] = set()
        self._failed: set[int] = set()
        self._columns: list[Column] = layout_columns(80)
        self._sla_shown: dict[int, tuple[str, Risk | None]] = {}
        self._announced = True
        self.tier_limit_passed: Callable[[QueueRow, datetime], bool] | None = None
        """Set by the queue: the row is past its tier's time limit (a ⇧ after the priority)."""
        # What each line of the view was last drawn as, at which scroll offset: a re-read
        # redraws only the lines that differ (an idle link gets no unchanged rows again).
        self._drawn: dict[int, Strip] = {}
        self._drawn_top = -1

    # Sources

    @property
    def has_rows(self) -> bool:
        """A queue or search result is shown (not the waiting text)."""
        return self._total is not None

    def show_queue(
        self,
        total: int,
        loader: PageLoader,
        first_page: Sequence[QueueRow] = (),
        *,
        keep_cursor: bool = False,
    ) -> None:
        """Show a queue of total rows, fetched in pages by loader (first page optional)."""
        self._reset(total, keep_cursor)
        self._loader = loader
        if first_page:
            self._pages[0] = list(first_page)
        self._after_reset()

    def show_rows(self, rows: Sequence[QueueRow]) -> None:
        """Show exactly these rows, in this order (search results)."""
        self._reset(len(rows), keep_cursor=False)
        self._pinned = True
        for start in range(0, len(rows), PAGE_SIZE):
            self._pages[start // PAGE_SIZE] = list(rows[start : start + PAGE_SIZE])
        self._after_reset()

    def show_waiting(self, text: str) -> None:
        """No rows yet: say why (the store is opening)."""
        self.waiting_text = text
        self._total = None
        self.virtual_size = Size(self._width, 1)
        self.refresh()

    def _reset(self, total: int, keep_cursor: bool) -> None:
        self._generation += 1
        self._total = total
        self._loader = None
        self._pinned = False
        self._pages.clear()
        self._pending.clear()
        self._failed.clear()
        self._sla_shown.clear()
        self._announced = False
        self.virtual_size = Size(self._width, total + 1)
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
            self.cursor_row = 0

    def _after_reset(self) -> None:
        self.cursor_row = min(self.cursor_row, max(self.total - 1, 0))
        if self._total is not None and not self._announced and self._visible_loaded():
            self._announce()
        self._refresh_changed()

    def _refresh_changed(self) -> None:
        """Redraw the lines of the view whose strip changed since they were drawn."""
        if int(self.scroll_offset.y) != self._drawn_top or not self._drawn:
            self.refresh()
            return
        for y in range(self.size.height):
            drawn = self._drawn.get(y)
            if drawn is None or self._line(y) != drawn:
                self.refresh(Region(0, y, self.size.width, 1))

    def _announce(self) -> None:
        self._announced = True
        self.call_after_refresh(self.post_message, self.RowsShown(self.total))

    # Rows and pages

    @property
    def cursor_ticket_id(self) -> int | None:
        row = self.row_at(self.cursor_row)
        return None if row is None else row.id

    def row_at(self, index: int) -> QueueRow | None:
        """The row if its page is loaded; otherwise None, and the page is fetched."""
        if not 0 <= index < self.total:
            return None
        page, offset = divmod(index, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            self._want(page)
            return None
        self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    def visible_ids(self) -> list[int]:
        """The tickets whose rows are on screen now (loaded pages only): what the agent saw."""
        first = int(self.scroll_offset.y)
        rows = (self.row_at(i) for i in range(first, min(first + self._body_height, self.total)))
        return [row.id for row in rows if row is not None]

    def _want(self, page: int) -> None:
        if self._loader is None or page in self._pending or page in self._failed:
            return
        self._pending.add(page)
        self._load_page(self._loader, self._generation, page)

    # Not exclusive: a screen spanning two pages needs both; stale generations are dropped.
    @work(thread=True, exit_on_error=False, group="ticket-table-pages")
    def _load_page(self, loader: PageLoader, generation: int, page: int) -> None:
        try:
            rows = loader(page * PAGE_SIZE, PAGE_SIZE)
        except Exception as error:
            self.post_message(self.PageFailed(generation, page, f"{type(error).__name__}: {error}"))
        else:
            self.post_message(self.PageLoaded(generation, page, rows))

    def on_ticket_table_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        self.page_loads += 1
        self._pages[message.page] = message.rows
        while not self._pinned and len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        if not self._announced and self._visible_loaded():
            self._announce()
        self._refresh_changed()

    def on_ticket_table_page_failed(self, message: PageFailed) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        # No retry storm: a failed page waits for the next show_queue().
        self._failed.add(message.page)
        self.refresh()
        self.notify(
            f"Could not load tickets: {message.error}",
            title="Queue",
            severity="error",
            markup=False,
        )

    def _visible_loaded(self) -> bool:
        if self.total == 0:
            return True
        first = int(self.scroll_offset.y)
        last = min(first + max(self.size.height - 1, 1), self.total) - 1
        pages = {first // PAGE_SIZE, max(last, 0) // PAGE_SIZE}
        return all(page in self._pages for page in pages)

    # Cursor and scrolling

    def action_open_ticket(self) -> None:
        ticket_id = self.cursor_ticket_id
        if ticket_id is not None:
            self.post_message(self.TicketChosen(ticket_id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = int(self.scroll_offset.y) + offset.y - 1
        if index < self.total:
            self.cursor_row = index
            if event.chain >= 2:
                self.action_open_ticket()

    def on_resize(self, event: events.Resize) -> None:
        self._columns = layout_columns(self._width)
        self.virtual_size = Size(self._width, self.total + 1)

    # Live SLA

    def on_mount(self) -> None:
        self._columns = layout_columns(self._width)
        self.set_interval(1.0, self.refresh_sla, name="sla-countdown")

    def refresh_sla(self) -> None:
        """Redraw the SLA cells whose text or colour changed: a few cells, not the table."""
        if not self._total or self.app.screen is not self.screen:
            # Under another screen or a dialog: a change there repaints the whole top screen
            # (Textual), every second. The first tick back on top catches up.
            return
        sla = next((c for c in self._columns if c.key == "sla"), None)
        if sla is None:
            return
        x = sum(c.width + 1 for c in self._columns[: self._columns.index(sla)]) + 1
        now = self.clock()
        top = int(self.scroll_offset.y)
        visible = range(top, top + self._body_height)
        for index in [i for i in self._sla_shown if i not in visible]:
            del self._sla_shown[index]
        for index in range(top, min(top + self._body_height, self.total)):
            page, offset = divmod(index, PAGE_SIZE)
            rows = self._pages.get(page)
            if rows is None or offset >= len(rows):
                continue
            shown = sla_cell(rows[offset], now)
            if self._sla_shown.get(index) != shown:
                # Taken as drawn now: a cell asked for once, even if no frame draws it.
                self._sla_shown[index] = shown
                self.refresh(Region(x, index - top + 1, sla.width, 1))
