"""A reply reaches the customer exactly once, against live RT on loopback (issue 11, items 1-3):
the lookup after an ambiguous failure waits out RT's own request time, a crash between finding
a transaction and recording it does not send it again, and a colleague's same text is not ours.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind
from agentdesk.store.writes import apply_change
from tests.store.factory import verified
from tests.sync.conftest import RtApi, make_backend
from tests.sync.hold_proxy import HoldingProxy

pytestmark = pytest.mark.rt

ROOT = Path(__file__).resolve().parents[2]


def _now() -> datetime:
    return datetime.now(UTC)


def _local_id(store: Any, remote_id: str) -> int:
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
            ).scalar_one()
        )


def _reply(store: Any, ticket_id: int, body: str) -> None:
    verified(store, ticket_id, _now())  # replies wait for a pass (local only: no outbox row)
    apply_change(
        store,
        ticket_id,
        TicketChange("reply", message=NewMessage(MessageKind.REPLY, body, "amara")),
        actor="amara.okafor",
        now=_now(),
    )


def messages(rt: RtApi, remote_id: str) -> list[tuple[str, str, str]]:
    """(Type, Creator, text) of the ticket's Comment and Correspond transactions, oldest first."""
    kinds = {
        str(item["id"]): (str(item["Type"]), str(item["Creator"]["id"]))
        for item in rt._all(f"/ticket/{remote_id}/history", "Type,Creator")
        if item.get("Type") in ("Comment", "Correspond")
    }
    return [
        (*kinds[str(item["TransactionId"])], str(item.get("Content", "")).strip())
        for item in rt._all(f"/ticket/{remote_id}/attachments", "Content,TransactionId")
        if str(item["TransactionId"]) in kinds and str(item.get("Content", "")).strip()
    ]


def _local_bodies(store: Any, ticket_id: int) -> list[tuple[str, str]]:
    with store.read() as connection:
        return [
            (row.kind, row.body)
            for row in connection.execute(
                text("SELECT kind, body FROM messages WHERE ticket_id = :t ORDER BY id"),
                {"t": ticket_id},
            )
        ]


def test_a_reply_rt_is_still_processing_when_agentdesk_looks_is_not_sent_again(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    """Item 1. The link resets while RT works on the reply; the first lookup misses it (the
    proxy lets RT have the request only after that lookup was answered). agentdesk waits out
    the settle bound, looking again, and finds it instead of posting it a second time."""
    remote = rt_root.create(rt_queue, "Reset while RT works")
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    ticket = _local_id(store, remote)
    body = "Your replacement card is on its way."
    _reply(store, ticket, body)
    held: list[str] = []
    looked: list[str] = []

    def decide(line: str) -> str:
        if line.startswith("POST") and "/correspond" in line and not held:
            held.append(line)
            return "hold"
        return "pass"

    def after(line: str, action: str) -> None:
        if held and line.startswith("GET") and not looked:
            looked.append(line)
            proxy.release.set()  # RT gets the reply only now: that lookup cannot have seen it

    proxy = HoldingProxy(rt_server.port, decide, after)
    try:
        # The settle bound far above RT's request time here: the test never waits it out
        # unless the reply is lost, and then it fails on the count below anyway.
        backend = make_backend(rt_server, rt_queue, fast_sleep, url=proxy.url, settle=120.0)
        summary = backend.sync(store, _now())
        assert proxy.held_answered.wait(60)
    finally:
        proxy.close()
    assert held and looked and summary.state == "online" and summary.queued == 0
    assert [line for line, _ in proxy.seen if line.startswith("POST")] == held
    assert [m for m in messages(rt_root, remote) if m[2] == body] == [("Correspond", "root", body)]
    assert _local_bodies(store, ticket).count(("reply", body)) == 1


def test_a_kill_right_after_the_lookup_claimed_the_reply_does_not_send_it_twice(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    """Item 2. The reply reaches RT, the answer is lost, the lookup finds the transaction, and
    the process is SIGKILLed at the named point right after the lookup recorded its find."""
    remote = rt_root.create(rt_queue, "Kill in the claim window")
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    ticket = _local_id(store, remote)
    body = "We refunded the delivery fee."
    _reply(store, ticket, body)
    dropped: list[str] = []

    def decide(line: str) -> str:
        if line.startswith("POST") and not dropped:
            dropped.append(line)
            return "drop"  # RT applies it; the client gets a reset instead of the answer
        return "pass"

    proxy = HoldingProxy(rt_server.port, decide)
    try:
        child = subprocess.run(
            [
                sys.executable,
                str(ROOT / "tests/sync/crash_child.py"),
                str(store.path),
                proxy.url,
                rt_server.token,
                rt_queue,
                "0",
            ],
            cwd=ROOT,
            env={**os.environ, "AGENTDESK_KILL_AT": "push.post_found"},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        proxy.close()
    assert child.returncode == -9, child.stderr
    assert dropped
    summary = make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    assert (summary.state, summary.queued) == ("online", 0)
    assert [m for m in messages(rt_root, remote) if m[2] == body] == [("Correspond", "root", body)]
    assert _local_bodies(store, ticket).count(("reply", body)) == 1


def test_a_colleagues_same_text_is_not_taken_for_the_agents_lost_reply(
    store, rt_server, rt_root, colleague, rt_queue, fast_sleep
) -> None:
    """Item 3. The agent's reply is lost before it reaches RT; before agentdesk looks, a
    colleague posts the same words, as a public reply and as an internal comment. Neither is
    the agent's: the reply is sent, once, from the agent's RT user."""
    remote = rt_root.create(rt_queue, "Same words")
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    ticket = _local_id(store, remote)
    body = "Thank you, the order has been cancelled."
    _reply(store, ticket, body)
    lost: list[str] = []

    def decide(line: str) -> str:
        if line.startswith("POST") and "/correspond" in line and not lost:
            lost.append(line)
            for kind in ("correspond", "comment"):
                colleague(
                    "POST",
                    f"/ticket/{remote}/{kind}",
                    json={"Content": body, "ContentType": "text/plain"},
                )
            return "reset"
        return "pass"

    proxy = HoldingProxy(rt_server.port, decide)
    try:
        # Nothing is in flight here (the proxy never forwarded the lost reply): a short settle.
        backend = make_backend(rt_server, rt_queue, fast_sleep, url=proxy.url, settle=1.0)
        summary = backend.sync(store, _now())
    finally:
        proxy.close()
    assert lost and summary.state == "online" and summary.queued == 0
    found = [m for m in messages(rt_root, remote) if m[2] == body]
    assert sorted(found) == [
        ("Comment", "li.wei", body),
        ("Correspond", "li.wei", body),
        ("Correspond", "root", body),
    ]
    # What the customer got: the colleague's reply and the agent's, one each.
    assert [m[:2] for m in messages(rt_root, remote) if m[0] == "Correspond"] == [
        ("Correspond", "li.wei"),
        ("Correspond", "root"),
    ]
    local = _local_bodies(store, ticket)
    assert local.count(("reply", body)) == 2  # the agent's and li.wei's
    assert local.count(("internal_note", body)) == 1
