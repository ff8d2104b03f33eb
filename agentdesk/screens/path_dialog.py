"""A path prompt that stays open until the path works: attach a file, save one.

The dialog runs `check(typed, again)` in a thread worker: its result closes the dialog, an
agentdesk error is shown under the field and the typed path stays, to be corrected. `again`
is True when the same path is submitted a second time after an error that asks for it
(saving over an existing file: the first Enter says so, the second replaces it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from agentdesk.core.errors import AgentdeskError, agent_message
from agentdesk.widgets.field import Field
from agentdesk.widgets.path_suggester import PathSuggester

T = TypeVar("T")


class AskAgain(AgentdeskError):
    """Raised by a check: the same path submitted again means yes (the message asks)."""


class PathDialog(ModalScreen[T | None], Generic[T]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="path.cancel"),
    ]

    def __init__(
        self,
        check: Callable[[str, bool], T],
        *,
        title: str,
        hint: str,
        ok_label: str,
        placeholder: str = "",
        value: str = "",
    ) -> None:
        super().__init__()
        self.check = check
        self.title_text = title
        self.hint_text = hint
        self.ok_label = ok_label
        self.placeholder = placeholder
        self.initial = value
        self.error = ""
        self._asked: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="path-dialog"):
            yield Static(Content(self.title_text), id="path-title")
            yield Static(Content(self.hint_text), id="path-hint")
            yield Field(
                self.initial,
                placeholder=self.placeholder,
                suggester=PathSuggester(),
                id="path-input",
            )
            yield Static("", id="path-error")
            with Horizontal(id="path-buttons"):
                yield Button(self.ok_label, variant="primary", id="path-ok")
                yield Button("Cancel", id="path-cancel")

    def on_mount(self) -> None:
        self.query_one("#path-input", Input).focus()

    @on(Input.Submitted, "#path-input")
    @on(Button.Pressed, "#path-ok")
    def _submit_path(self) -> None:
        typed = self.query_one("#path-input", Input).value.strip()
        if not typed:
            self._show_error("type a path first")
            return
        again = typed == self._asked
        self.run_worker(
            lambda: self._try(typed, again),
            thread=True,
            group="path-check",
            exclusive=True,
            exit_on_error=False,
        )

    def _try(self, typed: str, again: bool) -> None:
        try:
            result = self.check(typed, again)
        except AskAgain as error:
            self.app.call_from_thread(self._show_error, agent_message(error), typed)
        except AgentdeskError as error:
            self.app.call_from_thread(self._show_error, agent_message(error))
        else:
            self.app.call_from_thread(self.dismiss, result)

    def _show_error(self, message: str, asked: str | None = None) -> None:
        """The error under the field; what was typed stays, with the cursor at its end."""
        self.error = message
        self._asked = asked
        self.query_one("#path-error", Static).update(Content(message))
        self.query_one("#path-input", Input).focus()

    @on(Input.Changed, "#path-input")
    def _edited(self, event: Input.Changed) -> None:
        if self._asked is not None and event.value.strip() != self._asked:
            self._asked = None

    @on(Button.Pressed, "#path-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
