"""The ticket's audit history, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from agentdesk.store.rows import AuditLine
from agentdesk.widgets.conversation import when
from agentdesk.widgets.literal import literal

COLUMNS = ("When", "Who", "Action", "Field", "Old", "New")


class HistoryTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.add_columns(*COLUMNS)

    def show(self, audit: Sequence[AuditLine]) -> None:
        """audit: oldest first, as the store reads it."""
        self.clear()
        for line in reversed(audit):
            self.add_row(
                Text(when(line.at)),
                Text(literal(line.actor)),
                Text(literal(line.action)),
                Text(literal(line.field)),
                Text(literal(line.old_value or "—")),
                Text(literal(line.new_value or "—")),
            )
