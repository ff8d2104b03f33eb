"""A problem the agent must read before going on, e.g. a store that cannot be opened."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ErrorScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close", id="error.close"),
    ]

    def __init__(self, title: str, message: str, *, button: str = "Quit") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.button = button

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog"):
            yield Static(Content(self.title_text), id="error-title")
            # The message names files and paths: shown as written, never as markup.
            yield Static(Content(self.message), id="error-message")
            yield Button(self.button, variant="error", id="error-close")

    def on_mount(self) -> None:
        self.query_one("#error-close").focus()

    @on(Button.Pressed, "#error-close")
    def action_close(self) -> None:
        self.dismiss(None)
