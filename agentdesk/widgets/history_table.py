"""The ticket's audit history, newest first, in words (core.history): names, durations,
readable times."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from agentdesk.core.history import People, describe, format_moment
from agentdesk.store.rows import AuditLine
from agentdesk.widgets.literal import literal

COLUMNS = ("When", "Who", "Action", "Field", "Old", "New")


class HistoryTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.add_columns(*COLUMNS)

    def show(self, audit: Sequence[AuditLine], people: People | None = None) -> None:
        """audit: oldest first, as the store reads it; people names the agents in it."""
        self.clear()
        for line in reversed(audit):
            entry = describe(
                at=line.at,
                actor=line.actor,
                action=line.action,
                field=line.field,
                old=line.old_value,
                new=line.new_value,
                people=people or People(),
            )
            self.add_row(
                Text(format_moment(entry.at)),
                Text(literal(entry.who)),
                Text(literal(entry.action)),
                Text(literal(entry.field)),
                Text(literal(entry.old or "—")),
                Text(literal(entry.new or "—")),
            )
