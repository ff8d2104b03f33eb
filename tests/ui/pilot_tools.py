"""Helpers for Pilot tests: wait until the app is quiet, read what the table and the
conversation show."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen

from agentdesk.screens.ticket import TicketScreen
from agentdesk.store.rows import QueueRow
from agentdesk.widgets.conversation import Conversation
from agentdesk.widgets.ticket_table import TicketTable


async def settle(pilot: Pilot[Any], rounds: int = 30) -> None:
    """Wait for workers (which start more workers) and the messages they post."""
    app = pilot.app
    for _ in range(rounds):
        busy = [worker for worker in app.workers if not worker.is_finished]
        # Cancelled exclusive workers raise from wait(); they are done all the same.
        await asyncio.gather(*(worker.wait() for worker in busy), return_exceptions=True)
        await pilot.pause()
        if not busy and not any(not worker.is_finished for worker in app.workers):
            await pilot.pause()
            return
    raise AssertionError("the app did not settle")


def shown_rows(table: TicketTable) -> list[QueueRow]:
    """The rows visible on screen (all loaded, or the test fails)."""
    top = int(table.scroll_offset.y)
    rows = []
    for index in range(top, min(top + table.size.height - 1, table.total)):
        row = table.row_at(index)
        assert row is not None, f"row {index} is not loaded"
        rows.append(row)
    return rows


def line_text(table: TicketTable, index: int) -> str:
    """The text the table draws for row index (which must be on screen)."""
    return table.render_line(index - int(table.scroll_offset.y) + 1).text


def shown_conversation(screen: Screen[Any]) -> str:
    """The conversation as it is drawn on screen now, one line per row."""
    conversation = screen.query_one(Conversation)
    region = Region(0, 0, conversation.size.width, conversation.size.height)
    return "\n".join(strip.text.rstrip() for strip in conversation.render_lines(region))


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Press keys as a fast typist or a terminal's read buffer delivers them: every key event
    is queued before the app handles the first (pilot.press waits for idle after each)."""
    import unicodedata

    from textual import events
    from textual.keys import _character_to_key, _get_unicode_name_from_key

    app = pilot.app
    driver = app._driver
    assert driver is not None
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(key))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
    await pilot.pause()


def pass_verification(settings: Any, ticket_id: int, at: Any) -> None:
    """A passed identity verification on the ticket, written to the profile's store before
    the app opens it (replies and resolves wait for one: the default verification policy)."""
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store
    from tests.store.factory import verified

    store = open_store(settings.db_path, load_sla_policy())
    try:
        verified(store, ticket_id, at)
    finally:
        store.close()


async def open_ticket_screen(
    app: Any, pilot: Pilot[Any], ticket_id: int, *, workspace: bool = False
) -> TicketScreen:
    """The queue opens the ticket and the app is quiet again: its screen, checked to be the
    ticket screen (workspace: with its workspace loaded)."""
    await settle(pilot)
    await app.queue_screen.open_ticket(ticket_id)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, TicketScreen)
    assert screen.workspace is not None or not workspace
    return screen
