"""HTTP shapes a live RT cannot be made to produce on demand: 429, 401, 422, 502, bad records.

respx stands in for RT here only; everything RT can do itself is tested against the real one.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx
from sqlalchemy import text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind
from agentdesk.store.writes import apply_change
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.bodies import message_body
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.mapping import parse_ticket
from agentdesk.sync.rt.settings import RtSettings
from tests.store.factory import add_people, add_ticket

URL = "http://rt.test"
API = f"{URL}/REST/2.0"


def _ticket_json(remote_id: str, **overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": remote_id,
        "Subject": f"Ticket {remote_id}",
        "Status": "new",
        "Priority": "50",
        "Owner": {"id": "Nobody", "type": "user"},
        "Requestor": [{"id": "maria@example.com", "type": "user"}],
        "Queue": {"id": "1", "type": "queue"},
        "Created": "2026-11-20T10:00:00Z",
        "LastUpdated": "2026-11-20T10:00:00Z",
        "CustomFields": [],
    }
    item.update(overrides)
    return item


def _page(items: list[dict[str, object]]) -> httpx.Response:
    body = {"items": items, "count": len(items), "page": 1, "pages": 1, "total": len(items)}
    return httpx.Response(200, json=body, headers={"Date": format_datetime(datetime.now(UTC))})


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def backend(sleeps: list[float]) -> RtBackend:
    client = RtClient(URL, "secret-token-123", sleep=sleeps.append)
    return RtBackend(settings=RtSettings(url=URL, queues=("General",)), client=client)


@pytest.fixture
def remote_tickets(store, now) -> None:
    add_people(store, now)
    for ticket_id in (1, 2):
        add_ticket(store, ticket_id, created_at=now - timedelta(hours=1))
    with store.write() as connection:
        connection.execute(text("UPDATE tickets SET remote_id = CAST(id + 100 AS TEXT)"))


def _note(store, ticket_id: int, body: str, now: datetime) -> None:
    apply_change(
        store,
        ticket_id,
        TicketChange("note", message=NewMessage(MessageKind.INTERNAL_NOTE, body, "amara")),
        actor="amara.okafor",
        now=now,
    )


def _empty_pull(mock: respx.MockRouter) -> respx.Route:
    mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    return mock.get(f"{API}/tickets").mock(return_value=_page([]))


@respx.mock(assert_all_called=False)
def test_429_with_retry_after_seconds_is_honoured(respx_mock, store, backend, sleeps) -> None:
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    respx_mock.get(f"{API}/tickets").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), _page([])]
    )
    summary = backend.sync(store, datetime.now(UTC))
    assert summary.state == "online", summary.message
    assert sleeps == [7.0]


@respx.mock(assert_all_called=False)
def test_503_with_retry_after_as_an_http_date_is_honoured(
    respx_mock, store, backend, sleeps
) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    respx_mock.get(f"{API}/tickets").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": later}), _page([])]
    )
    assert backend.sync(store, datetime.now(UTC)).state == "online"
    (slept,) = sleeps
    assert 25 <= slept <= 30


@respx.mock(assert_all_called=False)
def test_401_pauses_sync_and_says_what_to_do(
    respx_mock, store, backend, remote_tickets, now
) -> None:
    _note(store, 1, "Called the customer back.", now)
    post = respx_mock.post(f"{API}/ticket/101/comment").mock(
        return_value=httpx.Response(401, json={"message": "Unauthorized"})
    )
    summary = backend.sync(store, now)
    assert summary.state == "paused" and summary.queued == 1
    assert "agentdesk connect rt" in summary.message and "secret-token" not in summary.message
    # The TUI worker does not resume on its own: no more requests until the agent acts.
    again = backend.sync(store, now, resume=False)
    assert again.state == "paused" and post.call_count == 1


@respx.mock(assert_all_called=False)
def test_a_401_pause_holds_until_resume_and_then_sends_the_queue(
    respx_mock, store, backend, remote_tickets, now
) -> None:
    """Backend.resume() is what the TUI calls once the agent has fixed the token."""
    _note(store, 1, "Called the customer back.", now)
    post = respx_mock.post(f"{API}/ticket/101/comment").mock(
        side_effect=[
            httpx.Response(401, json={"message": "Unauthorized"}),
            httpx.Response(
                201, json=["Comments added"], headers={"Location": "/REST/2.0/transaction/900"}
            ),
        ]
    )
    # The 401 answered a started POST: after resume() the ticket's history is read first.
    respx_mock.get(f"{API}/ticket/101/attachments").mock(return_value=_page([]))
    _empty_pull(respx_mock)
    assert backend.sync(store, now).state == "paused"
    assert backend.sync(store, now).state == "paused" and post.call_count == 1
    backend.resume()
    summary = backend.sync(store, now)
    assert summary.state == "online" and summary.pushed == 1 and summary.queued == 0
    assert post.call_count == 2
    # The pause is gone for good: the next run needs no resume().
    assert backend.sync(store, now).state == "online"


@respx.mock(assert_all_called=False)
def test_422_parks_one_op_and_blocks_only_its_ticket(
    respx_mock, store, backend, remote_tickets, now
) -> None:
    _note(store, 1, "First note on ticket 1.", now)
    _note(store, 1, "Second note on ticket 1.", now)
    _note(store, 2, "A note on ticket 2.", now)
    refused = respx_mock.post(f"{API}/ticket/101/comment").mock(
        return_value=httpx.Response(422, json={"message": "Content is too long"})
    )
    accepted = respx_mock.post(f"{API}/ticket/102/comment").mock(
        return_value=httpx.Response(
            201, json=["Comments added"], headers={"Location": "/REST/2.0/transaction/900"}
        )
    )
    _empty_pull(respx_mock)
    summary = backend.sync(store, now)
    assert (summary.pushed, summary.parked, summary.queued) == (1, 1, 1)
    assert refused.call_count == 1 and accepted.call_count == 1
    assert "Content is too long" in summary.parked_reasons[0]
    with store.read() as connection:
        states = connection.execute(
            text("SELECT ticket_id, state, last_error FROM outbox ORDER BY id")
        ).all()
    assert [(row.ticket_id, row.state) for row in states] == [
        (1, "parked"),
        (1, "pending"),
        (2, "done"),
    ]
    assert "Content is too long" in states[0].last_error
    # Still parked on the next run: the blocked op is not sent past it.
    backend.sync(store, now)
    assert refused.call_count == 1


@respx.mock(assert_all_called=False)
def test_502_after_sending_looks_in_the_history_before_sending_again(
    respx_mock, store, backend, remote_tickets, now
) -> None:
    _note(store, 1, "Refund approved by billing.", now)
    post = respx_mock.post(f"{API}/ticket/101/comment").mock(
        return_value=httpx.Response(502, text="Bad Gateway")
    )
    stamp = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    history = respx_mock.get(f"{API}/ticket/101/attachments").mock(
        return_value=_page(
            [
                {
                    "TransactionId": "77",
                    "Content": "Refund approved by billing.\n",
                    "Created": stamp,
                },
                {"TransactionId": "70", "Content": "older text", "Created": stamp},
                {"TransactionId": "76", "Content": "Refund approved by billing.", "Created": stamp},
            ]
        )
    )
    # RT's record of a notification mail (76) carries the same text: not the op's own.
    respx_mock.get(f"{API}/transaction/77").mock(
        return_value=httpx.Response(200, json={"Type": "Comment"})
    )
    respx_mock.get(f"{API}/transaction/76").mock(
        return_value=httpx.Response(200, json={"Type": "EmailRecord"})
    )
    _empty_pull(respx_mock)
    summary = backend.sync(store, now)
    assert (summary.state, summary.pushed, summary.queued) == ("online", 1, 0)
    assert post.call_count == 1 and history.call_count == 1
    with store.read() as connection:
        claims = connection.execute(text("SELECT remote_ref FROM sync_claims")).all()
    assert [row[0] for row in claims] == ["txn:77"]


@respx.mock(assert_all_called=False)
def test_repeated_connection_failures_open_the_breaker(
    respx_mock, store, backend, remote_tickets, now, sleeps
) -> None:
    _note(store, 1, "Tried to call.", now)
    _note(store, 2, "Left a voicemail.", now)
    down = respx_mock.route(host="rt.test").mock(side_effect=httpx.ConnectError("refused"))
    summary = backend.sync(store, now)
    assert summary.state == "offline" and summary.status_line == "offline, 2 queued"
    calls = down.call_count
    assert calls == backend.client.breaker.threshold
    # While the breaker is open nothing is sent: the link is not hammered.
    again = backend.sync(store, now)
    assert again.state == "offline" and down.call_count == calls
    # Backoff sleeps grow but are jittered below the exponential ceiling.
    assert all(0 <= s <= 0.5 * 2**n for n, s in enumerate(sleeps))


@respx.mock(assert_all_called=False)
def test_a_malformed_record_is_set_aside_and_the_rest_of_the_page_applies(
    respx_mock, store, backend
) -> None:
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    respx_mock.get(f"{API}/tickets").mock(
        return_value=_page(
            [
                _ticket_json("11"),
                _ticket_json("12", Status="exploded"),
                _ticket_json("13", LastUpdated="yesterday"),
                "not a ticket",  # type: ignore[list-item]
                _ticket_json("14", Subject="\x1b]52;c;ZXZpbA==\x07[bold]hi[/bold]"),
            ]
        )
    )
    respx_mock.get(f"{API}/transactions").mock(return_value=_page([]))  # no conversation
    summary = backend.sync(store, datetime.now(UTC))
    assert (summary.state, summary.pulled, summary.rejected) == ("online", 2, 3)
    with store.read() as connection:
        subjects = connection.execute(
            text("SELECT remote_id, subject FROM tickets ORDER BY remote_id")
        ).all()
        rejects = connection.execute(
            text("SELECT remote_id, reason, record FROM sync_rejects ORDER BY id")
        ).all()
    assert [row.remote_id for row in subjects] == ["11", "14"]
    # The reader's sanitiser drops the OSC 52 clipboard write; markup stays plain text.
    assert subjects[1].subject == "[bold]hi[/bold]"
    assert "Status is 'exploded'" in rejects[0].reason and rejects[0].remote_id == "12"
    assert "LastUpdated is 'yesterday'" in rejects[1].reason
    assert "not an object" in rejects[2].reason
    assert json.loads(rejects[0].record)["Status"] == "exploded"


# The RT adapter's writer and reader pass the sanitiser (issue 12, item 1).

ESCAPED = "Hello\x1b]0;HACKED\x07, all fixed.\x1b[2J\r\nBye"
SANITISED = "Hello, all fixed.\nBye"


def _accepted() -> httpx.Response:
    return httpx.Response(
        201, json=["Comments added"], headers={"Location": "/REST/2.0/transaction/900"}
    )


@respx.mock(assert_all_called=False)
def test_a_note_with_escapes_is_stored_queued_and_sent_clean(
    respx_mock, store, backend, remote_tickets, now
) -> None:
    _note(store, 1, ESCAPED, now)
    with store.read() as connection:
        body = connection.execute(text("SELECT body FROM messages ORDER BY id DESC")).scalar()
        payload = connection.execute(text("SELECT payload FROM outbox")).scalar_one()
    assert body == SANITISED
    assert json.loads(payload)["message"]["body"] == SANITISED
    post = respx_mock.post(f"{API}/ticket/101/comment").mock(return_value=_accepted())
    _empty_pull(respx_mock)
    assert backend.sync(store, now).pushed == 1
    assert json.loads(post.calls.last.request.content)["Content"] == SANITISED


@respx.mock(assert_all_called=False)
def test_an_op_queued_with_raw_escapes_is_sent_clean(
    respx_mock, store, backend, remote_tickets, now
) -> None:
    """The writer's own sanitiser: an outbox row written before it existed (here straight
    into SQLite, past the store) still leaves clean."""
    _note(store, 1, "placeholder", now)
    raw = sqlite3.connect(store.path)
    payload = {"message": {"kind": "reply", "body": ESCAPED}}
    raw.execute("UPDATE outbox SET op = 'reply', payload = ?", (json.dumps(payload),))
    raw.commit()
    raw.close()
    post = respx_mock.post(f"{API}/ticket/101/correspond").mock(return_value=_accepted())
    _empty_pull(respx_mock)
    backend.sync(store, now)
    assert post.call_count == 1
    assert json.loads(post.calls.last.request.content)["Content"] == SANITISED


def test_the_reader_cleans_bodies_subjects_and_fields() -> None:
    parts = [{"id": 1, "ContentType": "text/plain", "Content": ESCAPED}]
    assert message_body(parts) == SANITISED
    html = [{"id": 2, "ContentType": "text/html", "Content": "<p>Hi\x1b[31m there</p>"}]
    assert message_body(html) == "Hi there"
    ticket = parse_ticket(
        _ticket_json(
            "7",
            Subject="Refund\x1b]0;HACKED\x07 please\u202e",
            CustomFields=[{"name": "Order", "values": ["A-1\x1b[2J"]}],
        )
    )
    assert ticket.subject == "Refund please"
    assert ticket.custom_fields == {"Order": "A-1"}
