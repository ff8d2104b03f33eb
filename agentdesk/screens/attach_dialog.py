"""Attach a file: a path with completion (→ accepts it). Returns the path typed, or None."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from agentdesk.core.attachments import MAX_ATTACHMENT_BYTES, format_size
from agentdesk.widgets.path_suggester import PathSuggester


class AttachDialog(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="attach.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-dialog"):
            yield Static(Content("Attach a file to the ticket"), id="attach-title")
            yield Static(
                Content(
                    f"Up to {format_size(MAX_ATTACHMENT_BYTES)}. Type a path; → completes it, "
                    "Enter attaches."
                ),
                id="attach-hint",
            )
            yield Input(
                placeholder="~/Downloads/screenshot.png",
                suggester=PathSuggester(),
                id="attach-path",
            )
            with Horizontal(id="attach-buttons"):
                yield Button("Attach", variant="primary", id="attach-ok")
                yield Button("Cancel", id="attach-cancel")

    def on_mount(self) -> None:
        self.query_one("#attach-path", Input).focus()

    @on(Input.Submitted, "#attach-path")
    @on(Button.Pressed, "#attach-ok")
    def _submit_path(self) -> None:
        path = self.query_one("#attach-path", Input).value.strip()
        if path:
            self.dismiss(path)

    @on(Button.Pressed, "#attach-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
