"""The TUI's background sync: the header shows the backend's state, queued ops, conflicts."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.widgets.queue_header import QueueHeader
from agentdesk.widgets.sync_driver import SyncDriver
from tests.sync.rt_server import free_port
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle

SIZE = (120, 30)


def _pending(settings: Settings) -> int:
    with sqlite3.connect(settings.db_path) as connection:
        return int(
            connection.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        )


async def test_the_local_backend_clears_the_outbox(demo: Settings, clock: SteppedClock) -> None:
    from agentdesk.core.changes import TicketChange
    from agentdesk.core.ticket import Priority
    from agentdesk.store.writes import apply_change

    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.session is not None
        apply_change(
            app.session.store,
            1,
            TicketChange("priority", priority=Priority.P1, reason="test"),
            actor="amara.okafor",
            now=clock() + timedelta(minutes=1),
        )
        assert _pending(demo) == 1
        app.queue_screen.query_one(SyncDriver).sync_now()
        await settle(pilot)
        header = app.queue_screen.query_one(QueueHeader)
        assert header.connection == "local" and not header.outbox
    assert _pending(demo) == 0


async def test_an_unreachable_helpdesk_shows_offline_with_the_queue_kept(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentdesk.core.ticket import Channel, Priority, Region
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store
    from agentdesk.store.new_ticket import create_ticket

    store = open_store(demo.db_path, load_sla_policy())
    # A ticket taken on the phone while the link is down: its create op waits in the outbox.
    create_ticket(
        store,
        subject="Phone call: cannot reset password",
        customer_id=1,
        priority=Priority.P2,
        channel=Channel.PHONE,
        region=Region.EMEA,
        body="Customer called: the reset mail never arrives.",
        actor="amara.okafor",
        now=clock(),
    )
    store.close()
    monkeypatch.setenv("AGENTDESK_RT_TOKEN", "not-a-real-token")
    settings = replace(
        demo,
        backend="rt",
        extra={"sync": {"url": f"http://127.0.0.1:{free_port()}", "queues": ["General"]}},
    )
    app = make_app(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.queue_screen.query_one(QueueHeader)
        assert header.connection == "offline"
        assert header.outbox is not None and header.outbox >= 1
        assert "offline" in str(header.render())
    assert _pending(demo) >= 1  # nothing dropped


async def test_an_open_ticket_reads_itself_again_when_a_pull_brought_it_messages(
    demo: Settings, clock: SteppedClock
) -> None:
    from agentdesk.screens.ticket import TicketScreen
    from agentdesk.sync.protocol import SyncSummary

    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(1)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.workspace is not None
        before = len(screen.workspace.detail.messages)
        # What a pull writes: a customer's mail, then the driver's message about the run.
        with sqlite3.connect(demo.db_path) as connection:
            connection.execute(
                "INSERT INTO messages (ticket_id, kind, author, body, created_at) VALUES "
                "(1, 'customer', 'maria@example.com', 'Any news?', '2026-11-23T13:59:00.000000Z')"
            )
        driver = app.queue_screen.query_one(SyncDriver)
        driver.post_message(SyncDriver.Synced(SyncSummary(backend="rt", changed_tickets=(2,))))
        await settle(pilot)
        assert len(screen.workspace.detail.messages) == before  # another ticket: not re-read
        driver.post_message(SyncDriver.Synced(SyncSummary(backend="rt", changed_tickets=(1,))))
        await settle(pilot)
        assert app.screen is screen
        bodies = [message.body for message in screen.workspace.detail.messages]
        assert len(bodies) == before + 1 and "Any news?" in bodies


async def test_a_captive_portal_shows_offline_and_says_what_it_answered(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.sync.portal import CaptivePortal

    monkeypatch.setenv("AGENTDESK_RT_TOKEN", "not-a-real-token")
    with CaptivePortal() as portal:
        settings = replace(
            demo, backend="rt", extra={"sync": {"url": portal.url, "queues": ["General"]}}
        )
        app = make_app(settings, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            header = app.queue_screen.query_one(QueueHeader)
            assert header.connection == "offline"
            assert "offline" in str(header.render())
            said = [str(n.message) for n in app._notifications]
            expected = f"RT at {portal.url} answered with something that is not JSON: '<!DOCTYPE"
            assert any(expected in line for line in said), said


class _Owing:
    """A backend whose first run leaves conversations owed; each run waits for `go`."""

    name = "rt"

    def __init__(self) -> None:
        import threading

        self.go = threading.Event()
        self.runs = 0
        self.conversation_seconds: float | None = None
        self.conversations_first: object = tuple

    def sync(self, store: object, now: object) -> object:
        from agentdesk.sync.protocol import SyncSummary

        self.go.wait(10)
        self.runs += 1
        return SyncSummary(backend="rt", conversations_left=5 if self.runs == 1 else 0)

    def resume(self) -> None:
        pass


async def test_one_run_at_a_time_and_the_next_soon_while_conversations_are_owed(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentdesk.desk import sync_status

    backend = _Owing()
    monkeypatch.setattr(sync_status, "open_backend", lambda settings: backend)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(50):  # the mount's run starts, and waits for `go`
            if app.queue_screen.query(SyncDriver):
                break
            await pilot.pause(0.1)
        driver = app.queue_screen.query_one(SyncDriver)
        await pilot.pause(0.2)
        driver.sync_now()  # the interval's tick while the first run is still at work
        driver.sync_now()
        running = [w for w in app.workers if w.group == "sync" and not w.is_finished]
        assert len(running) == 1 and backend.runs == 0
        backend.go.set()
        for _ in range(60):
            if backend.runs >= 2:
                break
            await pilot.pause(0.1)
        # The first run (the mount's); the ticks during it skipped; the second because the
        # first left conversations owed, a second later, not after the 30 s interval.
        assert backend.runs == 2
        assert backend.conversation_seconds == sync_status.CONVERSATION_SECONDS
        assert backend.conversations_first is app.queue_screen.desk.opened_first
        await pilot.pause(1.5)
        assert backend.runs == 2  # nothing owed after it: back to the interval
