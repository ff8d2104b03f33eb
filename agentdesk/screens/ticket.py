"""The ticket workspace: header with every SLA clock, the conversation and the composer, the
structured note, attachments and the audit history; every lifecycle action on one key.

Macros: `m` opens the picker; a canned response goes into the composer as a reply draft, a
macro is applied in one transaction (desk.macros.apply_macro), `u` undoes the last macro.

The screen asks the desk for everything: reads and writes run in thread workers that call
agentdesk.desk and post messages. Which keys are open comes from core.actions (the answer
plan_change agrees with); a refusal is shown where it applies (a missing note section under
its field, with focus on it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input, Static, TextArea

from agentdesk.core.actions import Action
from agentdesk.core.changes import ChangePlan, PendingReason
from agentdesk.core.errors import Refused as RefusedError
from agentdesk.core.errors import agent_message
from agentdesk.core.note_template import Section, StructuredNote, Tag, Taxonomy
from agentdesk.core.ticket import MessageKind, Priority, Tier
from agentdesk.core.verification import VerificationStatus
from agentdesk.desk import Desk
from agentdesk.desk import ticket_work as work_on
from agentdesk.desk.ticket_work import OpenedTicket
from agentdesk.screens.ticket_commands import TicketCommands
from agentdesk.screens.ticket_keys import ticket_bindings
from agentdesk.screens.verify import describe_status
from agentdesk.store.workspace_rows import COMPOSER, NOTE, TicketWorkspace
from agentdesk.widgets.attachment_table import AttachmentTable
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.conversation import Conversation, Entry
from agentdesk.widgets.customer_panel import CustomerPanel
from agentdesk.widgets.history_table import HistoryTable
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.note_form import NoteForm, note_from_json
from agentdesk.widgets.sla_clocks import SlaClocks
from agentdesk.widgets.tab_strip import TabStrip
from agentdesk.widgets.ticket_header import TicketHeader

if TYPE_CHECKING:
    from agentdesk.screens.macro_picker import MacroChoice
    from agentdesk.session import Session

_TABS = {
    "tab-conversation": "Conversation",
    "tab-note": "Note",
    "tab-attachments": "Attachments",
    "tab-history": "History",
}


class TicketScreen(Screen[None]):
    COMMANDS = {TicketCommands}
    # The customer panel needs room: beside the conversation from 100 columns.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = ticket_bindings()

    @dataclass
    class Loaded(Message):
        workspace: TicketWorkspace
        taxonomy: Taxonomy
        reset_composer: bool
        reset_note: bool

    @dataclass
    class Failed(Message):
        error: str

    @dataclass
    class Pulled(Message):
        """A sync run brought this ticket new messages (posted by the queue screen)."""

        ticket_id: int

    @dataclass
    class Applied(Message):
        action: str
        wrote_message: bool
        wrote_note: bool

    @dataclass
    class Refused(Message):
        error: str
        missing: tuple[str, ...] = ()

        @classmethod
        def of(cls, error: Exception) -> TicketScreen.Refused:
            """What the agent reads for a failed desk call (and which note fields to show)."""
            missing = error.missing if isinstance(error, RefusedError) else ()
            return cls(agent_message(error), missing)

    @dataclass
    class MacroWritten(Message):
        """A macro was applied or undone: say so and show the ticket afresh."""

        notice: str

    def __init__(
        self, session: Session, opened: OpenedTicket, clock: Callable[[], datetime]
    ) -> None:
        """opened: the ticket as desk.ticket_work.read_ticket read it. The opener reads before
        it pushes the screen, so the first frame already shows the ticket; the screen
        re-reads after each change."""
        super().__init__()
        self.session = session
        self.clock = clock
        self.desk = Desk(session, clock)
        self.ticket_id = opened.workspace.detail.id
        self.workspace = opened.workspace
        self.taxonomy = opened.taxonomy
        self.escalation = opened.escalation
        self.last_refusal = ""
        self._allowed: tuple[TicketWorkspace, dict[Action, str | None]] | None = None

    # Layout

    def compose(self) -> ComposeResult:
        policy = work_on.sla_policy(self.desk)
        yield TicketHeader(self.ticket_id, policy, self.clock, id="ticket-head")
        yield TabStrip(list(_TABS.items()), id="ticket-tabs")
        # Only the conversation is built now; the other tabs when first shown.
        with ContentSwitcher(id="ticket-panes", initial="tab-conversation"):
            with Vertical(id="tab-conversation"):
                with Horizontal(id="conversation-row"):
                    yield Conversation(id="conversation")
                    yield CustomerPanel(id="customer-panel")
                yield Composer(id="composer")
            with Vertical(id="tab-note"):
                yield Static(Content("Loading the note…"), id="note-loading")
            yield Vertical(id="tab-attachments")
            yield Vertical(id="tab-history")
        yield KeyBar()

    async def on_mount(self) -> None:
        # Textual sets the breakpoint class on the first Resize, after the first layout;
        # set it now, so the first frame is laid out once and for the right width.
        width = self.app.size.width
        active = [name for bound, name in self.HORIZONTAL_BREAKPOINTS if width >= bound][-1]
        self.update_classes({name: name == active for _, name in self.HORIZONTAL_BREAKPOINTS})
        self.set_focus(self.query_one(Conversation))
        await self._show_loaded(self.Loaded(self.workspace, self.taxonomy, True, True))

    async def ready(self) -> None:
        """Wait (a second at most) until the screen takes typing: its composer is mounted."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.composer.ready.wait(), timeout=1.0)

    @property
    def composer(self) -> Composer:
        return self.query_one("#composer", Composer)

    @property
    def note_form(self) -> NoteForm | None:
        forms = self.query(NoteForm)
        return forms.first() if forms else None

    # Reading

    def _load(self, *, reset_note: bool = False) -> None:
        """Read the ticket again after a change (the composer keeps what is being typed)."""
        self._load_worker(self.ticket_id, reset_note)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-load")
    def _load_worker(self, ticket_id: int, reset_note: bool) -> None:
        try:
            opened = work_on.read_ticket(self.desk, ticket_id)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        if opened is None:
            self.post_message(self.Failed(f"ticket #{ticket_id} is not in this store"))
        else:
            self.post_message(self.Loaded(opened.workspace, opened.taxonomy, False, reset_note))

    def on_ticket_screen_pulled(self, message: Pulled) -> None:
        if message.ticket_id == self.ticket_id:
            self._load()  # the composer and the note form keep what is being typed

    def on_ticket_screen_failed(self, message: Failed) -> None:
        # The screen keeps showing the last good read.
        self.notify(
            f"Could not read the ticket again: {message.error}",
            title=f"#{self.ticket_id}",
            severity="error",
            markup=False,
        )

    async def on_ticket_screen_loaded(self, message: Loaded) -> None:
        # One layout pass for the whole update, not one per widget touched.
        with self.app.batch_update():
            await self._show_loaded(message)

    async def _show_loaded(self, message: Loaded) -> None:
        workspace = self.workspace = message.workspace
        self.taxonomy = message.taxonomy
        header = self.query_one(TicketHeader)
        verification = describe_status(self.verification())
        header.show(workspace, verification)
        self._show_banner()
        self.query_one(SlaClocks).show(workspace.snapshot)
        detail = workspace.detail
        self.query_one(CustomerPanel).show(
            detail.customer_name,
            detail.account_id,
            detail.customer_email,
            workspace.payment_method,
            verification=verification,
            demo_answers=work_on.demo_answers(self.desk, detail.account_id),
        )
        self._show_conversation()
        if message.reset_composer:
            draft = workspace.drafts.get(COMPOSER)
            if draft is not None:
                self.composer.load(MessageKind(draft.mode or "reply"), draft.body)
            else:
                self.composer.clear()
        if self.note_form is not None:
            await self._show_note(workspace, reset=message.reset_note)
        self._show_attachments(workspace)
        self._show_history(workspace)
        self.refresh_bindings()

    def _show_banner(self) -> None:
        self.query_one(TicketHeader).show_banner(self.workspace.quality_flag, self.last_refusal)

    def _show_conversation(self) -> None:
        messages = self.workspace.detail.messages
        note_ids = self.workspace.note_message_ids
        self.query_one(Conversation).show([Entry(m, m.id in note_ids) for m in messages])
        count = len(messages)
        self.query_one(TabStrip).set_label(
            "tab-conversation", f"Conversation ({count})" if count else "Conversation"
        )

    async def ensure_note_form(self) -> NoteForm:
        """The note form, mounted on first use: it is the heaviest part of the screen, and
        most visits to a ticket never open it."""
        form = self.note_form
        if form is None:
            pane = self.query_one("#tab-note", Vertical)
            await pane.query_one("#note-loading").remove()
            form = NoteForm(self.taxonomy, id="note-form")
            await pane.mount(form)
            await self._show_note(self.workspace, reset=True)
        return form

    @on(TabStrip.Activated, "#ticket-tabs")
    async def _tab_shown(self, message: TabStrip.Activated) -> None:
        self.query_one(ContentSwitcher).current = message.tab
        if message.tab == "tab-note":
            await self.ensure_note_form()
        elif message.tab == "tab-attachments":
            if not self.query(AttachmentTable):
                await self.query_one("#tab-attachments").mount(
                    AttachmentTable(id="attachments-table")
                )
            self._show_attachments(self.workspace)
        elif message.tab == "tab-history":
            if not self.query(HistoryTable):
                await self.query_one("#tab-history").mount(HistoryTable(id="history-table"))
            self._show_history(self.workspace)

    async def _show_note(self, workspace: TicketWorkspace, reset: bool) -> None:
        form = self.note_form
        if form is None:
            return
        deadline = work_on.note_deadline(self.desk, workspace.snapshot)
        if not reset:
            form.stored = workspace.note
            form.show_deadline(deadline)
            return
        note = self._saved_note(workspace)
        detail = workspace.detail
        suggested = {
            Tag.PRODUCT_AREA: detail.product_area,
            Tag.ISSUE_TYPE: detail.issue_type,
            Tag.PRIORITY: detail.priority.value,
            Tag.CHANNEL: detail.channel.value,
        }
        form.load(note, stored=workspace.note, suggested_tags=suggested, deadline=deadline)

    @staticmethod
    def _saved_note(workspace: TicketWorkspace) -> StructuredNote | None:
        """The note as the agent left it: the draft if there is one, else the stored note."""
        draft = workspace.drafts.get(NOTE)
        return note_from_json(draft.body) if draft is not None else workspace.note

    def _show_attachments(self, workspace: TicketWorkspace) -> None:
        count = len(workspace.attachments)
        self.query_one(TabStrip).set_label(
            "tab-attachments", f"Attachments ({count})" if count else "Attachments"
        )
        for table in self.query(AttachmentTable):
            table.show(workspace.attachments)

    def _show_history(self, workspace: TicketWorkspace) -> None:
        for table in self.query(HistoryTable):
            table.show(workspace.audit)

    # Changes

    def verification(self) -> VerificationStatus:
        """Where identity verification stands for this interaction, now."""
        return work_on.verification_now(self.desk, self.workspace.snapshot)

    def change(self, job: Callable[[Desk], ChangePlan]) -> None:
        """Run a desk change (the core's rules, the store's one write path) in a worker."""
        self._change_worker(job)

    @work(thread=True, exit_on_error=False, group="ticket-change")
    def _change_worker(self, job: Callable[[Desk], ChangePlan]) -> None:
        try:
            plan = job(self.desk)
        except Exception as error:
            self.post_message(self.Refused.of(error))
            return
        self.post_message(
            self.Applied(plan.outbox_op, plan.message is not None, plan.note is not None)
        )

    def on_ticket_screen_applied(self, message: Applied) -> None:
        self.last_refusal = ""
        if message.action == "start" and not self.verification().verified:
            # The SOP: identify and authenticate before anything else.
            self.call_after_refresh(self.action_verify)
        self.notify(f"Done: {message.action.replace('_', ' ')}", title=f"#{self.ticket_id}")
        if message.wrote_message:
            self.composer.clear()
        self._load(reset_note=message.wrote_note)

    async def on_ticket_screen_refused(self, message: Refused) -> None:
        self.last_refusal = message.error
        self._show_banner()
        self.notify(message.error, title="Refused", severity="error", markup=False)
        form = await self.ensure_note_form() if message.missing else None
        if form is not None:
            self.action_show_tab("tab-note")
            form.show_missing(message.missing)

    def _note(self) -> StructuredNote | None:
        form = self.note_form
        if form is not None:
            return form.value()
        return self._saved_note(self.workspace)

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "compose":
            action = str(parameters[0]) if parameters else Action.REPLY.value
        if action not in Action.__members__.values():
            return True  # tabs, back: always
        workspace = self.workspace
        if self._allowed is None or self._allowed[0] is not workspace:
            self._allowed = (workspace, work_on.actions_now(self.desk, workspace.snapshot))
        return self._allowed[1][Action(action)] is None

    def action_verify(self) -> None:
        from agentdesk.screens.verify import VerifyScreen

        status = self.verification()
        if status.locked:
            self.notify(
                "Verification is locked after failed attempts: a Level 2 agent must clear it "
                "(L) before the customer can try again.",
                title="Verify",
                severity="warning",
                markup=False,
            )
            return
        screen = VerifyScreen(
            self.session, self.ticket_id, self.workspace.detail.account_id, self.clock
        )
        self.app.push_screen(screen, lambda _status: self._load())

    def action_confirm(self) -> None:
        from agentdesk.screens.confirm import ConfirmScreen

        note = self._note()
        summary = note.text(Section.ISSUE_SUMMARY) if note is not None else ""
        screen = ConfirmScreen(self.session, self.ticket_id, summary, self.clock)
        self.app.push_screen(screen, lambda _done: self._load())

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-change")
    def action_clear_lock(self) -> None:
        from agentdesk.desk.verification import clear_lock

        try:
            clear_lock(self.desk, self.ticket_id)
        except Exception as error:
            self.post_message(self.Refused.of(error))
            return
        self.post_message(self.Applied("clear_verification_lock", False, False))

    def action_back(self) -> None:
        self._flush_drafts()
        self.dismiss(None)

    def action_show_tab(self, tab: str) -> None:
        if tab in _TABS:
            self.query_one(TabStrip).active = tab

    def action_compose(self, mode: str) -> None:
        if isinstance(self.focused, (TextArea, Input)):
            raise SkipAction()  # an r or n typed into a text
        self.action_show_tab("tab-conversation")
        self.composer.start(MessageKind(mode))

    def action_assign_to_me(self) -> None:
        if self.desk.actor.agent_id is None:
            self.notify(work_on.NO_AGENT, severity="warning", markup=False)
            return
        self.change(partial(work_on.assign_to_me, ticket=self.workspace.snapshot))

    def action_start_work(self) -> None:
        self.change(partial(work_on.start_work, ticket=self.workspace.snapshot))

    def action_pend(self) -> None:
        from agentdesk.screens.choice_dialog import ChoiceDialog

        options = [(reason.value, reason.label.capitalize()) for reason in PendingReason]
        self.app.push_screen(
            ChoiceDialog("Pend the ticket: what does it wait on? (pauses the SLA)", options),
            self._pend_chosen,
        )

    def _pend_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is not None:
            reason = PendingReason(chosen[0])
            self.change(
                partial(work_on.pend, ticket_id=self.ticket_id, reason=reason, note=self._note())
            )

    def action_resolve(self) -> None:
        self.change(partial(work_on.resolve, ticket_id=self.ticket_id, note=self._note()))

    def action_reopen(self) -> None:
        self.change(partial(work_on.reopen, ticket_id=self.ticket_id))

    def action_change_priority(self) -> None:
        from agentdesk.screens.choice_dialog import ChoiceDialog

        options = [(p.value, p.value) for p in Priority]
        self.app.push_screen(
            ChoiceDialog(
                "Change the priority",
                options,
                reason="Reason (required)",
                reason_required=True,
                selected=self.workspace.detail.priority.value,
            ),
            self._priority_chosen,
        )

    def _priority_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is not None:
            priority = Priority(chosen[0])
            self.change(
                partial(
                    work_on.change_priority,
                    ticket_id=self.ticket_id,
                    priority=priority,
                    reason=chosen[1],
                )
            )

    def action_escalate(self) -> None:
        from agentdesk.screens.choice_dialog import ChoiceDialog

        matrix = self.escalation
        options = [
            (tier.value, f"{tier.value}: {matrix.handles[tier]}")
            for tier in matrix.above(self.workspace.detail.tier)
        ]
        if not options:
            self.notify("The ticket is already with L3.", severity="warning")
            return
        self.app.push_screen(
            ChoiceDialog(
                "Escalate the ticket",
                options,
                reason="Reason (required; the receiving team reads it)",
                reason_required=True,
            ),
            self._escalation_chosen,
        )

    def _escalation_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is not None:
            tier, reason = Tier(chosen[0]), chosen[1]
            self.change(
                partial(
                    work_on.escalate,
                    ticket_id=self.ticket_id,
                    tier=tier,
                    reason=reason,
                    note=self._note(),
                )
            )

    async def action_tags(self) -> None:
        form = await self.ensure_note_form()
        self.action_show_tab("tab-note")
        field = form.field(Tag.PRODUCT_AREA.value)
        field.focus()
        form.scroll_to_widget(field, animate=False)

    def action_save_note(self) -> None:
        note = self._note()
        if note is not None:
            self.change(partial(work_on.save_note, ticket_id=self.ticket_id, note=note))

    @on(NoteForm.SaveWanted)
    def _save_note_wanted(self) -> None:
        self.action_save_note()

    # Composer

    @on(Composer.Send)
    def _send(self, message: Composer.Send) -> None:
        self.change(
            partial(
                work_on.send_message, ticket_id=self.ticket_id, kind=message.mode, body=message.body
            )
        )

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

    # Attachments

    def action_attach(self) -> None:
        from agentdesk.screens.attach_dialog import AttachDialog

        self.app.push_screen(AttachDialog(), self._attach_chosen)

    def _attach_chosen(self, path: str | None) -> None:
        if path:
            self.attach(path)

    def attach(self, path: str) -> None:
        from agentdesk.desk.attachments import attach_file

        self.change(partial(attach_file, ticket_id=self.ticket_id, typed=path))

    # Macros

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
        draft = composer.text.rstrip()
        if draft and composer.mode is not MessageKind.REPLY:
            # Switching it to a reply would send the agents-only text to the customer.
            self.notify(
                "The composer holds an internal note: send or clear it first.",
                title="Not inserted",
                severity="warning",
            )
            composer.text_area.focus()
            return
        composer.load(MessageKind.REPLY, f"{draft}\n\n{text}" if draft else text)
        self._save_draft(COMPOSER, MessageKind.REPLY.value, composer.text)
        composer.text_area.focus()
        self._record_use(choice.macro.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-macro")
    def _apply_macro(self, choice: MacroChoice) -> None:
        from agentdesk.desk.macros import apply_macro

        try:
            apply_macro(self.desk, self.ticket_id, choice.macro, choice.values)
        except Exception as error:
            self.post_message(self.Refused.of(error))
            return
        self.post_message(self.MacroWritten(f"Applied {choice.macro.title!r}. u undoes it."))

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-macro")
    def action_undo_macro(self) -> None:
        from agentdesk.desk.macros import undo_last_macro

        try:
            undone = undo_last_macro(self.desk, self.ticket_id)
        except Exception as error:
            self.post_message(self.Refused.of(error))
            return
        self.post_message(self.MacroWritten(f"Undid the macro {undone.macro_id}."))

    @work(thread=True, exit_on_error=False, group="macro-usage")
    def _record_use(self, macro_id: str) -> None:
        from agentdesk.desk.macros import record_use

        try:
            record_use(self.desk, macro_id)
        except Exception as error:
            self.post_message(self.Refused.of(error))

    def on_ticket_screen_macro_written(self, message: MacroWritten) -> None:
        self.last_refusal = ""
        self.notify(message.notice, title=f"#{self.ticket_id}", markup=False)
        # A macro or an undo may have written or withdrawn the structured note.
        self._load(reset_note=True)
