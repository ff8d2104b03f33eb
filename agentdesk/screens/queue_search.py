"""The queue's search: the fuzzy index over id, subject and customer (built once the agent sees
the queue), the full-text search of every conversation and note (a query starting with `"`
or `text:`), and the search bar's keys (/ and Esc). A mixin of QueueScreen, kept apart so the
queue's own file stays about the queue."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import get_current_worker

from agentdesk.core.errors import agent_message
from agentdesk.core.text_search import text_query
from agentdesk.desk import queue as desk_queue
from agentdesk.desk.base import Desk
from agentdesk.desk.text_search import search_text
from agentdesk.store.rows import QueueFilter, QueueRow
from agentdesk.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from agentdesk.core.search import SearchIndex
    from agentdesk.screens.queue import QueueScreen
    from agentdesk.widgets.queue_summary import QueueSummary
    from agentdesk.widgets.ticket_table import TicketTable

SEARCH_RESULTS = 500
# Full-text: the newest tickets that match (a common word matches most of them).
TEXT_RESULTS = 200
SEARCH_INDEX = "the search index"


class QueueSearch(Screen[None]):
    desk: Desk | None
    queue_filter: QueueFilter
    search_query: str
    search_index: SearchIndex | None
    last_search_seconds: float | None
    _generation: int
    _index_state: str
    LoadFailed: ClassVar[type[QueueScreen.LoadFailed]]

    @dataclass
    class SearchIndexReady(Message):
        index: SearchIndex

    @dataclass
    class SearchResults(Message):
        generation: int
        query: str
        rows: list[QueueRow]
        seconds: float

    # QueueScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        @property
        def table(self) -> TicketTable: ...

        @property
        def summary(self) -> QueueSummary: ...

        def reload(self, *, keep_cursor: bool = False, counts: bool = True) -> None: ...

    def _want_search_index(self) -> None:
        if self.desk is not None and self._index_state == "none":
            self._index_state = "building"
            self._build_search_index(self.desk)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-index")
    def _build_search_index(self, desk: Desk) -> None:
        try:
            index = desk_queue.build_search_index(desk)
        except Exception as error:
            self.post_message(self.LoadFailed(SEARCH_INDEX, agent_message(error)))
            return
        self.post_message(self.SearchIndexReady(index))

    def on_queue_search_search_index_ready(self, message: SearchIndexReady) -> None:
        self._index_state = "ready"
        self.search_index = message.index
        if self.search_query:
            self._start_search()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search_query = event.value.strip()
        self.reload(counts=False)

    def _start_search(self) -> None:
        self.summary.total = None
        words = text_query(self.search_query)
        if words is not None and self.desk is not None:
            self._run_text_search(self.desk, words, self.queue_filter, self._generation)
            return
        if self.search_index is None or self.desk is None:
            self._want_search_index()
            self.table.show_waiting("Building the search index…")
            return
        self._run_search(
            self.search_index, self.desk, self.search_query, self.queue_filter, self._generation
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _run_search(
        self, index: SearchIndex, desk: Desk, query: str, queue: QueueFilter, generation: int
    ) -> None:
        started = time.perf_counter()
        try:
            ids = index.search(query, SEARCH_RESULTS)
            if get_current_worker().is_cancelled:
                return
            rows = desk_queue.search_rows(desk, queue, ids)
        except Exception as error:
            self.post_message(self.LoadFailed("the search results", agent_message(error)))
            return
        seconds = time.perf_counter() - started
        self.post_message(self.SearchResults(generation, query, rows, seconds))

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _run_text_search(self, desk: Desk, words: str, queue: QueueFilter, generation: int) -> None:
        started = time.perf_counter()
        try:
            rows = search_text(desk, queue, words, TEXT_RESULTS)
        except Exception as error:
            self.post_message(self.LoadFailed("the search results", agent_message(error)))
            return
        seconds = time.perf_counter() - started
        self.post_message(self.SearchResults(generation, words, rows, seconds))

    def on_queue_search_search_results(self, message: SearchResults) -> None:
        if message.generation != self._generation:
            return
        self.last_search_seconds = message.seconds
        self.summary.total = len(message.rows)
        self.table.show_rows(message.rows)

    def on_search_bar_left(self, message: SearchBar.Left) -> None:
        self.table.focus()

    def on_search_bar_closed(self, message: SearchBar.Closed) -> None:
        self.table.focus()
        if self.search_query:
            self.search_query = ""
            self.reload()

    def action_search(self) -> None:
        search = self.query_one(SearchBar)
        if search.has_focus:
            raise SkipAction()  # a "/" typed into the search itself
        search.open()
        self.refresh_bindings()

    def action_clear_search(self) -> None:
        self.query_one(SearchBar).action_close()
