"""The issue's integration scenarios, against a real Request Tracker 5 on loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status
from agentdesk.store.conflicts import Resolution, list_conflicts, resolve
from agentdesk.store.new_ticket import create_ticket
from agentdesk.store.writes import apply_change
from tests.sync.conftest import make_backend
from tests.sync.rt_server import free_port

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def local_id(store, remote_id: str) -> int:
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
            ).scalar_one()
        )


def local_row(store, remote_id: str):
    with store.read() as connection:
        return connection.execute(
            text(
                "SELECT t.*, a.handle FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id "
                "WHERE remote_id = :r"
            ),
            {"r": remote_id},
        ).one()


def outbox_states(store) -> list[str]:
    with store.read() as connection:
        return [row[0] for row in connection.execute(text("SELECT state FROM outbox ORDER BY id"))]


def test_first_sync_of_1000_tickets_then_a_quiet_delta(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    rt_server.bulk_create(rt_queue, 1000, prefix="Order <b>[red]late[/red]\x1b[31m")
    ids = [
        str(item["id"])
        for page in range(1, 11)
        for item in rt_root(
            "GET",
            "/tickets",
            params={"query": f"Queue = '{rt_queue}'", "per_page": 100, "page": page},
        ).json()["items"]
    ]
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    first = backend.sync(store, _now())
    assert first.state == "online", first.message
    assert (first.pulled, first.rejected) == (1000, 0)
    with store.read() as connection:
        rows = connection.execute(
            text("SELECT remote_id, subject, priority, status FROM tickets")
        ).all()
    assert len(rows) == 1000
    assert {row.remote_id for row in rows} == set(ids)
    by_id = {row.remote_id: row for row in rows}
    sample = ids[3]
    # Markup is stored as sent (shown literally, never interpreted); the reader's sanitiser
    # drops the escape sequence whole.
    assert by_id[sample].subject == "Order <b>[red]late[/red] 3"
    assert by_id[sample].priority == "P1"  # 75
    assert {row.status for row in rows} == {"new"}
    second = backend.sync(store, _now())
    assert (second.state, second.pulled, second.pushed) == ("online", 0, 0)
    assert second.bytes_in < first.bytes_in / 20  # only the overlap window is re-read


def test_edit_offline_then_sync(store, rt_server, rt_root, rt_queue, fast_sleep) -> None:
    remote = rt_root.create(rt_queue, "Refund not received", Priority=50)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    assert backend.sync(store, _now()).pulled == 1
    ticket = local_id(store, remote)
    # The link drops: the same profile now points at a port nobody listens on.
    offline = make_backend(rt_server, rt_queue, fast_sleep, url=f"http://127.0.0.1:{free_port()}")
    apply_change(
        store,
        ticket,
        TicketChange("escalate", priority=Priority.P1, reason="customer waited 3 days"),
        actor="amara.okafor",
        now=_now(),
    )
    apply_change(
        store,
        ticket,
        TicketChange(
            "note",
            message=NewMessage(MessageKind.INTERNAL_NOTE, "Checked the payment log.", "amara"),
        ),
        actor="amara.okafor",
        now=_now(),
    )
    down = offline.sync(store, _now())
    assert (down.state, down.queued, down.pushed) == ("offline", 2, 0)
    assert down.status_line == "offline, 2 queued"
    assert rt_root.ticket(remote)["Priority"] == "50"
    up = backend.sync(store, _now())
    assert (up.state, up.pushed, up.queued, up.conflicts) == ("online", 2, 0, 0)
    assert rt_root.ticket(remote)["Priority"] == "75"
    assert rt_root.contents(remote).count("Checked the payment log.") == 1
    assert outbox_states(store) == ["done", "done"]
    assert local_row(store, remote).priority == "P1"


def test_same_field_changed_in_rt_and_locally_is_a_conflict(
    store, rt_server, rt_root, colleague, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Card declined", Priority=50)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket = local_id(store, remote)
    colleague("PUT", f"/ticket/{remote}", json={"Priority": 100})
    apply_change(
        store,
        ticket,
        TicketChange("reprioritise", priority=Priority.P3, reason="customer found a workaround"),
        actor="amara.okafor",
        now=_now(),
    )
    summary = backend.sync(store, _now())
    assert (summary.conflicts, summary.open_conflicts) == (1, 1)
    (conflict,) = [c for c in list_conflicts_of(store) if c.ticket_id == ticket]
    assert (conflict.field, conflict.base_value, conflict.local_value, conflict.remote_value) == (
        "priority",
        "P2",
        "P3",
        "P0",
    )
    assert conflict.remote_actor == "li.wei" and conflict.remote_at is not None
    # Nothing lost: RT keeps the colleague's value, the store keeps the agent's until resolved.
    assert rt_root.ticket(remote)["Priority"] == "100"
    assert local_row(store, remote).priority == "P3"
    resolve(store, conflict.id, Resolution.KEEP_MINE, actor="amara.okafor", now=_now())
    after = backend.sync(store, _now())
    assert (after.conflicts, after.open_conflicts, after.queued) == (0, 0, 0)
    assert rt_root.ticket(remote)["Priority"] == "25"


def list_conflicts_of(store):
    with store.read() as connection:
        return list_conflicts(connection)


def test_a_colleague_comment_while_the_agent_edits_another_field_is_no_conflict(
    store, rt_server, rt_root, colleague, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Parcel lost", Priority=50)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket = local_id(store, remote)
    before = backend.client.call("GET", f"/ticket/{remote}").headers["etag"]
    # Read once so the store holds the ETag the agent's edit is based on.
    backend.sync(store, _now())
    apply_change(
        store,
        ticket,
        TicketChange("assign", status=Status.ASSIGNED, assignee_id=None),
        actor="amara.okafor",
        now=_now(),
    )
    colleague(
        "POST",
        f"/ticket/{remote}/comment",
        json={"Content": "Courier says it is in the depot.", "ContentType": "text/plain"},
    )
    after_comment = backend.client.call("GET", f"/ticket/{remote}").headers["etag"]
    assert after_comment != before  # RT's ETag moves on a comment alone
    summary = backend.sync(store, _now())
    assert (summary.conflicts, summary.open_conflicts, summary.pushed) == (0, 0, 1)
    assert rt_root.ticket(remote)["Status"] == "open"
    assert "Courier says it is in the depot." in rt_root.contents(remote)


def test_a_ticket_created_offline_with_a_reply_queued_behind_it(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    with store.write() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (account_id, name, email, region, created_at) VALUES "
                "('ACC-1', 'Maria Garcia', 'maria@example.com', 'EMEA', "
                "'2026-01-01T00:00:00.000000Z')"
            )
        )
    ticket = create_ticket(
        store,
        subject="Phone call: cannot reset password",
        customer_id=1,
        priority=Priority.P2,
        channel=Channel.PHONE,
        region=Region.EMEA,
        body="Customer called: the reset mail never arrives.",
        actor="amara.okafor",
        now=_now(),
    )
    apply_change(
        store,
        ticket,
        TicketChange(
            "reply",
            message=NewMessage(MessageKind.REPLY, "We have sent a new reset link.", "amara"),
        ),
        actor="amara.okafor",
        now=_now(),
    )
    summary = backend.sync(store, _now())
    assert (summary.state, summary.pushed, summary.queued) == ("online", 2, 0)
    with store.read() as connection:
        remote = connection.execute(
            text("SELECT remote_id FROM tickets WHERE id = :id"), {"id": ticket}
        ).scalar_one()
    assert remote is not None
    assert rt_root.ticket(remote)["Subject"] == "Phone call: cannot reset password"
    contents = rt_root.contents(remote)
    assert contents.count("We have sent a new reset link.") == 1
    assert contents.count("Customer called: the reset mail never arrives.") == 1
    # The pull after the push does not bring the ticket in a second time.
    with store.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 1


def test_a_server_stopped_mid_push_and_restarted_gets_everything_once(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    import httpx

    remote = rt_root.create(rt_queue, "Subscription cancelled twice")
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket = local_id(store, remote)
    bodies = [f"Update {n}: still checking with billing." for n in range(6)]
    for body in bodies:
        apply_change(
            store,
            ticket,
            TicketChange("note", message=NewMessage(MessageKind.INTERNAL_NOTE, body, "amara")),
            actor="amara.okafor",
            now=_now(),
        )
    posts = []

    def stop_after_third_post(response: httpx.Response) -> None:
        if response.request.method == "POST":
            posts.append(response.request.url.path)
            if len(posts) == 3:
                # RT applied the third note; the agent never hears back.
                rt_server.stop()
                raise httpx.ReadError("connection reset by peer", request=response.request)

    flaky = make_backend(
        rt_server, rt_queue, fast_sleep, event_hooks={"response": [stop_after_third_post]}
    )
    try:
        down = flaky.sync(store, _now())
    finally:
        if rt_server.process is None:
            rt_server.start()
    assert down.state == "offline" and down.queued == 4
    up = backend.sync(store, _now())
    assert (up.state, up.queued) == ("online", 0)
    contents = rt_root.contents(remote)
    for body in bodies:
        assert contents.count(body) == 1, body
    with store.read() as connection:
        progress = connection.execute(
            text("SELECT progress FROM sync_ops ORDER BY outbox_id")
        ).all()
    assert any("found_in_history" in row[0] for row in progress)


def test_a_structured_note_reaches_rt_as_one_comment(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    from agentdesk.core.note_template import Section, StructuredNote, Tag

    remote = rt_root.create(rt_queue, "Card declined twice", Priority=50)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    assert backend.sync(store, _now()).pulled == 1
    ticket = local_id(store, remote)
    note = StructuredNote(
        sections={
            Section.ISSUE_SUMMARY: "Card declined at checkout, twice.",
            Section.STEPS_TAKEN: "Checked the payment gateway log.",
            Section.ROOT_CAUSE: "Issuer soft decline.",
            Section.NEXT_STEPS: "Ask the customer to call the bank.",
        },
        tags={Tag.PRODUCT_AREA: "payments", Tag.CHANNEL: "email"},
    )
    apply_change(
        store,
        ticket,
        TicketChange("note", note=note, note_author="amara.okafor"),
        actor="amara.okafor",
        now=_now(),
    )
    up = backend.sync(store, _now())
    assert (up.state, up.pushed, up.parked) == ("online", 1, 0), up.message
    notes = [body for body in rt_root.contents(remote) if "Issuer soft decline." in body]
    assert len(notes) == 1
    assert notes[0].startswith("Issue summary: Card declined at checkout, twice.")
    assert "Tags: product_area=payments channel=email" in notes[0]
    assert backend.sync(store, _now()).pushed == 0  # sent once, not again
