"""Opening a ticket with 500 conversation entries. Target: under 150 ms.

Two figures, medians of several runs on a fresh store:
  (a) the read: everything the ticket screen shows (ticket, conversation, note, tags,
      attachments, audit, drafts) in one transaction, as the screen's worker does;
  (b) the whole open in a headless app: push the screen until the conversation is mounted
      (the newest 100 entries; older ones load on request).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import NOW, median_ms
from agentdesk.config import demo_settings
from agentdesk.core.ticket import MessageKind
from agentdesk.session import open_session
from agentdesk.store.types import to_db

ENTRIES = 500
RUNS = 9
TICKET = 1


def add_entries(db: Path, ticket_id: int, count: int) -> None:
    import sqlite3

    kinds = [MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.INTERNAL_NOTE]
    with sqlite3.connect(db) as connection:
        have = connection.execute(
            "SELECT count(*) FROM messages WHERE ticket_id = ?", (ticket_id,)
        ).fetchone()[0]
        rows = [
            (
                ticket_id,
                kinds[n % 3].value,
                "Amara Okafor" if n % 3 else "Maria Garcia",
                None,
                f"Entry {n}: " + "a sentence of a real conversation, " * 4,
                to_db(NOW - timedelta(minutes=count - n)),
            )
            for n in range(count - have)
        ]
        connection.executemany(
            "INSERT INTO messages (ticket_id, kind, author, agent_id, body, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="agentdesk-bench-ticket-"))
    settings = demo_settings(folder, tickets=200, seed=3)
    session = open_session(settings, NOW)
    add_entries(settings.db_path, TICKET, ENTRIES)

    from agentdesk.store.workspace import ticket_workspace

    reads: list[float] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        with session.store.read() as connection:
            workspace = ticket_workspace(connection, TICKET)
        reads.append(time.perf_counter() - started)
    assert workspace is not None
    session.store.close()
    print(f"ticket #{TICKET} with {len(workspace.detail.messages)} conversation entries")
    print(f"  (a) read for the screen: median {median_ms(reads)}  (target < 150 ms)")
    opens, empty = asyncio.run(open_in_app(settings))
    print(f"  (b) open in a headless app, conversation mounted: median {median_ms(opens)}")
    print(f"      (the same harness pushing an empty screen with a footer: {median_ms(empty)})")


async def open_in_app(settings) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    from textual.screen import Screen
    from textual.widgets import Footer, Static

    from agentdesk.app import make_app
    from agentdesk.screens.ticket import TicketScreen

    class Empty(Screen[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("empty")
            yield Footer()

    app = make_app(settings, clock=lambda: NOW)
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        while app.session is None:
            await pilot.pause(0.05)
        for _ in range(RUNS):
            started = time.perf_counter()
            screen = TicketScreen(app.session, TICKET, app.clock)
            app.push_screen(screen)
            while screen.workspace is None or not screen.query("MessageCard"):
                await asyncio.sleep(0.001)
            await pilot.pause()
            samples.append(time.perf_counter() - started)
            app.pop_screen()
            await pilot.pause()
        baseline: list[float] = []
        for _ in range(RUNS):
            started = time.perf_counter()
            app.push_screen(Empty())
            await pilot.pause()
            baseline.append(time.perf_counter() - started)
            app.pop_screen()
            await pilot.pause()
    return samples, baseline


if __name__ == "__main__":
    main()
