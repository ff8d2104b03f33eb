"""The ticket screen's composer and structured note: sending (ctrl+s), saving the note,
the tags, every draft saved as it is typed, and the outside editor. A part of TicketScreen
(its base), kept in a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import on

from agentdesk.core.changes import ChangePlan
from agentdesk.core.note_template import StructuredNote, Tag
from agentdesk.desk import Desk
from agentdesk.desk import ticket_work as work_on
from agentdesk.screens.ticket_macros import TicketMacros
from agentdesk.store.workspace_rows import COMPOSER, NOTE
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.conversation import Conversation
from agentdesk.widgets.note_form import NoteForm


class TicketDrafts(TicketMacros):
    desk: Desk
    ticket_id: int

    # TicketScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def change(self, job: Callable[..., ChangePlan], *args: object) -> None: ...

        def _note(self) -> StructuredNote | None: ...

        @property
        def note_form(self) -> NoteForm | None: ...

        async def ensure_note_form(self) -> NoteForm: ...

    async def action_tags(self) -> None:
        form = await self.ensure_note_form()
        self.action_show_tab("tab-note")
        field = form.field(Tag.PRODUCT_AREA.value)
        field.focus()
        form.scroll_to_widget(field, animate=False)

    def action_save_note(self) -> None:
        note = self._note()
        if note is not None:
            self.change(work_on.save_note, self.ticket_id, note)

    @on(NoteForm.SaveWanted)
    def _save_note_wanted(self) -> None:
        self.action_save_note()

    @on(Composer.Send)
    def _send(self, message: Composer.Send) -> None:
        # Back to the conversation: the keys after ctrl+s are commands (d resolves).
        self.set_focus(self.query_one(Conversation))
        self.change(work_on.send_message, self.ticket_id, message.mode, message.body)

    @on(Composer.Left)
    def _composer_left(self) -> None:
        self.query_one(Conversation).focus()

    @on(Composer.DraftChanged)
    def _composer_draft(self, message: Composer.DraftChanged) -> None:
        self._save_draft(COMPOSER, message.mode.value, message.body)

    @on(NoteForm.DraftChanged)
    def _note_draft(self, message: NoteForm.DraftChanged) -> None:
        self._save_draft(NOTE, "", message.body)

    def _save_draft(self, slot: str, mode: str, body: str) -> None:
        # On the app: a draft saved while the agent leaves the ticket must still land.
        save = partial(
            work_on.save_draft, self.desk, self.ticket_id, slot, mode, body, at=self.desk.now()
        )
        self.app.run_worker(
            save, thread=True, group=f"draft-{self.ticket_id}-{slot}", exit_on_error=False
        )

    def _flush_drafts(self) -> None:
        self.composer.flush_draft()
        form = self.note_form
        if form is not None:
            form.flush_draft()

    @on(Composer.EditorWanted)
    def _edit_outside(self, message: Composer.EditorWanted) -> None:
        from agentdesk.screens.editor_handoff import edit_outside

        text = edit_outside(self.app, message.body, prefix=f"agentdesk-{self.ticket_id}-")
        if text is None:
            return
        self.composer.load(message.mode, text)
        self._save_draft(COMPOSER, message.mode.value, self.composer.text)
        self.composer.text_area.focus()
