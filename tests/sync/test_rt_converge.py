"""The local store converges to RT: a colleague's change to another field arrives even when the
agent's push read the ticket first; priorities compare in the SOP's words; a dripping answer
cannot hold a run. Against a real Request Tracker 5 on loopback (and the fault proxy)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from agentdesk.core.changes import TicketChange
from agentdesk.core.ticket import Priority, Status
from agentdesk.store.writes import apply_change
from tests.sync.conftest import make_backend
from tests.sync.tcp_proxy import TcpProxy
from tests.sync.test_rt_live import list_conflicts_of, local_id, local_row, outbox_states

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_colleagues_priority_change_arrives_although_the_push_read_the_ticket_first(
    store, rt_server, rt_root, colleague, rt_queue, fast_sleep
) -> None:
    """The issue's scenario: Priority 50 -> 75 in RT, the agent's status change pushed."""
    remote = rt_root.create(rt_queue, "Invoice shows the wrong address", Priority=50)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    assert backend.sync(store, _now()).pulled == 1
    ticket = local_id(store, remote)
    assert local_row(store, remote).priority == "P2"
    colleague("PUT", f"/ticket/{remote}", json={"Priority": 75})
    apply_change(
        store,
        ticket,
        TicketChange("start", status=Status.IN_PROGRESS),
        actor="amara.okafor",
        now=_now(),
    )
    summary = backend.sync(store, _now())
    assert (summary.state, summary.pushed, summary.conflicts) == ("online", 1, 0), summary.message
    in_rt = rt_root.ticket(remote)
    assert (in_rt["Priority"], in_rt["Status"]) == ("75", "open")  # RT holds both
    for _ in range(3):
        backend.sync(store, _now())
    row = local_row(store, remote)
    # Converged on every synced field: the colleague's priority and the agent's status.
    assert (row.priority, row.status, row.handle) == ("P1", "in_progress", None)
    assert outbox_states(store) == ["done"]


def test_a_colleague_setting_90_while_the_agent_sets_p0_is_no_conflict(
    store, rt_server, rt_root, colleague, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Checkout down for a whole region", Priority=50)
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket = local_id(store, remote)
    colleague("PUT", f"/ticket/{remote}", json={"Priority": 90})
    apply_change(
        store,
        ticket,
        TicketChange("escalate", priority=Priority.P0, reason="outage"),
        actor="amara.okafor",
        now=_now(),
    )
    summary = backend.sync(store, _now())
    assert (summary.state, summary.conflicts, summary.open_conflicts) == ("online", 0, 0)
    assert list_conflicts_of(store) == []
    assert (summary.pushed, summary.queued) == (1, 0)
    # RT's 90 is P0 in the SOP's words: both agree, the colleague's exact value stays.
    assert rt_root.ticket(remote)["Priority"] == "90"
    assert local_row(store, remote).priority == "P0"


def test_a_dripping_answer_cannot_hold_a_run_and_the_op_stays_queued(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    """One byte at a time, each well inside the read timeout: only the total deadline ends it."""
    remote = rt_root.create(rt_queue, "Slow link", Priority=50)
    make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    ticket = local_id(store, remote)
    apply_change(
        store,
        ticket,
        TicketChange("start", status=Status.IN_PROGRESS),
        actor="amara.okafor",
        now=_now(),
    )
    dripped: list[str] = []

    def decide(line: str) -> str:
        if line.startswith("PUT "):
            dripped.append(line)
            return "drip"
        return "pass"

    proxy = TcpProxy(rt_server.port, decide, drip_seconds=0.5)
    backend = make_backend(
        rt_server,
        rt_queue,
        fast_sleep,
        url=proxy.url,
        timeouts=(10.0, 10.0, 10.0, 10.0),
        attempts=2,
    )
    # The profile's request_deadline_seconds, short for the test (the read timeout is 10 s,
    # twenty times the drip's interval: it never fires).
    backend.client.total_timeout = 3.0
    result: list[object] = []
    run = threading.Thread(target=lambda: result.append(backend.sync(store, _now())))
    try:
        run.start()
        # Not a measurement: a guard, so that a run the deadline fails to end fails this test
        # instead of hanging the suite (RT's answer at this pace takes minutes per request).
        run.join(timeout=120)
        assert not run.is_alive(), "the sync run was still going after 120 s"
    finally:
        proxy.close()
        run.join(timeout=30)
    (summary,) = result
    assert dripped and summary.state == "offline" and summary.queued == 1  # type: ignore[attr-defined]
    assert f"did not finish answering PUT /ticket/{remote} within 3 s" in summary.message  # type: ignore[attr-defined]
    assert outbox_states(store) == ["pending"]
    # The PUT did land (the proxy forwarded it): the next run finds it there, sends nothing new.
    after = make_backend(rt_server, rt_queue, fast_sleep).sync(store, _now())
    assert (after.state, after.queued, after.conflicts) == ("online", 0, 0)
    assert rt_root.ticket(remote)["Status"] == "open"
    assert local_row(store, remote).status == "in_progress"
