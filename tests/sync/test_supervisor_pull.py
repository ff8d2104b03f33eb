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


async def test_the_supervisor_app_pulls_the_team_and_no_key_reaches_rt(
    rt_server, rt_root: RtApi, rt_queue: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole app in monitoring mode on an RT profile: the dashboard shows what the pull
    brought, then every key and palette entry of every screen it reaches is used, and
    neither the supervisor's store nor any ticket's history in RT changes."""
    from agentdesk.app import make_app
    from agentdesk.config import Settings
    from agentdesk.screens import supervisor as dashboard
    from agentdesk.screens.supervisor import SupervisorScreen
    from agentdesk.screens.supervisor_keys import WatchCommands
    from agentdesk.screens.ticket import TicketScreen
    from agentdesk.screens.ticket_commands import TicketCommands
    from tests.ui.pilot_tools import settle
    from tests.ui.supervisor_fixtures import store_digest
    from tests.ui.test_supervisor import _go, _keys_of

    second = f"{rt_queue}-b"
    rt_root("POST", "/queue", json={"Name": second})
    ours = [
        rt_root.create(rt_queue, "Refund not received", Priority=50, Owner="li.wei"),
        rt_root.create(second, "Wrong size delivered", Priority=75, Owner="li.wei"),
        rt_root.create(second, "Cannot log in", Priority=25),
    ]
    monkeypatch.setenv("AGENTDESK_RT_TOKEN", rt_server.token)
    # One pull at the start, none while the keys are tried (each pull moves its cursor).
    monkeypatch.setattr(dashboard, "PULL_SECONDS", 3600.0)
    settings = Settings(
        profile="supervisor-test",
        config_path=None,
        db_path=tmp_path / "agentdesk.db",
        cache_dir=tmp_path / "cache",
        backend="rt",
        extra={"sync": {"url": rt_server.url, "queues": [EVERY_QUEUE], "settle_seconds": 2}},
        supervisor=True,
    )
    app = make_app(settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SupervisorScreen)
        for _ in range(100):  # the pull's worker, then the board it asks for
            if "li.wei" in screen.lines:
                break
            await settle(pilot)
        li = screen.lines["li.wei"]
        assert li.open >= 2
        before_store = store_digest(settings.db_path)
        before_rt = _transactions(rt_root, ours)
        for depth in (0, 1, 2):
            target = await _go(pilot, depth)
            for key in _keys_of(target):
                await _go(pilot, depth)
                await pilot.press(key)
                await settle(pilot)
            target = await _go(pilot, depth)
            provider = TicketCommands if isinstance(target, TicketScreen) else WatchCommands
            count = len([hit async for hit in provider(target, None).discover()])  # type: ignore[arg-type]
            for index in range(count):
                target = await _go(pilot, depth)
                hits = [hit async for hit in provider(target, None).discover()]  # type: ignore[arg-type]
                result = hits[index].command()
                if hasattr(result, "__await__"):
                    await result
                await settle(pilot)
        await _go(pilot, 0)
    assert store_digest(settings.db_path) == before_store
    assert _transactions(rt_root, ours) == before_rt
