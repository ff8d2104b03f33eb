"""Dropped and stalled connections, a SIGKILLed pusher, an interrupted pull: against live RT."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind, Priority, Status
from agentdesk.store.writes import apply_change
from agentdesk.sync.rt.pull import Puller
from tests.sync.conftest import make_backend
from tests.sync.tcp_proxy import TcpProxy

pytestmark = pytest.mark.rt

ROOT = Path(__file__).resolve().parents[2]


def _now() -> datetime:
    return datetime.now(UTC)


def _local_id(store, remote_id: str) -> int:
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
            ).scalar_one()
        )


def _note(store, ticket_id: int, body: str) -> None:
    apply_change(
        store,
        ticket_id,
        TicketChange("note", message=NewMessage(MessageKind.INTERNAL_NOTE, body, "amara")),
        actor="amara.okafor",
        now=_now(),
    )


def _pending(store) -> int:
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM outbox WHERE state != 'done'")
            ).scalar_one()
        )


def test_a_connection_reset_after_rt_applied_the_comment_sends_it_once(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Proxy drop")
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    _note(store, _local_id(store, remote), "Escalated to the courier's depot.")
    dropped: list[str] = []

    def decide(line: str) -> str:
        if line.startswith("POST") and "/comment" in line and not dropped:
            dropped.append(line)
            return "drop"
        return "pass"

    proxy = TcpProxy(rt_server.port, decide)
    try:
        backend = make_backend(rt_server, rt_queue, fast_sleep, url=proxy.url)
        summary = backend.sync(store, _now())
    finally:
        proxy.close()
    assert dropped and summary.state == "online" and summary.queued == 0
    # The reset came after RT stored the comment: it was found, not sent a second time.
    assert [line for line, _ in proxy.seen if line.startswith("POST")] == dropped
    assert rt_root.contents(remote).count("Escalated to the courier's depot.") == 1


class _ShortReadOnFirstPost:
    """An httpx transport that gives the first POST a 1 s read timeout and every other
    request the client's own (generous) ones. The stalled POST is never answered, so its
    timeout fires however loaded the machine is; nothing else can time out by load."""

    def __init__(self) -> None:
        import httpx

        self.inner = httpx.HTTPTransport()
        self.posts = 0

    def handle_request(self, request):  # type: ignore[no-untyped-def]
        if request.method == "POST":
            self.posts += 1
            if self.posts == 1:
                request.extensions["timeout"] = {**request.extensions["timeout"], "read": 1.0}
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_a_stalled_request_times_out_and_is_sent_again_exactly_once(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Proxy stall")
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    _note(store, _local_id(store, remote), "Customer confirmed the address.")
    stalled: list[str] = []

    def decide(line: str) -> str:
        if line.startswith("POST") and not stalled:
            stalled.append(line)
            return "stall"
        return "pass"

    proxy = TcpProxy(rt_server.port, decide)
    try:
        # The stalled POST never reaches RT: the settle bound (2 s) is waited out once and
        # the comment sent again.
        backend = make_backend(
            rt_server, rt_queue, fast_sleep, url=proxy.url, transport=_ShortReadOnFirstPost()
        )
        summary = backend.sync(store, _now())
    finally:
        proxy.close()
    assert stalled and summary.state == "online" and summary.queued == 0
    posts = [line for line, _ in proxy.seen if line.startswith("POST")]
    assert len(posts) == 2  # the stalled one never reached RT; the second did
    assert rt_root.contents(remote).count("Customer confirmed the address.") == 1


@pytest.mark.parametrize("kill_after", [2, 5])
def test_a_sigkilled_push_finishes_on_restart_with_each_op_once(
    store, rt_server, rt_root, rt_queue, fast_sleep, kill_after: int
) -> None:
    remote = rt_root.create(rt_queue, "Crash test", Priority=50)
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    ticket = _local_id(store, remote)
    bodies = [f"Crash note {n}." for n in range(4)]
    _note(store, ticket, bodies[0])
    _note(store, ticket, bodies[1])
    apply_change(
        store,
        ticket,
        TicketChange("escalate", priority=Priority.P0, reason="outage for this customer"),
        actor="amara.okafor",
        now=_now(),
    )
    _note(store, ticket, bodies[2])
    apply_change(
        store,
        ticket,
        TicketChange("start", status=Status.IN_PROGRESS),
        actor="amara.okafor",
        now=_now(),
    )
    _note(store, ticket, bodies[3])
    child = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests/sync/crash_child.py"),
            str(store.path),
            rt_server.url,
            rt_server.token,
            rt_queue,
            str(kill_after),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -9, child.stderr
    assert 0 < _pending(store) < 6  # killed mid-way: some ops recorded, some not
    summary = make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    assert (summary.state, summary.queued, summary.conflicts) == ("online", 0, 0)
    contents = rt_root.contents(remote)
    for body in bodies:
        assert contents.count(body) == 1, (body, contents)
    ticket_json = rt_root.ticket(remote)
    assert (ticket_json["Priority"], ticket_json["Status"]) == ("100", "open")


def test_an_interrupted_pull_resumes_without_gaps_or_duplicates(
    store, rt_server, rt_queue, fast_sleep
) -> None:
    rt_server.bulk_create(rt_queue, 25, prefix="Resume")
    backend = make_backend(rt_server, rt_queue, fast_sleep, page_size=10)

    class Interrupted(Exception):
        pass

    def stop_after_first(page: int) -> None:
        raise Interrupted(page)

    first = Puller(store, backend.client, backend.settings, _now, after_page=stop_after_first)
    with pytest.raises(Interrupted):
        first.run()
    with store.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 10
    report = Puller(store, backend.client, backend.settings, _now).run()
    assert (report.pages, report.created) == (2, 15)
    with store.read() as connection:
        subjects = [
            row[0] for row in connection.execute(text("SELECT subject FROM tickets ORDER BY id"))
        ]
        inserts = connection.execute(
            text("SELECT count(*) FROM audit WHERE action = 'sync_pull' AND field = 'remote_id'")
        ).scalar_one()
    assert sorted(subjects) == sorted(f"Resume {n}" for n in range(25))
    assert inserts == 25


def test_a_pull_never_overwrites_a_field_with_a_pending_local_edit(
    store, rt_server, rt_root, colleague, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Pending edit", Priority=50)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket = _local_id(store, remote)
    apply_change(
        store,
        ticket,
        TicketChange("escalate", priority=Priority.P1, reason="VIP customer"),
        actor="amara.okafor",
        now=_now(),
    )
    colleague("PUT", f"/ticket/{remote}", json={"Priority": 0, "Status": "stalled"})
    report = Puller(store, backend.client, backend.settings, _now).run()
    assert report.pulled == 1 and report.kept_local == 1
    with store.read() as connection:
        row = connection.execute(
            text("SELECT priority, status FROM tickets WHERE id = :id"), {"id": ticket}
        ).one()
    assert (row.priority, row.status) == ("P1", "pending")  # edit kept, the rest pulled
