"""The shift pull (sync/rt/shifts.py) asks for each page of the shift queue by key, as the
ticket pull does, and bounds its window in "seconds ago": a shift ticket leaving the queue
between pages hides no other, and a user whose RT time zone is not UTC misses no text."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from agentdesk.sync.errors import SyncError
from agentdesk.sync.rt.shifts import ShiftPuller
from tests.sync.between_pages import SHIFT_SEARCH, change_at, counted_searches
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def _texts(store) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with store.read() as connection:
        shifts = {
            row[0]: [] for row in connection.execute(text("SELECT remote_id FROM team_shifts"))
        }
        for remote, body in connection.execute(
            text("SELECT remote_id, body FROM team_shift_texts ORDER BY txn")
        ):
            shifts[remote].append(body)
    return shifts


def _puller(store, backend, queue: str, per_page: int = 100) -> ShiftPuller:  # type: ignore[no-untyped-def]
    settings = replace(backend.settings, shift_queue=queue)
    return ShiftPuller(store, backend.client, settings, _now, per_page=per_page)


def test_a_shift_ticket_leaving_the_queue_between_pages_hides_no_other(
    store,
    rt_server: RtServer,
    rt_root: RtApi,
    colleague: RtApi,
    rt_queue: str,
    other_queue: str,
    fast_sleep: list[float],
) -> None:
    shifts = [rt_root.create(rt_queue, f"Shift of li.wei {n}") for n in range(5)]

    def move_first() -> None:  # page 1 answered: a colleague moves its first shift away
        colleague("PUT", f"/ticket/{shifts[0]}", json={"Queue": other_queue})

    with counted_searches(rt_server, SHIFT_SEARCH, change_at(2, move_first)) as (url, searches):
        backend = make_backend(rt_server, rt_queue, fast_sleep, url=url)
        _puller(store, backend, rt_queue, per_page=2).run()
    assert len(searches) >= 2
    found = _texts(store)
    for n, remote in enumerate(shifts):
        assert found.get(remote) == [f"Shift of li.wei {n}."], n


def test_a_shift_text_is_pulled_for_a_user_whose_rt_time_zone_is_not_utc(
    store, rt_server: RtServer, rt_root: RtApi, colleague: RtApi, rt_queue: str
) -> None:
    """RT reads an absolute date in TicketSQL in the user's time zone: a window written as a
    UTC date started five hours late for a user on New York time, and the text was missed."""
    shift = rt_root.create(rt_queue, "Shift of amara.okafor")
    rt_root("PUT", "/user/li.wei", json={"Timezone": "America/New_York"})
    try:
        backend = make_backend(rt_server, rt_queue, [], token=rt_server.tokens["li.wei"])
        _puller(store, backend, rt_queue).run()
        assert _texts(store) == {shift: ["Shift of amara.okafor."]}
        colleague(
            "POST",
            f"/ticket/{shift}/comment",
            json={"Content": "Break from 12:00.", "ContentType": "text/plain"},
        )
        _puller(store, backend, rt_queue).run()
    finally:
        rt_root("PUT", "/user/li.wei", json={"Timezone": ""})
    assert _texts(store) == {shift: ["Shift of amara.okafor.", "Break from 12:00."]}


def test_a_shift_pull_cut_short_after_a_page_of_newer_tickets_misses_none_older(
    store,
    rt_server: RtServer,
    rt_root: RtApi,
    colleague: RtApi,
    rt_queue: str,
    fast_sleep: list[float],
) -> None:
    """The window moves only with a whole run: a run cut short after its first page (the
    newest-updated shift) once started the next run's window at that shift's stamp, past
    the older updates on the page it never reached."""
    shifts = [rt_root.create(rt_queue, f"Shift of li.wei {n}") for n in range(3)]
    backend = make_backend(rt_server, rt_queue, fast_sleep, overlap=1)
    _puller(store, backend, rt_queue).run()  # a whole run: the window starts here

    def comment(remote: str, words: str) -> None:
        colleague(
            "POST",
            f"/ticket/{remote}/comment",
            json={"Content": words, "ContentType": "text/plain"},
        )

    comment(shifts[1], "Break from 12:00.")
    comment(shifts[2], "Break from 13:00.")
    # RT stamps to the second: the first shift's update is clearly the newest, past the
    # window's one-second overlap and its slack of a few seconds from the other two.
    time.sleep(6)
    comment(shifts[0], "Back at 12:30.")

    def cut_after_page_1(nth: int) -> str:
        return "pass" if nth == 1 else "drop"  # the link goes after page 1

    with counted_searches(rt_server, SHIFT_SEARCH, cut_after_page_1) as (url, _searches):
        cut = make_backend(rt_server, rt_queue, fast_sleep, url=url, overlap=1)
        with pytest.raises(SyncError):
            _puller(store, cut, rt_queue, per_page=1).run()
    assert _texts(store)[shifts[0]] == ["Shift of li.wei 0.", "Back at 12:30."]

    _puller(store, backend, rt_queue, per_page=1).run()  # the link is back
    assert _texts(store) == {
        shifts[0]: ["Shift of li.wei 0.", "Back at 12:30."],
        shifts[1]: ["Shift of li.wei 1.", "Break from 12:00."],
        shifts[2]: ["Shift of li.wei 2.", "Break from 13:00."],
    }
