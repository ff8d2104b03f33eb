"""How the ticket screen changes its ticket: a desk change (the core's rules, the store's one
write path) runs in a thread worker, and the screen shows what came of it: done, or the
refusal in the banner with a missing note section under its field (or, for the quality check
alone, a question: resolve anyway?). Where verification stands and the note as the agent has
it are read here too. A part of TicketScreen (its base), kept in a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Concatenate, ParamSpec

from textual.message import Message
from textual.screen import Screen

from agentdesk.core.changes import ChangePlan
from agentdesk.core.note_template import Section, StructuredNote, Tag, Taxonomy
from agentdesk.core.verification import VerificationStatus
from agentdesk.desk import Desk
from agentdesk.desk import ticket_work as work_on
from agentdesk.store.workspace_rows import TicketWorkspace
from agentdesk.widgets.ticket_panes import note_as_shown

if TYPE_CHECKING:
    from agentdesk.screens.ticket import TicketScreen
    from agentdesk.widgets.composer import Composer
    from agentdesk.widgets.note_form import NoteForm

P = ParamSpec("P")
NOTE_FIELDS = frozenset([*(s.value for s in Section), *(t.value for t in Tag)])


class TicketChanges(Screen[None]):
    desk: Desk
    ticket_id: int
    workspace: TicketWorkspace
    taxonomy: Taxonomy
    escalation_draft: tuple[str, str] | None
    last_refusal: str
    Applied: ClassVar[type[TicketScreen.Applied]]
    Refused: ClassVar[type[TicketScreen.Refused]]

    # TicketScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        @property
        def composer(self) -> Composer: ...

        @property
        def note_form(self) -> NoteForm | None: ...

        async def ensure_note_form(self) -> NoteForm: ...

        def _load(self, *, reset_note: bool = False) -> None: ...

        def _show_banner(self) -> None: ...

        def action_show_tab(self, tab: str) -> None: ...

        def action_verify(self) -> None: ...

    def verification(self) -> VerificationStatus:
        """Where identity verification stands for this interaction, now."""
        return work_on.verification_now(self.desk, self.workspace.snapshot)

    def change(
        self,
        job: Callable[Concatenate[Desk, P], ChangePlan],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Run a desk change (the core's rules, the store's one write path) in a worker."""
        write = partial(job, self.desk, *args, **kwargs)

        def done() -> TicketScreen.Applied:
            plan = write()
            return self.Applied(plan.outbox_op, plan.message is not None, plan.note is not None)

        self._run(done, group="ticket-change")

    def _run(
        self, job: Callable[[], Message | None], *, group: str, exclusive: bool = False
    ) -> None:
        """A desk call in a thread worker; it posts what job returns, or the refusal."""

        def run() -> None:
            try:
                message = job()
            except Exception as error:
                self.post_message(self.Refused.of(error))
                return
            if message is not None:
                self.post_message(message)

        self.run_worker(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def on_ticket_screen_applied(self, message: TicketScreen.Applied) -> None:
        self.last_refusal = ""
        if message.action == "escalate":
            self.escalation_draft = None
        if message.action == "start" and not self.verification().verified:
            # The SOP: identify and authenticate before anything else.
            self.call_after_refresh(self.action_verify)
        self.notify(f"Done: {message.action.replace('_', ' ')}", title=f"#{self.ticket_id}")
        if message.wrote_message:
            self.composer.clear()
        self._load(reset_note=message.wrote_note)

    async def on_ticket_screen_refused(self, message: TicketScreen.Refused) -> None:
        if message.ask:
            from agentdesk.screens.ticket_dialogs import quality_dialog

            self.app.push_screen(quality_dialog(message.error), self._quality_chosen)
            return
        self.last_refusal = message.error
        self._show_banner()
        error = f"{message.error} ({message.kept})" if message.kept else message.error
        self.notify(error, title="Refused", severity="error", markup=False)
        # The note's own gaps go under their fields (the lock, verification, confirmation
        # and quality check are named in the banner, first).
        fields = tuple(key for key in message.missing if key in NOTE_FIELDS)
        form = await self.ensure_note_form() if fields else None
        if form is not None:
            self.action_show_tab("tab-note")
            form.show_missing(fields)

    def _quality_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is not None and chosen[0] == "resolve":
            self.change(work_on.resolve, self.ticket_id, self._note(), accept_quality=True)

    def _note(self) -> StructuredNote | None:
        form = self.note_form
        if form is not None:
            return form.value()
        return note_as_shown(self.workspace, self.taxonomy)
