"""The ticket screen's macro keys: m opens the picker; a canned response goes into the
composer as a reply draft, a macro is applied in one transaction (desk.macros.apply_macro),
u undoes the last macro. A part of TicketScreen (its base), kept in a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import Screen

from agentdesk.core.ticket import MessageKind
from agentdesk.store.workspace_rows import COMPOSER
from agentdesk.widgets.composer import Composer

if TYPE_CHECKING:
    from agentdesk.desk import Desk
    from agentdesk.screens.macro_picker import MacroChoice


class TicketMacros(Screen[None]):
    desk: Desk
    ticket_id: int
    last_refusal: str

    @dataclass
    class MacroWritten(Message):
        """A macro was applied or undone: say so and show the ticket afresh."""

        notice: str

    @property
    def composer(self) -> Composer:
        return self.query_one("#composer", Composer)

    # TicketScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def action_show_tab(self, tab: str) -> None: ...

        def _save_draft(self, slot: str, mode: str, body: str) -> None: ...

        def _run(
            self, job: Callable[[], Message | None], *, group: str, exclusive: bool = False
        ) -> None: ...

        def _load(self, *, reset_note: bool = False) -> None: ...

    # The macro keys

    def action_macros(self) -> None:
        self.open_macro_picker("")

    def open_macro_picker(self, query: str) -> None:
        from agentdesk.screens.macro_picker import MacroPicker

        self.app.push_screen(MacroPicker(self.desk, self.ticket_id, query=query), self._chosen)

    def _chosen(self, choice: MacroChoice | None) -> None:
        if choice is None:
            return
        if choice.macro.is_macro:
            self._apply_macro(choice)
        else:
            self.insert_canned(choice)

    def insert_canned(self, choice: MacroChoice) -> None:
        """Put a canned response into the composer as a reply (after any draft there): the
        agent reads it, edits it and sends it with the composer's own keys."""
        from agentdesk.core.macros import render

        text = render(choice.macro.body, choice.values).text
        self.action_show_tab("tab-conversation")
        composer = self.composer
        if not composer.add_reply(text):
            # Switching it to a reply would send the agents-only text to the customer.
            self.notify(
                "The composer holds an internal note: send or clear it first.",
                title="Not inserted",
                severity="warning",
            )
            composer.text_area.focus()
            return
        self._save_draft(COMPOSER, MessageKind.REPLY.value, composer.text)
        composer.text_area.focus()
        self._record_use(choice.macro.id)

    def _apply_macro(self, choice: MacroChoice) -> None:
        from agentdesk.desk.macros import apply_macro

        def job() -> TicketMacros.MacroWritten:
            apply_macro(self.desk, self.ticket_id, choice.macro, choice.values)
            return self.MacroWritten(f"Applied {choice.macro.title!r}. u undoes it.")

        self._run(job, group="ticket-macro", exclusive=True)

    def action_undo_macro(self) -> None:
        from agentdesk.desk.macros import macro_title, undo_last_macro

        def job() -> TicketMacros.MacroWritten:
            undone = undo_last_macro(self.desk, self.ticket_id)
            title = macro_title(self.desk, undone.macro_id)
            return self.MacroWritten(f"Undid the macro {title!r}.")

        self._run(job, group="ticket-macro", exclusive=True)

    def _record_use(self, macro_id: str) -> None:
        from agentdesk.desk.macros import record_use

        self._run(partial(record_use, self.desk, macro_id), group="macro-usage")

    def on_ticket_macros_macro_written(self, message: MacroWritten) -> None:
        self.last_refusal = ""
        self.notify(message.notice, title=f"#{self.ticket_id}", markup=False)
        # A macro or an undo may have written or withdrawn the structured note.
        self._load(reset_note=True)
