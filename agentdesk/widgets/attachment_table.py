"""The ticket's attachments, one row each; Enter or o opens one, w saves it, x removes it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from agentdesk.core.attachments import format_size
from agentdesk.store.workspace_rows import AttachmentRow
from agentdesk.widgets.conversation import when
from agentdesk.widgets.literal import literal

COLUMNS = ("File", "Type", "Size", "Added by", "When")


class AttachmentTable(DataTable[Text]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "wanted('open')", "Open", id="attachments.open"),
        Binding("w", "wanted('save')", "Save to…", id="attachments.save"),
        Binding("x,delete", "wanted('remove')", "Remove", id="attachments.remove"),
    ]

    @dataclass
    class Wanted(Message):
        """The agent asked to open, save or remove this attachment."""

        what: str
        attachment: AttachmentRow

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.add_columns(*COLUMNS)
        self.rows_shown: dict[str, AttachmentRow] = {}
        self.read_only = False
        """Monitoring mode (issue 15): remove is not offered; open and save are reads."""

    def show(self, rows: Iterable[AttachmentRow]) -> None:
        self.clear()
        self.rows_shown = {}
        for row in rows:
            self.rows_shown[str(row.id)] = row
            self.add_row(
                Text(literal(row.filename)),
                Text(row.mime_type),
                Text(format_size(row.size), justify="right"),
                Text(literal(row.added_by)),
                Text(when(row.added_at)),
                key=str(row.id),
            )

    def current(self) -> AttachmentRow | None:
        if not self.rows_shown or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return self.rows_shown.get(key or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "wanted":
            if self.read_only and parameters == ("remove",):
                return False
            return self.current() is not None
        return True

    def action_wanted(self, what: str) -> None:
        row = self.current()
        if row is not None:
            self.post_message(self.Wanted(what, row))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_wanted("open")
