"""The queue: views, filters, fuzzy search and the virtual ticket table.

Every read runs in a thread worker that posts a message; a generation number drops the
answers to questions nobody is asking any more (a filter changed while a page loaded).
The search is in screens/queue_search.py, the views and filters in queue_views.py, and what
the queue opens, shows of the sync, and the intake and shift keys in the other queue_*.py:
parts of this screen (its bases).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.worker import get_current_worker

from agentdesk import marks
from agentdesk.config import Settings
from agentdesk.core.errors import agent_message
from agentdesk.core.ticket import Priority
from agentdesk.desk import queue as desk_queue
from agentdesk.desk.base import Desk
from agentdesk.screens.queue_commands import QueueCommands, queue_bar_ranks, queue_bindings
from agentdesk.screens.queue_intake import QueueIntakeKeys
from agentdesk.screens.queue_open import QueueOpens
from agentdesk.screens.queue_search import SEARCH_INDEX, QueueSearch
from agentdesk.screens.queue_shift import QueueShiftKeys
from agentdesk.screens.queue_sync import QueueSyncStatus
from agentdesk.screens.queue_views import QueueViews
from agentdesk.store.rows import AgentRow, QueueFilter, QueueRow
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.queue_header import QueueHeader
from agentdesk.widgets.queue_summary import QueueSummary
from agentdesk.widgets.search_bar import SearchBar
from agentdesk.widgets.ticket_pages import PAGE_SIZE, PageLoader
from agentdesk.widgets.ticket_table import TicketTable

if TYPE_CHECKING:
    from agentdesk.core.search import SearchIndex
    from agentdesk.desk.queue import Peek
    from agentdesk.session import Session

REFRESH_SECONDS = 60.0


class QueueScreen(
    QueueOpens, QueueViews, QueueSearch, QueueSyncStatus, QueueIntakeKeys, QueueShiftKeys
):
    COMMANDS = {QueueCommands}

    # Keys, labels and palette entries: one table, in queue_commands.py.
    BINDINGS: ClassVar[list[BindingType]] = list(queue_bindings())

    @dataclass
    class QueueLoaded(Message):
        generation: int
        total: int
        first_page: list[QueueRow]
        loader: PageLoader
        keep_cursor: bool

    @dataclass
    class CountsLoaded(Message):
        counts: dict[Priority, int]
        pending_outbox: int

    @dataclass
    class BreachesRecorded(Message):
        pass

    @dataclass
    class LoadFailed(Message):
        what: str
        error: str

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.desk: Desk | None = None
        self.queue_filter = QueueFilter()
        self.search_query = ""
        self.search_index: SearchIndex | None = None
        self.last_search_seconds: float | None = None
        self._generation = 0
        self._marked_first_rows = False
        self._index_state = "none"
        self._sync_error = ""
        self._sync_note = ""
        self._reread_on_resume = False  # a periodic re-read held while covered

    def compose(self) -> ComposeResult:
        yield QueueHeader(id="queue-header")
        yield QueueSummary(id="queue-summary")
        yield SearchBar(id="search")
        yield TicketTable(self.clock, id="tickets")
        yield KeyBar(queue_bar_ranks())

    @property
    def table(self) -> TicketTable:
        return self.query_one("#tickets", TicketTable)

    @property
    def summary(self) -> QueueSummary:
        return self.query_one("#queue-summary", QueueSummary)

    def on_mount(self) -> None:
        header = self.query_one("#queue-header", QueueHeader)
        header.profile = self.settings.profile
        header.agent = self.settings.agent_handle
        header.connection = "local" if self.settings.backend == "local" else "offline"
        self.summary.queue_filter = self.queue_filter
        self.table.show_waiting("Opening the workspace…")
        self.table.focus()
        self.set_interval(REFRESH_SECONDS, self._periodic_refresh, name="queue-refresh")

    def show_peek(self, peek: Peek) -> None:
        """The first screen of tickets while the store is still opening (read-only)."""
        if self.desk is not None:
            return
        queue = self.queue_filter = peek.queue
        loader = desk_queue.peek_loader(self.settings, queue, self.clock())
        self._show_agent(peek.agent)
        self.summary.queue_filter = queue
        self.summary.total = peek.total
        header = self.query_one("#queue-header", QueueHeader)
        header.counts = peek.counts
        self.table.show_queue(peek.total, loader, peek.first_page, keep_cursor=False)

    def _show_agent(self, agent: AgentRow | None) -> None:
        if agent is not None:
            header = self.query_one("#queue-header", QueueHeader)
            header.agent = f"{agent.handle} ({agent.tier.value})"

    @property
    def session(self) -> Session | None:
        return None if self.desk is None else self.desk.session

    def show_desk(self, desk: Desk) -> None:
        """The workspace is open: load the queue, the header and the search index."""
        self.desk = desk
        session = desk.session
        self._show_agent(session.agent)
        from agentdesk.desk.emergency import tier_limit_check

        self.table.tier_limit_passed = tier_limit_check()  # the ⇧ after a row's priority
        if session.agent is None and self.settings.agent_handle:
            self.notify(
                f"No agent {self.settings.agent_handle!r} in this helpdesk, so Mine is empty: "
                "check [agent] handle in the profile's config file.",
                title="Agent",
                severity="warning",
                markup=False,
            )
        agent_id = None if session.agent is None else session.agent.id
        tier = None if session.agent is None else session.agent.tier
        peeked = self.table.has_rows
        self.queue_filter = replace(self.queue_filter, agent_id=agent_id, tier=tier)
        if not peeked:
            self.table.show_waiting("Loading tickets…")
        from agentdesk.widgets.sync_driver import SyncDriver  # not before the store is open

        self.mount(SyncDriver(desk))
        self.show_presence()
        # Keep the agent's place if they started scrolling the peeked rows.
        self.reload(keep_cursor=peeked)

    # Loading

    def reload(self, *, keep_cursor: bool = False, counts: bool = True) -> None:
        """Show the current view, filter and search afresh (and the header's counts)."""
        if self.desk is None:
            return
        self._generation += 1
        self.summary.queue_filter = self.queue_filter
        self.summary.search = self.search_query
        self.refresh_bindings()
        view = self.queue_filter.view.label
        self.table.empty_text = (
            f"No ticket in {view} with this filter matches the search."
            if self.search_query
            else f"No tickets in {view} with this filter."
        )
        if counts:
            self._load_counts(self.desk)
        if self.search_query:
            self._start_search()
        else:
            self._load_queue(self.desk, self.queue_filter, self._generation, keep_cursor)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def _load_queue(
        self, desk: Desk, queue: QueueFilter, generation: int, keep_cursor: bool
    ) -> None:
        worker = get_current_worker()
        try:
            # A newer filter cancels this worker: then its first page is never read.
            start = desk_queue.open_queue(desk, queue, PAGE_SIZE, lambda: worker.is_cancelled)
        except Exception as error:
            self.post_message(self.LoadFailed("the queue", agent_message(error)))
            return
        if start is None:
            return
        self.post_message(
            self.QueueLoaded(generation, start.total, start.first_page, start.loader, keep_cursor)
        )

    def on_queue_screen_queue_loaded(self, message: QueueLoaded) -> None:
        if message.generation != self._generation:
            return
        self.summary.total = message.total
        self.table.show_queue(
            message.total, message.loader, message.first_page, keep_cursor=message.keep_cursor
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-counts")
    def _load_counts(self, desk: Desk) -> None:
        try:
            counts = desk_queue.queue_counts(desk)
        except Exception as error:
            self.post_message(self.LoadFailed("the ticket counts", agent_message(error)))
            return
        self.post_message(self.CountsLoaded(counts.by_priority, counts.pending_outbox))

    def on_queue_screen_counts_loaded(self, message: CountsLoaded) -> None:
        header = self.query_one("#queue-header", QueueHeader)
        header.counts = message.counts
        header.outbox = message.pending_outbox

    def on_queue_screen_load_failed(self, message: LoadFailed) -> None:
        if message.what == SEARCH_INDEX:
            self._index_state = "none"  # the next search tries again
        self.notify(
            f"Could not load {message.what}: {message.error}",
            title="Queue",
            severity="error",
            markup=False,
        )

    def on_ticket_table_rows_shown(self, message: TicketTable.RowsShown) -> None:
        if not self._marked_first_rows:
            self._marked_first_rows = True
            if marks.mark("first_rows"):
                self.app.exit()
                return
        # Building the index holds the GIL for most of a second at 50,000 tickets: only once
        # the agent sees the queue from the open store (or asks to search).
        if self.desk is not None:
            self._want_search_index()

    def _periodic_refresh(self) -> None:
        if self.desk is not None and not self.search_query:
            self._record_breaches(self.desk)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-breaches")
    def _record_breaches(self, desk: Desk) -> None:
        try:
            if not desk.read_only:  # monitoring mode records nothing; it only re-reads
                desk_queue.record_breaches(desk)
        except Exception as error:
            self.post_message(self.LoadFailed("the SLA breaches", agent_message(error)))
            return
        self.post_message(self.BreachesRecorded())

    def on_queue_screen_breaches_recorded(self, message: BreachesRecorded) -> None:
        # New breaches move tickets up the queue and change the counts.
        if self.app.screen is not self:
            # Under a dialog (seen through it, dimmed): each changed row would repaint the
            # dialog over it, once a minute (issue 17). Read again when back on top.
            self._reread_on_resume = True
        elif not self.search_query:
            self.reload(keep_cursor=True)

    def on_screen_resume(self) -> None:
        if self._reread_on_resume:
            self._reread_on_resume = False
            if not self.search_query:
                self.reload(keep_cursor=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_search":
            return bool(self.search_query) or self.query_one(SearchBar).is_open
        if action == "open_ticket":
            # Only from the table: Enter in the search box is the search box's own.
            return self.focused is not None and self.focused.id == "tickets"
        return True
