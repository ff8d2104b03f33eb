"""A small modal of labelled text fields (handover, follow-up, wrap-up): returns the values by
field id, or None when cancelled. Required fields are checked here, the rest by the desk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    placeholder: str = ""
    value: str = ""
    required: bool = True


class TextDialog(ModalScreen[dict[str, str] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="text_dialog.cancel"),
        Binding("ctrl+s", "confirm", "OK", id="text_dialog.confirm"),
    ]

    DEFAULT_CSS = """
    TextDialog { align: center middle; }
    #text-dialog { width: 76; max-width: 100%; height: auto; padding: 1 2;
                   background: $panel; border: round $primary; }
    #text-dialog Input { margin-bottom: 1; }
    #text-dialog-error { color: $text-error; height: auto; }
    #text-dialog-buttons { height: auto; align-horizontal: right; }
    """

    def __init__(self, title: str, fields: Sequence[Field]) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)

    def compose(self) -> ComposeResult:
        with Vertical(id="text-dialog"):
            yield Static(Content(self.title_text), id="text-dialog-title")
            for field in self.fields:
                yield Label(field.label)
                yield Input(field.value, placeholder=field.placeholder, id=f"field-{field.id}")
            yield Static("", id="text-dialog-error")
            with Horizontal(id="text-dialog-buttons"):
                yield Button("OK", variant="primary", id="text-dialog-ok")
                yield Button("Cancel", id="text-dialog-cancel")

    def values(self) -> dict[str, str]:
        return {f.id: self.query_one(f"#field-{f.id}", Input).value.strip() for f in self.fields}

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#text-dialog-ok")
    def action_confirm(self) -> None:
        values = self.values()
        empty = [f.label for f in self.fields if f.required and not values[f.id]]
        if empty:
            self.query_one("#text-dialog-error", Static).update(
                Content("Required: " + ", ".join(empty))
            )
            return
        self.dismiss(values)

    @on(Button.Pressed, "#text-dialog-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
