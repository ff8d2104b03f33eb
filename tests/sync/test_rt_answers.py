"""Answers RT itself never sends, which a captive portal, a proxy or a cut link do: every answer
is checked before it is believed (sync/rt/client.py), and a bad one is an offline run with a
clear message, the outbox kept, no traceback. Also records set aside once, not every sync.

respx stands in for RT here only: a real server cannot be made to answer this way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from sqlalchemy import text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind, Status
from agentdesk.store.writes import apply_change
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.settings import RtSettings
from tests.store.factory import add_people, add_ticket
from tests.sync.test_rt_faults import _page, _ticket_json

URL = "http://rt.test"
API = f"{URL}/REST/2.0"
NOT_JSON = f"RT at {URL} answered with something that is not JSON: "
PORTAL = (
    "<!DOCTYPE html>\n<html><head><title>Hotel Wi-Fi\x1b]52;c;ZXZpbA==\x07</title></head>"
    "<body>Please accept the terms of use to continue browsing</body></html>"
)


@pytest.fixture
def backend() -> RtBackend:
    client = RtClient(URL, "secret-token-123", sleep=lambda seconds: None)
    # A short settle bound: a POST whose answer was bad is looked for only briefly here.
    settings = RtSettings(url=URL, queues=("General",), settle_seconds=0.5)
    return RtBackend(settings=settings, client=client)


@pytest.fixture
def remote_tickets(store, now) -> None:
    add_people(store, now)
    for ticket_id in (1, 2):
        add_ticket(store, ticket_id, created_at=now - timedelta(hours=1))
    with store.write() as connection:
        connection.execute(text("UPDATE tickets SET remote_id = CAST(id + 100 AS TEXT)"))


def _html(status: int = 200) -> httpx.Response:
    return httpx.Response(status, text=PORTAL, headers={"Content-Type": "text/html"})


def _pending(store) -> int:
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM outbox WHERE state = 'pending'")
            ).scalar_one()
        )


def _queue_a_note(store, now) -> None:
    apply_change(
        store,
        1,
        TicketChange(
            "note", message=NewMessage(MessageKind.INTERNAL_NOTE, "Called back.", "amara")
        ),
        actor="amara.okafor",
        now=now,
    )


SEARCH_ANSWERS = {
    "malformed JSON": (httpx.Response(200, text='{"items": [{"id": 1'), NOT_JSON),
    "an HTML page with 200": (_html(), NOT_JSON + "'<!DOCTYPE html> <html><head><title>Hotel"),
    "a list, not a search result": (
        httpx.Response(200, json=["Results", "none"]),
        f"RT at {URL} answered with JSON that is not a search result "
        "(an object with an items list) to GET /tickets",
    ),
    "items that is not a list": (
        httpx.Response(200, json={"items": "none", "page": 1}),
        "JSON that is not a search result",
    ),
}


@pytest.mark.parametrize("answer", list(SEARCH_ANSWERS), ids=list(SEARCH_ANSWERS))
@respx.mock(assert_all_called=False)
def test_a_bad_ticket_search_answer_is_an_offline_run(
    respx_mock, store, backend, answer: str
) -> None:
    response, message = SEARCH_ANSWERS[answer]
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    search = respx_mock.get(f"{API}/tickets").mock(return_value=response)
    summary = backend.sync(store, datetime.now(UTC))
    assert search.call_count == 1  # a bad answer is not asked for again and again
    assert summary.state == "offline" and summary.status_line == "offline, 0 queued"
    assert message in summary.message, summary.message
    assert "\x1b" not in summary.message and "\x07" not in summary.message
    assert "secret-token" not in summary.message
    with store.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM sync_cursors")).scalar_one() == 0


@respx.mock(assert_all_called=False)
def test_a_malformed_history_search_is_an_offline_run(respx_mock, store, backend) -> None:
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    respx_mock.get(f"{API}/tickets").mock(return_value=_page([_ticket_json("11")]))
    history = respx_mock.get(f"{API}/transactions").mock(
        return_value=httpx.Response(200, text="<html><body>502 from the proxy</body></html>")
    )
    summary = backend.sync(store, datetime.now(UTC))
    assert history.called
    assert summary.state == "offline"
    assert summary.message.startswith(NOT_JSON + "'<html><body>502 from the proxy"), summary.message
    with store.read() as connection:
        # The queue came first: the ticket is in. Nothing of the history answer was
        # believed: no message, no mark, so its conversation is still owed.
        assert connection.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM messages")).scalar_one() == 0
        assert connection.execute(text("SELECT count(*) FROM sync_history")).scalar_one() == 0


@pytest.mark.parametrize(
    "answer",
    [
        _html(),
        httpx.Response(200, text='{"id": 101, "Subject": '),
        httpx.Response(200, json=[{"id": 101}]),
    ],
    ids=["html", "malformed", "a list, not a record"],
)
@respx.mock(assert_all_called=False)
def test_a_bad_ticket_get_during_push_keeps_the_op_queued(
    respx_mock, store, backend, remote_tickets, now, answer: httpx.Response
) -> None:
    apply_change(
        store,
        1,
        TicketChange("start", status=Status.IN_PROGRESS),
        actor="amara.okafor",
        now=now,
    )
    get = respx_mock.get(f"{API}/ticket/101").mock(return_value=answer)
    put = respx_mock.put(f"{API}/ticket/101").mock(return_value=httpx.Response(200, json=[]))
    summary = backend.sync(store, datetime.now(UTC))
    assert get.called and not put.called  # nothing sent on the strength of a bad answer
    assert (summary.state, summary.queued, summary.parked) == ("offline", 1, 0)
    assert summary.message.startswith(f"RT at {URL} answered with "), summary.message
    assert _pending(store) == 1


@respx.mock(assert_all_called=False)
def test_a_portal_page_in_answer_to_a_post_means_look_before_sending_again(
    respx_mock, store, backend, remote_tickets, now
) -> None:
    _queue_a_note(store, now)
    post = respx_mock.post(f"{API}/ticket/101/comment").mock(return_value=_html(201))
    summary = backend.sync(store, datetime.now(UTC))
    assert (summary.state, summary.queued) == ("offline", 1)
    assert NOT_JSON in summary.message
    # The ticket's history, however push reads it (its attachments, or a transaction search).
    lookups = [
        respx_mock.get(f"{API}/ticket/101/attachments").mock(return_value=_page([])),
        respx_mock.get(f"{API}/transactions").mock(return_value=_page([])),
    ]
    post.mock(
        return_value=httpx.Response(
            201, json=["Comments added"], headers={"Location": "/REST/2.0/transaction/900"}
        )
    )
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    respx_mock.get(f"{API}/tickets").mock(return_value=_page([]))
    backend.client.breaker.record_success()
    again = backend.sync(store, datetime.now(UTC))
    # The first POST may have landed behind the portal: the history was read before resending.
    assert (again.state, again.queued) == ("online", 0), again.message
    assert any(lookup.called for lookup in lookups) and post.call_count == 2


def test_what_an_answer_shows_is_one_clean_line() -> None:
    from agentdesk.sync.rt.client import shown

    assert shown(b"") == "(an empty body)"
    line = shown(("<p>\x1b[2J\u202eevil\r\n\t" + "x" * 200).encode())
    assert "\x1b" not in line and "\u202e" not in line and "\n" not in line
    assert line.startswith("'<p>evil xxx") and line.endswith("...'")
    assert len(line) <= 80 + 5


# -- records set aside -----------------------------------------------------------------------


def _rejects(store) -> list[tuple[str, str]]:
    with store.read() as connection:
        rows = connection.execute(text("SELECT remote_id, reason FROM sync_rejects ORDER BY id"))
        return [(row.remote_id, row.reason) for row in rows]


@respx.mock(assert_all_called=False)
def test_a_bad_record_in_the_overlap_window_is_set_aside_once_until_it_changes(
    respx_mock, store, backend
) -> None:
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    search = respx_mock.get(f"{API}/tickets")
    respx_mock.get(f"{API}/transactions").mock(return_value=_page([]))
    bad = _ticket_json("12", Status="exploded")
    search.mock(return_value=_page([_ticket_json("11"), bad]))
    first = backend.sync(store, datetime.now(UTC))
    assert (first.state, first.pulled, first.rejected) == ("online", 1, 1)
    for _ in range(3):  # the overlap window reads it again, unchanged
        again = backend.sync(store, datetime.now(UTC))
        assert (again.state, again.rejected) == ("online", 0)
    assert len(_rejects(store)) == 1
    # It changed in RT (still bad): set aside again, with its new copy.
    search.mock(return_value=_page([{**bad, "LastUpdated": "2026-11-20T11:00:00Z"}]))
    assert backend.sync(store, datetime.now(UTC)).rejected == 1
    assert [remote for remote, _ in _rejects(store)] == ["12", "12"]


@respx.mock(assert_all_called=False)
def test_a_negative_priority_is_set_aside_with_its_reason_not_taken_as_p4(
    respx_mock, store, backend
) -> None:
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    respx_mock.get(f"{API}/tickets").mock(
        return_value=_page([_ticket_json("11", Priority="-5"), _ticket_json("12", Priority="90")])
    )
    respx_mock.get(f"{API}/transactions").mock(return_value=_page([]))
    summary = backend.sync(store, datetime.now(UTC))
    assert (summary.state, summary.pulled, summary.rejected) == ("online", 1, 1)
    with store.read() as connection:
        rows = connection.execute(text("SELECT remote_id, priority FROM tickets")).all()
    assert [(row.remote_id, row.priority) for row in rows] == [("12", "P0")]  # 90 is P0
    ((remote, reason),) = _rejects(store)
    assert remote == "11" and "Priority is -5, below 0" in reason
