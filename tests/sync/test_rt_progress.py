"""A first sync from a real RT says how far it has come after each page (done of total,
bytes, time left); a delta sync says nothing. `agentdesk sync` draws it as one line on a
terminal and as plain lines into a pipe."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from agentdesk.core.sync_progress import CONVERSATIONS, TICKETS, SyncProgress
from agentdesk.progress_line import ProgressLine
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt


def test_a_first_sync_reports_each_page_and_a_delta_none(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue: str, fast_sleep: list[float]
) -> None:
    for n in range(5):
        rt_root.create(rt_queue, f"Parcel {n}", Requestor=f"p{n}@example.com")
    backend = make_backend(rt_server, rt_queue, fast_sleep, page_size=2)
    seen: list[SyncProgress] = []
    backend.progress = seen.append
    summary = backend.sync(store, datetime.now(UTC))
    assert summary.pulled == 5
    tickets = [p for p in seen if p.stage == TICKETS]
    assert [(p.done, p.total) for p in tickets] == [(2, 5), (4, 5), (5, 5)]
    assert 0 < tickets[0].bytes_in < tickets[1].bytes_in < tickets[2].bytes_in
    assert tickets[2].bytes_in <= summary.bytes_in
    assert tickets[0].seconds_left() is not None
    # Then the second stage, after the last page of tickets: their conversations.
    talks = seen[len(tickets) :]
    assert [(p.stage, p.done, p.total) for p in talks] == [
        (CONVERSATIONS, 0, 5),
        (CONVERSATIONS, 5, 5),
    ]
    assert talks[-1].text().startswith("conversations 5/5 · ")
    assert summary.conversations_left == 0
    seen.clear()
    rt_root.create(rt_queue, "One more", Requestor="late@example.com")
    assert backend.sync(store, datetime.now(UTC)).pulled >= 1
    assert seen == []  # an incremental pull is not a first sync


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_redraws_in_place_on_a_terminal_only() -> None:
    pages = [SyncProgress(2, 5, 2_000, 1.0), SyncProgress(5, 5, 5_000, 2.0)]
    piped = io.StringIO()
    line = ProgressLine(piped)
    for page in pages:
        line(page)
    assert piped.getvalue().splitlines() == [page.text() for page in pages]
    terminal = _Terminal()
    line = ProgressLine(terminal)
    for page in pages:
        line(page)
    printed: list[str] = []
    line.then(lambda summary: printed.append(terminal.getvalue()))(None)  # type: ignore[arg-type]
    assert printed == [f"\r{pages[0].text()}\x1b[K\r{pages[1].text()}\x1b[K\n"]
