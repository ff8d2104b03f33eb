"""The ticket's attachments, one row each."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import DataTable

from agentdesk.core.attachments import format_size
from agentdesk.store.workspace_rows import AttachmentRow
from agentdesk.widgets.conversation import when
from agentdesk.widgets.literal import literal

COLUMNS = ("File", "Type", "Size", "Added by", "When")


class AttachmentTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.add_columns(*COLUMNS)

    def show(self, rows: Iterable[AttachmentRow]) -> None:
        self.clear()
        for row in rows:
            self.add_row(
                Text(literal(row.filename)),
                Text(row.mime_type),
                Text(format_size(row.size), justify="right"),
                Text(literal(row.added_by)),
                Text(when(row.added_at)),
                key=str(row.id),
            )
