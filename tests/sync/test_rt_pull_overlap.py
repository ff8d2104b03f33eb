"""A pull reads one page's history while RT answers the next page's search (sync/rt/pull.py):
the next fetch starts before the page before it has its history, the next page's history is
read while the page before it is written, and a link that drops on
that fetch leaves the page before it written and the cursor on the page that failed, so a
resume reads the rest: nothing lost, nothing twice. Each is a delta pull (a first sync reads
no history: its conversations come as a second stage, sync/rt/conversations.py)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import text

from agentdesk.sync.errors import SyncError
from agentdesk.sync.retry import CircuitBreaker
from agentdesk.sync.rt.pull import Puller
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer
from tests.sync.tcp_proxy import TcpProxy

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def _synced_once(store, server: RtServer, queue: str, sleeps: list[float], **url: str) -> None:  # type: ignore[no-untyped-def]
    """The first sync, of a still empty queue: the tickets made after it come in a delta
    pull, which reads each one's history beside its page (the same URL: the cursor's)."""
    backend = make_backend(server, queue, sleeps, **url)
    Puller(store, backend.client, backend.settings, _now).run()


def _count(store, sql: str) -> int:  # type: ignore[no-untyped-def]
    with store.read() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def test_the_next_pages_fetch_starts_before_the_page_has_its_history(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue: str, fast_sleep: list[float]
) -> None:
    _synced_once(store, rt_server, rt_queue, fast_sleep)
    for n in range(5):
        rt_root.create(rt_queue, f"Parcel {n}", Requestor=f"o{n}@example.com")
    backend = make_backend(rt_server, rt_queue, fast_sleep, page_size=2)
    fetching = {page: threading.Event() for page in (1, 2, 3)}
    seen: list[tuple[str, int, bool]] = []

    def events(what: str, page: int) -> None:
        if what == "fetch":
            fetching[page].set()
        elif what == "history":
            # Page n's history waits here for page n+1's fetch: a pull that fetched only
            # after the history would never start it (the wait gives up, the test fails).
            following = fetching.get(page + 1)
            seen.append((what, page, following is None or following.wait(60)))

    report = Puller(store, backend.client, backend.settings, _now, events=events).run()
    assert seen == [("history", 1, True), ("history", 2, True), ("history", 3, True)]
    assert report.pages == 3 and report.pulled == 5
    assert report.history.messages == 5  # each ticket's create, read while the next page came


def test_the_next_pages_history_is_read_while_the_page_is_written(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue: str, fast_sleep: list[float]
) -> None:
    _synced_once(store, rt_server, rt_queue, fast_sleep)
    for n in range(5):
        rt_root.create(rt_queue, f"Crate {n}", Requestor=f"k{n}@example.com")
    backend = make_backend(rt_server, rt_queue, fast_sleep, page_size=2)
    reading = {page: threading.Event() for page in (1, 2, 3)}
    written: list[tuple[int, bool]] = []

    def events(what: str, page: int) -> None:
        if what == "history":
            reading[page].set()

    def after_page(page: int) -> None:
        # Page n is written; page n+1's history is already being read: a pull that read it
        # only after this hook returned would never get there (the wait gives up, it fails).
        following = reading.get(page + 1)
        written.append((page, following is None or following.wait(60)))

    report = Puller(
        store, backend.client, backend.settings, _now, events=events, after_page=after_page
    ).run()
    assert written == [(1, True), (2, True), (3, True)]
    assert report.pages == 3 and report.pulled == 5
    assert report.history.messages == 5
    assert _count(store, "SELECT count(*) FROM messages") == 5


def test_a_drop_on_the_next_pages_fetch_resumes_without_loss_or_double(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue: str, fast_sleep: list[float]
) -> None:
    dropping = True

    def decide(line: str) -> str:
        # Page 2 is the first search asked for by key (the tickets after page 1's last).
        keyed = ") AND id > " in unquote_plus(line)
        page_two = "/tickets?" in line and "fields=Subject" in line and keyed
        return "drop" if dropping and page_two else "pass"

    proxy = TcpProxy(rt_server.port, decide)
    try:
        dropping = False
        _synced_once(store, rt_server, rt_queue, fast_sleep, url=proxy.url)
        dropping = True
        for n in range(5):
            rt_root.create(rt_queue, f"Late parcel {n}", Requestor=f"d{n}@example.com")
        # The breaker kept shut: page 2's failures must not stop page 1's history reads, so
        # the test knows where the run stops.
        backend = make_backend(
            rt_server,
            rt_queue,
            fast_sleep,
            page_size=2,
            url=proxy.url,
            breaker=CircuitBreaker(threshold=100),
        )
        with pytest.raises(SyncError):
            Puller(store, backend.client, backend.settings, _now).run()
        # Page 1 and its history are in; the cursor waits on page 2.
        assert _count(store, "SELECT count(*) FROM tickets") == 2
        assert _count(store, "SELECT count(*) FROM messages") == 2
        with store.read() as connection:
            cursor = connection.execute(text("SELECT value FROM sync_cursors")).scalar_one()
        assert '"page": 2' in cursor
        # Page 2 is asked for by key: the tickets after page 1's last.
        assert json.loads(cursor)["after"] == _count(
            store, "SELECT max(CAST(remote_id AS INTEGER)) FROM tickets"
        )
        dropping = False
        resumed = make_backend(rt_server, rt_queue, fast_sleep, page_size=2, url=proxy.url)
        assert resumed.sync(store, _now()).state == "online"
    finally:
        proxy.close()
    assert _count(store, "SELECT count(*) FROM tickets") == 5
    assert _count(store, "SELECT count(DISTINCT remote_id) FROM tickets") == 5
    assert _count(store, "SELECT count(*) FROM messages") == 5
