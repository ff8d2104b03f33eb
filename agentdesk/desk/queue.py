"""The queue: its pages in SLA-risk order, the header's counts, the fuzzy search, the SLA
breaches recorded as time passes, and a peek at the first page before the store is open.

Nothing heavy at import time: the queue screen imports this before its first frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, overload

from agentdesk.core.ticket import Priority
from agentdesk.desk.base import Desk
from agentdesk.desk.foreground import FOREGROUND, paced
from agentdesk.store.rows import QueueFilter, QueueRow

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.core.search import SearchIndex
    from agentdesk.store.peek import Peek as Peek

PageLoader = Callable[[int, int], list[QueueRow]]
"""(offset, limit) -> rows: how the ticket table asks for a later page."""


@dataclass(frozen=True)
class QueueStart:
    """What the table needs to show a queue: its size, the first page, and the way to the rest."""

    total: int
    first_page: list[QueueRow]
    loader: PageLoader


@dataclass(frozen=True)
class QueueCounts:
    """The header's numbers: open tickets per priority, and ops waiting to be sent."""

    by_priority: dict[Priority, int]
    pending_outbox: int


def count_queue(desk: Desk, queue: QueueFilter) -> int:
    from agentdesk.store.queries import count_queue as count

    with FOREGROUND.reading(), desk.reading(), desk.store.read() as connection:
        return count(connection, queue)


def page_queue(
    desk: Desk, queue: QueueFilter, order_now: datetime, offset: int, limit: int
) -> list[QueueRow]:
    """One page in SLA-risk order; order_now is one moment for every page of a showing."""
    from agentdesk.store.queries import page_queue as page

    with FOREGROUND.reading(), desk.reading(), desk.store.read() as connection:
        return page(connection, queue, order_now, offset, limit)


@overload
def open_queue(desk: Desk, queue: QueueFilter, limit: int) -> QueueStart: ...


@overload
def open_queue(
    desk: Desk, queue: QueueFilter, limit: int, superseded: Callable[[], bool]
) -> QueueStart | None: ...


def open_queue(
    desk: Desk, queue: QueueFilter, limit: int, superseded: Callable[[], bool] | None = None
) -> QueueStart | None:
    """The queue's size and first page in one read, and a loader for the later pages.
    None when `superseded` says, once the size is known, that nobody waits for the page
    any more (the agent chose another filter meanwhile).

    One moment orders every page, so rows do not jump between pages as time passes.
    """
    from agentdesk.store.queries import QueuePager
    from agentdesk.store.queries import count_queue as count

    with FOREGROUND.reading(), desk.reading(), desk.store.read() as connection:
        total = count(connection, queue)
        if superseded is not None and superseded():
            return None
        pager = QueuePager(queue, total)
        first = pager.page(connection, 0, limit)

    def loader(offset: int, size: int) -> list[QueueRow]:
        # By the order key, from the edges of the pages already read (keyset paging).
        with FOREGROUND.reading(), desk.reading(), desk.store.read() as connection:
            return pager.page(connection, offset, size)

    return QueueStart(total, first, loader)


def queue_counts(desk: Desk) -> QueueCounts:
    from agentdesk.store.queries import pending_outbox, priority_counts

    with desk.reading(), desk.store.read() as connection:
        return QueueCounts(priority_counts(connection), pending_outbox(connection))


def record_breaches(desk: Desk) -> int:
    """Record every running SLA clock whose due time has passed; returns how many were new."""
    from agentdesk.store.writes import record_breaches as record

    with desk.writing("record the SLA breaches"):
        return record(desk.store, desk.now())


def build_search_index(desk: Desk) -> SearchIndex:
    """Every ticket as "#id subject customer", indexed for the fuzzy search (slow: a worker)."""
    from agentdesk.core.search import SearchIndex
    from agentdesk.store.search_corpus import corpus_newest_first

    # Built as the rows stream in: the corpus is never held twice (issue 17: memory). It
    # waits between chunks while the agent waits for a queue read (desk/foreground.py).
    with desk.reading(), desk.store.read() as connection:
        index = SearchIndex.newest_first(paced(corpus_newest_first(connection), FOREGROUND))
    _give_back_freed_heap()
    return index


def _give_back_freed_heap() -> None:
    """The build's scraps are freed but glibc keeps their pages; hand them to the OS."""
    import ctypes
    import sys
    from contextlib import suppress

    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):  # not glibc (musl): nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def search_rows(desk: Desk, queue: QueueFilter, ids: Sequence[int]) -> list[QueueRow]:
    """The tickets of a search ranking that pass the filter, in the ranking's order."""
    from agentdesk.store.queries import rows_by_id

    with FOREGROUND.reading(), desk.reading(), desk.store.read() as connection:
        return rows_by_id(connection, queue, ids)


# Before the store is open there is no Desk yet: these read the file with the standard
# library only, read-only, and never migrate.


def peek_queue(settings: Settings, queue: QueueFilter, now: datetime, limit: int) -> Peek | None:
    """The queue's size, first page and header counts, or None (anything unusual: the full
    open that runs beside it decides what to tell the agent)."""
    from agentdesk.security.db_key import database_key
    from agentdesk.store.peek import peek_queue as peek

    try:
        key = database_key(settings)  # the full open asks again: the answer is kept
        return peek(settings.db_path, queue, settings.agent_handle, now, limit, key)
    except Exception:
        return None  # only a head start


def peek_loader(settings: Settings, queue: QueueFilter, order_now: datetime) -> PageLoader:
    """Later pages of a peeked queue, while the store is still opening (an early scroll)."""

    def loader(offset: int, limit: int) -> list[QueueRow]:
        from agentdesk.security.db_key import database_key
        from agentdesk.store.peek import peek_page

        key = database_key(settings)
        return peek_page(settings.db_path, queue, order_now, offset, limit, key)

    return loader
