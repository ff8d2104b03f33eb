"""A small modal: pick one option and, when the SOP asks for it, give a reason.

Used for pend (what it waits on), change priority and escalate. Returns (option, reason)
or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.widgets.field import Field

Choice = tuple[str, str]


class ChoiceDialog(ModalScreen[Choice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
        Binding("ctrl+s", "confirm", "OK", id="choice.confirm"),
    ]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, str]],
        *,
        reason: str = "",
        reason_required: bool = False,
        selected: str | None = None,
        reason_value: str = "",
        reason_placeholder: str = "Why (goes into the audit trail)",
    ) -> None:
        """options: (value, label). reason: the reason field's label ("" for none);
        reason_value: the reason as typed before (kept after a refusal)."""
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.reason_label = reason
        self.reason_required = reason_required
        self.selected = selected
        self.reason_value = reason_value
        self.reason_placeholder = reason_placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-dialog"):
            yield Static(Content(self.title_text), id="choice-title")
            yield OptionList(
                *(Option(label, id=value) for value, label in self.options), id="choice-options"
            )
            if self.reason_label:
                yield Label(self.reason_label, id="choice-reason-label")
                yield Field(
                    self.reason_value,
                    placeholder=self.reason_placeholder,
                    id="choice-reason",
                )
            yield Static("", id="choice-error")
            with Horizontal(id="choice-buttons"):
                yield Button("OK", variant="primary", id="choice-ok")
                yield Button("Cancel", id="choice-cancel")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        index = 0
        if self.selected is not None:
            ids = [value for value, _ in self.options]
            if self.selected in ids:
                index = ids.index(self.selected)
        options.highlighted = index
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self) -> None:
        if self.reason_label:
            self.query_one("#choice-reason", Input).focus()
        else:
            self.action_confirm()

    @on(Input.Submitted, "#choice-reason")
    @on(Button.Pressed, "#choice-ok")
    def action_confirm(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        reason = ""
        if self.reason_label:
            reason = self.query_one("#choice-reason", Input).value.strip()
            if self.reason_required and not reason:
                self.query_one("#choice-error", Static).update(Content("✗ A reason is required."))
                self.query_one("#choice-reason", Input).focus()
                return
        self.dismiss((option.id or "", reason))

    @on(Button.Pressed, "#choice-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
