"""The conflicts screen on its own (the queue opens it with C): list, keep, take, edit."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from sqlalchemy import text
from textual.app import App
from textual.widgets import DataTable, Input

from agentdesk.core.ticket import Priority, Tier
from agentdesk.desk import Desk
from agentdesk.screens.conflicts import ConflictsScreen
from agentdesk.session import Session
from agentdesk.store.conflicts import record_conflict
from agentdesk.store.rows import AgentRow
from tests.conftest import FIXED_NOW
from tests.store.factory import add_people, add_ticket
from tests.ui.pilot_tools import settle


class Host(App[None]):
    def __init__(self, screen: ConflictsScreen) -> None:
        super().__init__()
        self.conflicts = screen

    def on_mount(self) -> None:
        self.push_screen(self.conflicts)


def _conflicts(store) -> None:
    add_people(store, FIXED_NOW)
    for ticket_id, (field, base, mine, theirs) in enumerate(
        [
            ("priority", "P2", "P3", "P0"),
            ("status", "new", "assigned", "pending"),
            ("priority", "P2", "P1", "P4"),
        ],
        start=1,
    ):
        add_ticket(
            store, ticket_id, created_at=FIXED_NOW - timedelta(hours=1), priority=Priority.P3
        )
        with store.write() as connection:
            record_conflict(
                connection,
                ticket_id=ticket_id,
                outbox_id=None,
                field=field,
                base_value=base,
                local_value=mine,
                remote_value=theirs,
                remote_actor="li.wei[b]\x1b[31m",
                remote_at=FIXED_NOW,
                now=FIXED_NOW,
            )


def _states(store) -> list[tuple[str, str | None]]:
    with store.read() as connection:
        rows = connection.execute(
            text("SELECT state, resolved_value FROM sync_conflicts ORDER BY id")
        ).all()
    return [tuple(row) for row in rows]


async def test_the_agent_resolves_each_conflict_by_keyboard(store) -> None:
    _conflicts(store)
    agent = AgentRow(id=1, handle="amara.okafor", name="Amara Okafor", tier=Tier.L1)
    session = Session(settings=None, store=store, agent=agent)  # type: ignore[arg-type]
    screen = ConflictsScreen(Desk(session, lambda: FIXED_NOW))
    app = Host(screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = screen.query_one("#conflicts", DataTable)
        assert table.row_count == 3
        cells = table.get_row_at(0)
        # Rich Text, not str: DataTable would parse a str as markup.
        assert all(isinstance(cell, Text) for cell in cells[2:6])
        first = [str(cell) for cell in cells]
        assert first[:5] == ["#1", "priority", "P2", "P3", "P0"]
        # Remote text shown literally, never markup; the store dropped the escape sequence.
        assert first[5] == "li.wei[b]"
        await pilot.press("t")  # take theirs on ticket 1
        await settle(pilot)
        assert table.row_count == 2
        await pilot.press("m")  # keep mine on ticket 2 (now the first row)
        await settle(pilot)
        await pilot.press("e")
        edit = screen.query_one("#conflict-edit", Input)
        assert edit.has_focus
        await pilot.press(*"P9", "enter")
        await settle(pilot)
        assert table.row_count == 1  # a bad value is refused and the conflict stays open
        await pilot.press("e", *"P2", "enter")
        await settle(pilot)
        assert table.row_count == 0
    assert _states(store) == [
        ("took_theirs", "P0"),
        ("kept_mine", "assigned"),
        ("edited", "P2"),
    ]
    with store.read() as connection:
        rows = connection.execute(text("SELECT id, priority, status FROM tickets ORDER BY id"))
        assert [tuple(r) for r in rows] == [
            (1, "P0", "new"),
            (2, "P3", "assigned"),
            (3, "P2", "new"),
        ]
        ops = connection.execute(text("SELECT ticket_id, op FROM outbox ORDER BY id")).all()
    assert [tuple(op) for op in ops] == [(2, "resolve_conflict"), (3, "resolve_conflict")]
