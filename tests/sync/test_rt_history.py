"""The conversation pulled from a real Request Tracker 5: customers' mails (through RT's own
mail gateway), colleagues' replies and comments, each once; agentdesk's own posts never twice."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

import httpx
import pytest
import respx
from sqlalchemy import text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind
from agentdesk.store.writes import apply_change
from agentdesk.sync.rt.backend import RtBackend
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history import HistoryReader, Wanted
from agentdesk.sync.rt.pull import Puller
from agentdesk.sync.rt.settings import RtSettings
from tests.store.factory import verified
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt

_GRANT = r"""
RT::LoadConfig(); RT::Init();
my $g = RT::Group->new(RT->SystemUser); $g->LoadSystemInternalGroup('Everyone');
for my $right (qw(CreateTicket ReplyToTicket)) {
    my ($ok, $msg) = $g->PrincipalObj->GrantRight(Right => $right, Object => $RT::System);
    die "grant $right: $msg\n" unless $ok || $msg =~ /already/i;
}
"""


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="session")
def mail_gateway(rt_server: RtServer) -> RtServer:
    """Customers may write to RT by mail (RT's default install lets nobody in)."""
    rt_server.perl(_GRANT)
    return rt_server


def customer_mail(
    server: RtServer,
    queue: str,
    remote_id: str,
    sender: str,
    body: str,
    content_type: str = "text/plain; charset=utf-8",
    encoding: str = "8bit",
) -> None:
    """The customer answers by email: RT's mail gateway turns it into a Correspond."""
    mail = (
        f"From: {sender}\nTo: rt@agentdesk.test\n"
        f"Subject: [agentdesk-test #{remote_id}] Re: your ticket\nMIME-Version: 1.0\n"
        f"Content-Type: {content_type}\nContent-Transfer-Encoding: {encoding}\n\n{body}\n"
    )
    result = subprocess.run(
        ["rt-mailgate", "--url", server.url, "--queue", queue, "--action", "correspond"],
        input=mail,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def messages(store, remote_id: str) -> list[tuple[str, str, str | None, str]]:
    """(kind, author, agent handle, body) oldest first."""
    with store.read() as connection:
        rows = connection.execute(
            text(
                "SELECT m.kind, m.author, a.handle, m.body FROM messages m "
                "JOIN tickets t ON t.id = m.ticket_id LEFT JOIN agents a ON a.id = m.agent_id "
                "WHERE t.remote_id = :r ORDER BY m.created_at, m.id"
            ),
            {"r": remote_id},
        )
        return [(r.kind, r.author, r.handle, r.body) for r in rows]


def count(store, table: str) -> int:
    with store.read() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_customer_mail_a_colleague_reply_and_comment_arrive_once(
    store, mail_gateway, rt_root, colleague: RtApi, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(
        rt_queue, "Parcel lost", Requestor="maria@example.com", Content="Where is my parcel?"
    )
    backend = make_backend(mail_gateway, rt_queue, fast_sleep)
    first = backend.sync(store, _now())
    assert (first.state, first.messages) == ("online", 1)
    customer_mail(mail_gateway, rt_queue, remote, "maria@example.com", "It is now 10 days late.")
    colleague(
        "POST",
        f"/ticket/{remote}/correspond",
        json={"Content": "I asked the courier.", "ContentType": "text/plain"},
    )
    colleague(
        "POST",
        f"/ticket/{remote}/comment",
        json={"Content": "Courier claim #C-88.", "ContentType": "text/plain"},
    )
    summary = backend.sync(store, _now())
    assert (summary.state, summary.messages) == ("online", 3), summary.message
    assert messages(store, remote) == [
        # RT's root opened it for the customer: the opening request is the customer's.
        ("customer", "maria@example.com", None, "Where is my parcel?"),
        ("customer", "maria@example.com", None, "It is now 10 days late."),
        ("reply", "li.wei", "li.wei", "I asked the courier."),
        ("internal_note", "li.wei", "li.wei", "Courier claim #C-88."),
    ]
    # The colleague's reply counts for the SLA as one sent here would: first response met.
    with store.read() as connection:
        ticket = connection.execute(
            text(
                "SELECT t.first_response_at, t.last_update_at, t.sla_clock, m.created_at "
                "FROM tickets t JOIN messages m ON m.ticket_id = t.id AND m.kind = 'reply' "
                "WHERE t.remote_id = :r"
            ),
            {"r": remote},
        ).one()
        audit = connection.execute(
            text("SELECT actor FROM audit WHERE field = 'first_response_at'")
        ).scalars()
        assert list(audit) == ["sync"]
    assert ticket.first_response_at == ticket.last_update_at == ticket.created_at
    assert ticket.sla_clock != "first_response"
    # RT recorded the reply twice (Correspond + the outgoing EmailRecord): one message here.
    again = backend.sync(store, _now())
    assert (again.state, again.messages) == ("online", 0)
    assert len(messages(store, remote)) == 4


def test_an_html_only_mail_in_latin_1_becomes_readable_text(
    store, mail_gateway, rt_root, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Coffee order", Requestor="luc@example.com", Content="")
    customer_mail(
        mail_gateway,
        rt_queue,
        remote,
        "luc@example.com",
        "<html><head><style>p {color: red}</style></head><body><p>Still waiting for my "
        "caf=E9 &amp; croissant.</p><p>Luc</p></body></html>",
        content_type="text/html; charset=iso-8859-1",
        encoding="quoted-printable",
    )
    backend = make_backend(mail_gateway, rt_queue, fast_sleep)
    assert backend.sync(store, _now()).state == "online"
    # The ticket was opened without text: no empty message for it.
    assert messages(store, remote) == [
        ("customer", "luc@example.com", None, "Still waiting for my café & croissant.\n\nLuc")
    ]


def test_an_interrupted_pull_repeated_and_a_lost_mark_import_nothing_twice(
    store, rt_server, rt_root, colleague: RtApi, rt_queue, fast_sleep
) -> None:
    # The first sync, of an empty queue: what follows is a delta pull, which reads each
    # ticket's history beside its page (a first sync's comes as a second stage).
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    remotes = [
        rt_root.create(rt_queue, f"Refund {n}", Requestor=f"c{n}@example.com") for n in range(3)
    ]
    for remote in remotes:
        colleague(
            "POST",
            f"/ticket/{remote}/correspond",
            json={"Content": f"Reply on {remote}", "ContentType": "text/plain"},
        )
    backend = make_backend(rt_server, rt_queue, fast_sleep, page_size=1)

    class Stop(Exception):
        pass

    def stop_after_first(page: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        Puller(store, backend.client, backend.settings, _now, after_page=stop_after_first).run()
    assert count(store, "messages") == 2  # the first page's ticket: its create and reply
    assert backend.sync(store, _now()).state == "online"
    # Resumed: the rest, nothing of the first page again.
    assert count(store, "messages") == 6
    # The per-ticket marks lost (as if a pull died after RT answered but before they were
    # kept) and the cursor back at the start: everything is read again, nothing imported.
    with store.write() as connection:
        connection.execute(text("DELETE FROM sync_history"))
        connection.execute(text("DELETE FROM sync_cursors"))
    again = backend.sync(store, _now())
    assert (again.state, again.messages) == ("online", 0)
    assert count(store, "messages") == 6
    assert [body for *_, body in messages(store, remotes[2])] == [
        "Refund 2.",
        f"Reply on {remotes[2]}",
    ]


def test_what_agentdesk_pushed_is_not_pulled_back(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    from agentdesk.core.note_template import Section, StructuredNote
    from agentdesk.core.quality import Confirmation
    from agentdesk.store.notes import record_confirmation

    remote = rt_root.create(rt_queue, "Card declined", Requestor="ana@example.com")
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    with store.read() as connection:
        ticket = int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote}
            ).scalar_one()
        )
    verified(store, ticket, _now())  # replies wait for a pass (no outbox row: local only)
    apply_change(
        store,
        ticket,
        TicketChange("reply", message=NewMessage(MessageKind.REPLY, "Please retry now.", "amara")),
        actor="amara.okafor",
        now=_now(),
    )
    note = StructuredNote(
        sections={
            Section.ISSUE_SUMMARY: "Declined twice.",
            Section.STEPS_TAKEN: "Checked the gateway.",
            Section.ROOT_CAUSE: "Soft decline.",
            Section.NEXT_STEPS: "Retry.",
        },
        tags={},
    )
    apply_change(
        store,
        ticket,
        TicketChange("note", note=note, note_author="amara.okafor"),
        actor="amara.okafor",
        now=_now(),
    )
    record_confirmation(
        store,
        ticket,
        Confirmation("Card declined", "Retry the payment", "today", True, _now()),
        agent="amara.okafor",
        entry="Three-step confirmation: agreed.",
    )
    before = messages(store, remote)
    assert len(before) == 4  # RT's opening request (pulled) and the three written here
    summary = backend.sync(store, _now())
    assert (summary.state, summary.pushed, summary.messages) == ("online", 3, 0), summary.message
    assert messages(store, remote) == before
    with store.read() as connection:
        mapped = connection.execute(
            text("SELECT count(*) FROM sync_messages WHERE message_id IS NOT NULL")
        ).scalar_one()
    assert mapped == 4  # each pushed transaction is known as the message it came from
    assert backend.sync(store, _now()).messages == 0


def test_a_ticket_created_in_agentdesk_keeps_one_opening_message(
    store, rt_server, rt_queue, fast_sleep
) -> None:
    from agentdesk.core.ticket import Channel, Priority, Region
    from agentdesk.store.new_ticket import create_ticket

    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    with store.write() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (account_id, name, email, region, created_at) VALUES "
                "('ACC-9', 'Ola', 'ola@example.com', 'EMEA', '2026-01-01T00:00:00.000000Z')"
            )
        )
    create_ticket(
        store,
        subject="Phone: login fails",
        customer_id=1,
        priority=Priority.P2,
        channel=Channel.PHONE,
        region=Region.EMEA,
        body="Customer cannot log in.",
        actor="amara.okafor",
        now=_now(),
    )
    summary = backend.sync(store, _now())
    assert (summary.state, summary.pushed, summary.messages) == ("online", 1, 0)
    assert count(store, "messages") == 1


def test_the_first_sync_reads_open_tickets_and_a_closed_one_when_it_changes(
    store, rt_server, rt_root, colleague: RtApi, rt_queue, fast_sleep
) -> None:
    open_one = rt_root.create(rt_queue, "Open", Requestor="o@example.com", Content="Help!")
    closed = rt_root.create(rt_queue, "Closed", Requestor="c@example.com", Content="Old issue.")
    rt_root("PUT", f"/ticket/{closed}", json={"Status": "resolved"})
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    first = backend.sync(store, _now())
    assert (first.pulled, first.messages) == (2, 1)
    assert messages(store, closed) == []
    colleague(
        "POST",
        f"/ticket/{closed}/comment",
        json={"Content": "Customer phoned again.", "ContentType": "text/plain"},
    )
    later = backend.sync(store, _now())
    assert later.messages == 2  # its whole history, now that it moved
    assert [kind for kind, *_ in messages(store, closed)] == ["customer", "internal_note"]
    assert len(messages(store, open_one)) == 1


# -- what a real RT will not send: respx -------------------------------------------------------

URL = "http://rt.test"
API = f"{URL}/REST/2.0"


def _page(items: list[dict[str, object]]) -> httpx.Response:
    body = {"items": items, "count": len(items), "page": 1, "pages": 1, "total": len(items)}
    stamp = "Mon, 23 Nov 2026 14:00:00 GMT"
    return httpx.Response(200, json=body, headers={"Date": stamp})


def _txn(txn_id: int, kind: str, creator: str) -> dict[str, object]:
    return {
        "id": str(txn_id),
        "Type": kind,
        "ObjectId": "21",
        "Creator": {"id": creator, "type": "user"},
        "Created": "2026-11-20T10:00:00Z",
    }


def _part(part_id: int, txn_id: int, content: object, kind: str = "text/plain") -> dict:
    return {
        "id": str(part_id),
        "TransactionId": str(txn_id),
        "ContentType": kind,
        "Filename": "",
        "Headers": f"Content-Type: {kind}",
        "Content": content,
    }


@respx.mock(assert_all_called=False)
def test_an_unreadable_body_is_set_aside_and_the_rest_arrives(respx_mock, store) -> None:
    ticket = {
        "id": "21",
        "Subject": "Odd mail",
        "Status": "open",
        "Priority": "50",
        "Owner": {"id": "Nobody", "type": "user"},
        "Requestor": [{"id": "maria@example.com", "type": "user"}],
        "Queue": {"id": "1", "type": "queue"},
        "Created": "2026-11-20T10:00:00Z",
        "LastUpdated": "2026-11-20T10:00:00Z",
        "CustomFields": [],
    }
    respx_mock.get(f"{API}/queues/all").mock(return_value=_page([]))
    respx_mock.get(f"{API}/tickets").mock(return_value=_page([ticket]))
    respx_mock.get(f"{API}/transactions").mock(
        return_value=_page(
            [
                _txn(30, "Create", "maria@example.com"),
                _txn(31, "Correspond", "maria@example.com"),
                _txn(32, "Correspond", "maria@example.com"),
            ]
        )
    )
    respx_mock.get(f"{API}/attachments").mock(
        return_value=_page(
            [
                _part(1, 30, "My card was charged twice."),
                _part(2, 31, None),  # RT could not decode it
                _part(3, 32, "Any news?"),
            ]
        )
    )
    backend = RtBackend(
        settings=RtSettings(url=URL, queues=("General",)),
        client=RtClient(URL, "secret-token-123", sleep=lambda _s: None),
    )
    summary = backend.sync(store, _now())
    assert (summary.state, summary.messages, summary.rejected) == ("online", 2, 1)
    assert [body for *_, body in messages(store, "21")] == [
        "My card was charged twice.",
        "Any news?",
    ]
    with store.read() as connection:
        reject = connection.execute(text("SELECT remote_id, reason FROM sync_rejects")).one()
    assert reject.remote_id == "txn:31" and "no readable text" in reject.reason
    # Set aside once, not again on every pull.
    respx_mock.get(f"{API}/tickets").mock(
        return_value=_page([{**ticket, "LastUpdated": "2026-11-20T11:00:00Z"}])
    )
    assert backend.sync(store, _now()).rejected == 0
    assert count(store, "sync_rejects") == 1


class _Answers:
    """Stands in for RtClient: records each search, answers from a list of items."""

    def __init__(self, items: list[dict[str, object]]) -> None:
        self.items = items
        self.queries: list[str] = []

    def call(self, method: str, path: str, params: dict[str, object]) -> httpx.Response:
        self.queries.append(str(params.get("query", "")))
        items = self.items if path == "/transactions" else []
        return httpx.Response(200, json={"items": items, "total": len(items)})


def _wanted(remote_id: str, after: int) -> Wanted:
    return Wanted(remote_id, after, "", "customer@example.org", "open")


def _found(txn_id: int, ticket: str) -> dict[str, object]:
    return {
        "id": txn_id,
        "ObjectId": ticket,
        "Type": "Correspond",
        "Created": "2026-11-23T10:00:00Z",
    }


def test_tickets_read_whole_are_one_json_search_and_only_theirs_are_kept() -> None:
    answers = _Answers([_found(4, "10"), _found(7, "10"), _found(8, "11"), _found(9, "99")])
    reader = HistoryReader(answers)  # type: ignore[arg-type]
    page = reader.read({"10": _wanted("10", 0), "11": _wanted("11", 0)}, agents=set())
    (query,) = [q for q in answers.queries if "ObjectType" in q]
    assert json.loads(query) == [
        {"field": "ObjectType", "value": "RT::Ticket"},
        {"field": "ObjectId", "operator": "IN", "value": [10, 11]},
        {"field": "Type", "operator": "IN", "value": ["Create", "Correspond", "Comment"]},
    ]
    # 99 was not asked for: dropped, whatever RT sent.
    assert {ticket: [t.id for t in txns] for ticket, txns in page.txns.items()} == {
        "10": [4, 7],
        "11": [8],
    }


def test_tickets_read_on_are_asked_for_each_after_its_own_newest() -> None:
    answers = _Answers([_found(30, "7"), _found(12, "8"), _found(31, "8"), _found(32, "900")])
    reader = HistoryReader(answers)  # type: ignore[arg-type]
    wanted = {"7": _wanted("7", 20), "8": _wanted("8", 25), "900": _wanted("900", 0)}
    page = reader.read(wanted, agents=set())
    sql = [q for q in answers.queries if "ObjectType" in q and not q.startswith("[")]
    assert len(sql) == 1
    assert "(ObjectId = 7 AND id > 20) OR (ObjectId = 8 AND id > 25)" in sql[0]
    assert "900" not in sql[0]  # read whole: in the JSON search
    # Each ticket keeps only what is newer than its own mark (8's txn 12 is old).
    assert {ticket: [t.id for t in txns] for ticket, txns in page.txns.items()} == {
        "7": [30],
        "8": [31],
        "900": [32],
    }
