"""The pull's pages are asked for by key, not by number (sync/rt/pull.py): a ticket that leaves
or enters the search while the pull is between pages shifts no later ticket out of it.

Each colleague change below is placed at the start of page 2's fetch (the fetcher thread's
("fetch", 2) event, before its request is sent): page 1 is in hand, nothing after it asked for.
Moving page 1's first ticket out of the queue there made RT's page 2 (by number) start one
ticket later, and that ticket was not pulled in the run; its cursor then moved past it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from agentdesk.store.stamps import to_db
from agentdesk.store.sync_port import SyncPort
from agentdesk.sync.rt.links import read_links
from agentdesk.sync.rt.pull import BACKEND, Puller
from tests.sync.between_pages import LINK_SEARCH, change_at, counted_searches
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt

# RT priority -> the SOP bucket it is pulled as (sync/rt/mapping.py).
PRIORITIES = {0: "P4", 25: "P3", 50: "P2", 75: "P1"}


def _now() -> datetime:
    return datetime.now(UTC)


def _rows(store) -> dict[str, tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with store.read() as connection:
        found = connection.execute(text("SELECT remote_id, subject, priority, status FROM tickets"))
        return {row.remote_id: (row.subject, row.priority, row.status) for row in found}


def _at_fetch(page: int, change: Callable[[], None]) -> Callable[[str, int], None]:
    """An events hook that makes the change once, as page `page`'s fetch starts."""
    done: list[int] = []

    def events(what: str, number: int) -> None:
        if what == "fetch" and number == page and not done:
            done.append(number)
            change()

    return events


def _rt(n: int) -> int:
    return (75, 50, 25, 0)[n % 4]


@dataclass
class Paged:
    remotes: list[str]  # seven tickets (four pages of two), RT priority 75, 50, 25, 0, 75, ...
    backend: Any  # pulls two a page
    move_first: Callable[[], None]  # a colleague moves the first ticket to the other queue


@pytest.fixture
def seven(
    rt_server: RtServer,
    rt_root: RtApi,
    colleague: RtApi,
    rt_queue: str,
    other_queue: str,
    fast_sleep: list[float],
) -> Callable[[str], Paged]:
    """Seven tickets in the test's queue (subjects "<word> <n>"), made when the test asks:
    after any ticket it makes first, which is then older than all seven."""

    def make(word: str) -> Paged:
        remotes = [
            rt_root.create(
                rt_queue, f"{word} {n}", Requestor=f"{word.lower()}{n}@example.com", Priority=_rt(n)
            )
            for n in range(7)
        ]

        def move_first() -> None:
            colleague("PUT", f"/ticket/{remotes[0]}", json={"Queue": other_queue})

        return Paged(
            remotes, make_backend(rt_server, rt_queue, fast_sleep, page_size=2), move_first
        )

    return make


def test_a_ticket_leaving_the_first_sync_between_pages_skips_no_other(
    store, seven: Callable[[str], Paged]
) -> None:
    paged = seven("Parcel")
    backend = paged.backend
    report = Puller(
        store, backend.client, backend.settings, _now, events=_at_fetch(2, paged.move_first)
    ).run()
    rows = _rows(store)
    for n, remote in enumerate(paged.remotes):
        assert rows.get(remote) == (f"Parcel {n}", PRIORITIES[_rt(n)], "new"), (n, remote)
    assert report.pulled == 7


def test_a_ticket_leaving_a_delta_pull_between_pages_leaves_no_change_unpulled(
    store, colleague: RtApi, seven: Callable[[str], Paged]
) -> None:
    paged = seven("Crate")
    backend = paged.backend
    assert backend.sync(store, _now()).state == "online"
    wanted = {}
    for n, remote in enumerate(paged.remotes):  # a colleague works through the queue
        value = (0, 25, 50)[n % 3]
        colleague("PUT", f"/ticket/{remote}", json={"Priority": value, "Status": "open"})
        wanted[remote] = (f"Crate {n}", PRIORITIES[value], "in_progress")
    Puller(
        store, backend.client, backend.settings, _now, events=_at_fetch(2, paged.move_first)
    ).run()
    rows = _rows(store)
    for remote in paged.remotes:
        assert rows[remote] == wanted[remote], remote


def test_a_ticket_entering_between_pages_is_pulled_by_the_next_run(
    store,
    rt_root: RtApi,
    colleague: RtApi,
    rt_queue: str,
    other_queue: str,
    seven: Callable[[str], Paged],
) -> None:
    """A ticket that enters behind the run's key (an old ticket moved into the queue) is
    changed after the run started: the run's cursor stays before it, the next run has it."""
    incoming = rt_root.create(other_queue, "Moved in", Requestor="moved@example.com")
    paged = seven("Box")  # after the incoming ticket: all seven are past it by id
    backend = paged.backend

    def move_in() -> None:
        colleague("PUT", f"/ticket/{incoming}", json={"Queue": rt_queue})

    Puller(store, backend.client, backend.settings, _now, events=_at_fetch(2, move_in)).run()
    rows = _rows(store)
    assert all(remote in rows for remote in paged.remotes)
    assert backend.sync(store, _now()).state == "online"
    assert _rows(store)[incoming] == ("Moved in", "P4", "new")
    assert len(_rows(store)) == 8


def test_a_run_interrupted_by_an_older_version_is_read_again_from_its_start(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue: str, fast_sleep: list[float]
) -> None:
    """A cursor saved by page number (before keys) says nothing about keys: the run's pages
    are read again in the same bounds (re-reads write nothing twice)."""
    remotes = [
        rt_root.create(rt_queue, f"Old {n}", Requestor=f"old{n}@example.com") for n in range(5)
    ]
    backend = make_backend(rt_server, rt_queue, fast_sleep, page_size=2)
    with SyncPort(store).write() as rows:
        rows.set_cursor(
            BACKEND,
            backend.settings.scope,
            {"since": None, "run_start": to_db(_now()), "lower": None, "page": 2},
        )
    assert backend.sync(store, _now()).state == "online"
    rows = _rows(store)
    assert [rows.get(remote) for remote in remotes] == [(f"Old {n}", "P4", "new") for n in range(5)]


def test_a_ticket_losing_its_link_between_link_pages_hides_no_other_ones_links(
    rt_server: RtServer, rt_root: RtApi, colleague: RtApi, rt_queue: str, fast_sleep: list[float]
) -> None:
    """A page's links are one search that may run to several pages (sync/rt/links.py): a
    ticket missing from its answer is taken to have no links, and its local ones go."""
    tickets = [rt_root.create(rt_queue, f"Linked {n}") for n in range(6)]
    for a, b in ((0, 1), (2, 3), (4, 5)):
        rt_root("PUT", f"/ticket/{tickets[a]}", json={"AddRefersTo": tickets[b]})

    def unlink_first() -> None:  # page 1 answered: a colleague unlinks its two tickets
        colleague("PUT", f"/ticket/{tickets[0]}", json={"DeleteRefersTo": tickets[1]})

    with counted_searches(rt_server, LINK_SEARCH, change_at(2, unlink_first)) as (url, searches):
        client = make_backend(rt_server, rt_queue, fast_sleep, url=url).client
        found = read_links(client, tickets, per_page=2)
    assert len(searches) >= 2  # the change came between two pages
    for a, b in ((2, 3), (4, 5)):
        assert found[tickets[a]] == {("refers_to", tickets[b], True)}, a
        assert found[tickets[b]] == {("refers_to", tickets[a], False)}, b
