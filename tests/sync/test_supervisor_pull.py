"""Monitoring mode's backend against a live Request Tracker 5 (issue 15): the supervisor
pulls every queue the token can see, and nothing it does reaches RT: not a queued outbox op
(pushed by no run), not push() or resume() called directly. RT's transaction count of every
ticket stays as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.changes import TicketChange
from agentdesk.core.errors import ReadOnly
from agentdesk.core.ticket import Priority
from agentdesk.store.engine import Store
from agentdesk.store.writes import apply_change
from agentdesk.sync.read_only import ReadOnlyBackend
from agentdesk.sync.rt.ticketsql import EVERY_QUEUE
from tests.sync.conftest import RtApi, make_backend

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def _transactions(rt: RtApi, remote_ids: list[str]) -> dict[str, int]:
    return {rid: len(rt._all(f"/ticket/{rid}/history", "Type")) for rid in remote_ids}


def _remote_ids(store: Store) -> set[str]:
    with store.read() as connection:
        rows = connection.execute(text("SELECT remote_id FROM tickets WHERE remote_id IS NOT NULL"))
        return {str(row[0]) for row in rows}


def test_the_supervisor_pulls_every_queue_and_sends_nothing(
    store: Store, rt_server, rt_root: RtApi, rt_queue: str, fast_sleep, tmp_path: Path
) -> None:
    second = f"{rt_queue}-b"
    rt_root("POST", "/queue", json={"Name": second})
    ours = [
        rt_root.create(rt_queue, "Refund not received", Priority=50),
        rt_root.create(rt_queue, "Cannot log in", Priority=25),
        rt_root.create(second, "Wrong size delivered", Priority=75),
    ]
    inner = make_backend(rt_server, EVERY_QUEUE, fast_sleep)
    backend = ReadOnlyBackend(inner)
    first = backend.sync(store, _now())
    assert first.state == "online", first.message
    assert set(ours) <= _remote_ids(store)  # both queues, in one pull
    # A change queued in the supervisor's cache (no desk path can make one: this one is
    # written past the desk) is still never sent.
    with store.read() as connection:
        local = int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": ours[0]}
            ).scalar_one()
        )
    apply_change(
        store,
        local,
        TicketChange("priority", priority=Priority.P0, reason="should never reach RT"),
        actor="supervisor",
        now=_now(),
    )
    before = _transactions(rt_root, ours)
    again = backend.sync(store, _now())
    assert (again.state, again.pushed, again.queued) == ("online", 0, 1)
    with pytest.raises(ReadOnly):
        backend.push(store, _now())
    with pytest.raises(ReadOnly):
        backend.resume()
    assert _transactions(rt_root, ours) == before
    assert rt_root.ticket(ours[0])["Priority"] == "50"
    with store.read() as connection:
        states = [r[0] for r in connection.execute(text("SELECT state FROM outbox"))]
    assert states == ["pending"]
    # The same store under the working backend does push it: the wrapper is what held it.
    assert inner.sync(store, _now()).pushed == 1
    assert _transactions(rt_root, ours) != before
    backend.close()
