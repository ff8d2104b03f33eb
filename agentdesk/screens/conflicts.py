"""Sync conflicts: the same field changed here and in the helpdesk. Resolve each by hand.

One row per open conflict with both values and who changed it remotely. Keep mine, take
theirs, or edit a third value; the desk does the rest (agentdesk.desk.conflicts). The queue
opens it (C, or the command palette).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from agentdesk.core.errors import agent_message
from agentdesk.desk import conflicts as desk_conflicts
from agentdesk.desk.base import Desk
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.literal import literal

if TYPE_CHECKING:
    from agentdesk.desk.conflicts import Conflict

COLUMNS = ("Ticket", "Field", "Was", "Mine", "Theirs", "Changed by", "When")


def _value(field: str, value: str | None) -> Text:
    """A cell that is never markup: DataTable would parse a plain str as markup."""
    if field == "assignee" and not value:
        return Text("unassigned")
    return Text(literal(value or "—"))


class ConflictsScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "resolve('kept_mine')", "Keep mine", id="conflicts.keep_mine"),
        Binding("t", "resolve('took_theirs')", "Take theirs", id="conflicts.take_theirs"),
        Binding("e", "edit", "Edit value", id="conflicts.edit"),
        Binding("escape", "back", "Back", id="conflicts.back"),
    ]

    @dataclass
    class Loaded(Message):
        conflicts: list[Conflict]

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.conflicts: list[Conflict] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(" Sync conflicts"), id="conflicts-title")
        yield Static(
            Content("Both you and someone in the helpdesk changed these fields. Nothing is lost."),
            id="conflicts-help",
        )
        table: DataTable[str] = DataTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Input(placeholder="New value, then Enter (Esc cancels)", id="conflict-edit")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#conflicts").focus()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="conflicts")
    def _load(self) -> None:
        try:
            conflicts = desk_conflicts.list_conflicts(self.desk)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Loaded(conflicts))

    def on_conflicts_screen_loaded(self, message: Loaded) -> None:
        self.conflicts = message.conflicts
        table: DataTable[str | Text] = self.query_one("#conflicts", DataTable)
        table.clear()
        for conflict in message.conflicts:
            table.add_row(
                f"#{conflict.ticket_id}",
                conflict.field,
                _value(conflict.field, conflict.base_value),
                _value(conflict.field, conflict.local_value),
                _value(conflict.field, conflict.remote_value),
                Text(literal(conflict.remote_actor or "someone")),
                conflict.remote_at.strftime("%d %b %H:%M") if conflict.remote_at else "—",
                key=str(conflict.id),
            )
        title = f" Sync conflicts: {len(message.conflicts)} open"
        self.query_one("#conflicts-title", Static).update(Content(title))

    def on_conflicts_screen_failed(self, message: Failed) -> None:
        self.notify(message.error, title="Conflicts", severity="error", markup=False)

    def _selected(self) -> Conflict | None:
        table = self.query_one("#conflicts", DataTable)
        if not self.conflicts or table.cursor_row >= len(self.conflicts):
            return None
        return self.conflicts[table.cursor_row]

    def action_resolve(self, how: str) -> None:
        conflict = self._selected()
        if conflict is not None:
            self._resolve(conflict.id, how, None)

    def action_edit(self) -> None:
        if self._selected() is None:
            return
        edit = self.query_one("#conflict-edit", Input)
        edit.add_class("editing")
        edit.value = ""
        edit.focus()

    def action_back(self) -> None:
        edit = self.query_one("#conflict-edit", Input)
        if edit.has_class("editing"):
            edit.remove_class("editing")
            self.query_one("#conflicts").focus()
            return
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        conflict = self._selected()
        event.input.remove_class("editing")
        self.query_one("#conflicts").focus()
        if conflict is not None and event.value.strip():
            self._resolve(conflict.id, "edited", event.value)

    @work(thread=True, exit_on_error=False, group="conflicts-resolve")
    def _resolve(self, conflict_id: int, how: str, value: str | None) -> None:
        try:
            desk_conflicts.resolve_conflict(self.desk, conflict_id, how, value)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self._load()
