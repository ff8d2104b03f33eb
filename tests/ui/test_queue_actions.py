"""The queue's actions come from one table: its keys, the key bar and the command palette
agree, and the conflicts screen is reachable from both. Sync runs reach screens through the
app's sync_events signal."""

from __future__ import annotations

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.screens.conflicts import ConflictsScreen
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.queue_commands import QUEUE_ACTIONS
from agentdesk.sync.protocol import SyncSummary
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle

SIZE = (120, 40)


def test_the_bindings_are_the_table() -> None:
    ids = [action.id for action in QUEUE_ACTIONS]
    assert len(ids) == len(set(ids))
    bindings = {binding.id: binding for binding in QueueScreen.BINDINGS}  # type: ignore[union-attr]
    keyed = [action for action in QUEUE_ACTIONS if action.key]
    assert sorted(bindings) == sorted(f"queue.{action.id}" for action in keyed)
    for action in keyed:
        binding = bindings[f"queue.{action.id}"]
        assert (binding.key, binding.action, binding.description) == (  # type: ignore[union-attr]
            action.key,
            action.action,
            action.label,
        )
    # Everything reachable without a key is in the palette.
    assert all(action.title for action in QUEUE_ACTIONS if not action.key)


async def test_the_palette_opens_the_conflicts_screen(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Sync conflicts")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)


async def test_the_palette_resets_the_filter(demo: Settings, clock: SteppedClock) -> None:
    from dataclasses import replace

    from agentdesk.core.ticket import Priority

    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.queue_screen
        queue.queue_filter = replace(queue.queue_filter, priorities=frozenset({Priority.P0}))
        await pilot.press("ctrl+p")
        await pilot.press(*"Reset the filter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert queue.queue_filter.priorities == frozenset()


async def test_every_sync_run_is_broadcast(demo: Settings, clock: SteppedClock) -> None:
    from agentdesk.widgets.sync_driver import SyncDriver, sync_events

    app = make_app(demo, clock=clock)
    heard: list[SyncSummary] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        events = sync_events(app)
        assert events is app.sync_events
        events.subscribe(app.queue_screen, heard.append, immediate=True)
        summary = SyncSummary(backend="rt", changed_tickets=(5,))
        app.queue_screen.query_one(SyncDriver).post_message(SyncDriver.Synced(summary))
        await settle(pilot)
        assert heard == [summary]
    assert sync_events(object()) is None
