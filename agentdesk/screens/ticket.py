"""The ticket workspace: header with every SLA clock, the conversation and the composer, the
structured note, attachments and the audit history; every lifecycle action on one key.

Macros: `m` opens the picker; a canned response goes into the composer as a reply draft, a
macro is applied in one transaction (store.macros.apply_macro), `u` undoes the last macro.

Reads and writes run in thread workers that post messages. Every change goes through the
core's rules and the store's one write path (store.writes.apply_change); a refusal is shown
where it applies (a missing note section under its field, with focus on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Input, Static, TextArea

from agentdesk.core.attachments import AttachmentRefused, NewAttachment, format_size
from agentdesk.core.changes import (
    ChangeRefused,
    NewMessage,
    NoteIncomplete,
    PendingReason,
    TicketChange,
)
from agentdesk.core.lifecycle import TransitionRefused
from agentdesk.core.note_template import Section, StructuredNote, Tag, Taxonomy, sla_deadline
from agentdesk.core.ticket import MessageKind, Priority, Status, Tier
from agentdesk.core.verification import Factor, VerificationStatus, verification_status
from agentdesk.screens.ticket_commands import TicketCommands
from agentdesk.screens.ticket_io import OpenedTicket, draft_saver, read_attachment, read_ticket
from agentdesk.screens.verify import describe_status
from agentdesk.store.workspace_rows import COMPOSER, NOTE, TicketWorkspace
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.conversation import Conversation, Entry, when
from agentdesk.widgets.customer_panel import CustomerPanel
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.literal import literal
from agentdesk.widgets.note_form import NoteForm, note_from_json
from agentdesk.widgets.sla_clocks import SlaClocks
from agentdesk.widgets.sync_driver import sync_events
from agentdesk.widgets.tab_strip import TabStrip

if TYPE_CHECKING:
    from agentdesk.desk.sync_status import SyncSummary
    from agentdesk.screens.macro_picker import MacroChoice
    from agentdesk.session import Session

_PRIORITY_STYLE = {
    Priority.P0: "bold reverse $text-error",
    Priority.P1: "bold $text-warning",
    Priority.P2: "bold",
    Priority.P3: "$text-muted",
    Priority.P4: "$text-muted",
}

_TABS = {
    "tab-conversation": "Conversation",
    "tab-note": "Note",
    "tab-attachments": "Attachments",
    "tab-history": "History",
}


def _sep() -> tuple[str, str]:
    return ("  ·  ", "$text-muted")


class TicketScreen(Screen[None]):
    COMMANDS = {TicketCommands}
    # The customer panel needs room: beside the conversation from 100 columns.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="ticket.back"),
        # Priority: run as the key arrives, so the keys typed right after it (a burst over
        # a slow link) already go to the composer, not to this screen's other keys.
        Binding("r", "compose('reply')", "Reply", priority=True, id="ticket.reply"),
        Binding(
            "n", "compose('internal_note')", "Int. note", priority=True, id="ticket.internal_note"
        ),
        Binding("a", "assign_to_me", "Assign me", id="ticket.assign_to_me"),
        Binding("s", "start_work", "Start", id="ticket.start_work"),
        Binding("p", "pend", "Pend", id="ticket.pend"),
        Binding("d", "resolve", "Resolve", id="ticket.resolve"),
        Binding("o", "reopen", "Reopen", id="ticket.reopen"),
        Binding("e", "escalate", "Escalate", id="ticket.escalate"),
        Binding("P", "change_priority", "Priority", key_display="P", id="ticket.priority"),
        Binding("t", "tags", "Tags", id="ticket.tags"),
        Binding("f", "attach", "Attach", id="ticket.attach"),
        Binding("m", "macros", "Macros", id="ticket.macros"),
        Binding("u", "undo_macro", "Undo macro", show=False, id="ticket.undo_macro"),
        Binding("v", "verify", "Verify", id="ticket.verify"),
        Binding("c", "confirm", "Confirm", id="ticket.confirm"),
        Binding("L", "clear_lock", "Clear lock", key_display="L", id="ticket.clear_lock"),
        Binding("1", "show_tab('tab-conversation')", "Conversation", show=False, id="ticket.tab1"),
        Binding("2", "show_tab('tab-note')", "Note", show=False, id="ticket.tab2"),
        Binding("3", "show_tab('tab-attachments')", "Attachments", show=False, id="ticket.tab3"),
        Binding("4", "show_tab('tab-history')", "History", show=False, id="ticket.tab4"),
    ]

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
        """A sync run brought this ticket new messages (posted on the app's sync event)."""

        ticket_id: int

    @dataclass
    class Applied(Message):
        action: str
        wrote_message: bool
        wrote_note: bool

    @dataclass
    class AttachmentRead(Message):
        attachment: NewAttachment

    @dataclass
    class Refused(Message):
        error: str
        missing: tuple[str, ...] = ()

    @dataclass
    class MacroWritten(Message):
        """A macro was applied or undone: say so and show the ticket afresh."""

        notice: str

    def __init__(
        self, session: Session, opened: OpenedTicket, clock: Callable[[], datetime]
    ) -> None:
        """opened: the ticket as read_ticket read it. The opener reads before it pushes the
        screen, so the first frame already shows the ticket; the screen re-reads after
        each change."""
        super().__init__()
        self.session = session
        self.ticket_id = opened.workspace.detail.id
        self.clock = clock
        self.workspace = opened.workspace
        self.taxonomy = opened.taxonomy
        self.last_refusal = ""

    # Layout

    def compose(self) -> ComposeResult:
        with Vertical(id="ticket-head"):
            yield Static(Content(f" #{self.ticket_id}"), id="ticket-title")
            yield Static(id="ticket-subject")
            yield Static("", id="ticket-customer")
            yield SlaClocks(self.session.store.policy, self.clock, id="ticket-sla")
            yield Static("", id="ticket-banner")
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
        if (events := sync_events(self.app)) is not None:
            events.subscribe(self, self._synced)
        await self._show_loaded(self.Loaded(self.workspace, self.taxonomy, True, True))

    def on_unmount(self) -> None:
        if (events := sync_events(self.app)) is not None:
            events.unsubscribe(self)

    def _synced(self, summary: SyncSummary) -> None:
        if self.ticket_id in summary.changed_tickets:
            self.post_message(self.Pulled(self.ticket_id))

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
            opened = read_ticket(self.session, ticket_id)
        except Exception as error:
            self.post_message(self.Failed(f"{type(error).__name__}: {error}"))
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
        self._show_head(workspace)
        self.query_one(SlaClocks).show(workspace.snapshot)
        detail = workspace.detail
        self.query_one(CustomerPanel).show(
            detail.customer_name,
            detail.account_id,
            detail.customer_email,
            workspace.payment_method,
            verification=describe_status(self.verification()),
            demo_answers=self._demo_answers(detail.account_id),
        )
        self._show_conversation()
        if message.reset_composer:
            draft = workspace.drafts.get(COMPOSER)
            if draft is not None:
                self.composer.load(MessageKind(draft.mode or "reply"), draft.body)
            else:
                self.composer.clear()
        if self.note_form is not None:
            await self._show_note(workspace, message.taxonomy, reset=message.reset_note)
        self._show_attachments(workspace)
        self._show_history(workspace)
        self.refresh_bindings()

    def _show_head(self, workspace: TicketWorkspace) -> None:
        ticket = workspace.detail
        snapshot = workspace.snapshot
        status = ticket.status.label
        if snapshot.pending_reason:
            status += f" ({PendingReason(snapshot.pending_reason).label})"
        self.query_one("#ticket-title", Static).update(
            Content.assemble(
                (f" #{ticket.id} ", "bold"),
                " ",
                (f" {ticket.priority.value} ", _PRIORITY_STYLE[ticket.priority]),
                "  ",
                (status, "bold"),
                _sep(),
                ticket.channel.label,
                _sep(),
                ticket.region.value,
                _sep(),
                (f"{ticket.tier.value}", "bold"),
                _sep(),
                literal(ticket.assignee) or ("unassigned", "$text-muted"),
            )
        )
        self.query_one("#ticket-subject", Static).update(Content(literal(ticket.subject)))
        # Narrow terminals have no room for the customer panel: one line instead.
        payment = f"{workspace.payment_method} ····" if workspace.payment_method else "no card"
        self.query_one("#ticket-customer", Static).update(
            Content.assemble(
                ("Customer ", "$text-muted"),
                literal(ticket.customer_name),
                _sep(),
                describe_status(self.verification()),
                _sep(),
                literal(ticket.account_id),
                _sep(),
                literal(ticket.customer_email),
                _sep(),
                literal(payment),
            )
        )
        self._show_banner()

    def _show_banner(self) -> None:
        lines: list[Content] = []
        workspace = self.workspace
        if workspace.quality_flag:
            lines.append(
                Content.assemble(
                    ("Quality check failed: ", "bold $text-error"),
                    literal(workspace.quality_flag),
                    (" (the ticket will not close itself)", "$text-muted"),
                )
            )
        if self.last_refusal:
            lines.append(
                Content.assemble(("Refused: ", "bold $text-error"), literal(self.last_refusal))
            )
        banner = self.query_one("#ticket-banner", Static)
        banner.update(Content("\n").join(lines))
        banner.display = bool(lines)

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
            await self._show_note(self.workspace, self.taxonomy, reset=True)
        return form

    @on(TabStrip.Activated, "#ticket-tabs")
    async def _tab_shown(self, message: TabStrip.Activated) -> None:
        self.query_one(ContentSwitcher).current = message.tab
        if message.tab == "tab-note":
            await self.ensure_note_form()
        elif message.tab == "tab-attachments":
            await self._ensure_table("attachments", _ATTACHMENT_COLUMNS)
            self._show_attachments(self.workspace)
        elif message.tab == "tab-history":
            await self._ensure_table("history", _HISTORY_COLUMNS)
            self._show_history(self.workspace)

    async def _ensure_table(self, name: str, columns: tuple[str, ...]) -> None:
        if not self.query(f"#{name}-table"):
            table: DataTable[Text] = DataTable(
                id=f"{name}-table", cursor_type="row", zebra_stripes=True
            )
            table.add_columns(*columns)
            await self.query_one(f"#tab-{name}", Vertical).mount(table)

    async def _show_note(self, workspace: TicketWorkspace, taxonomy: Taxonomy, reset: bool) -> None:
        form = self.note_form
        if form is None:
            return
        deadline = sla_deadline(
            workspace.snapshot.sla_ticket(), self.session.store.policy, self.clock()
        )
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
        tables = self.query("#attachments-table").results(DataTable)
        table = next(tables, None)
        if table is None:
            return
        table.clear()
        for row in workspace.attachments:
            table.add_row(
                Text(literal(row.filename)),
                Text(row.mime_type),
                Text(format_size(row.size), justify="right"),
                Text(literal(row.added_by)),
                Text(when(row.added_at)),
                key=str(row.id),
            )

    def _show_history(self, workspace: TicketWorkspace) -> None:
        table = next(self.query("#history-table").results(DataTable), None)
        if table is None:
            return
        table.clear()
        for line in reversed(workspace.audit):
            table.add_row(
                Text(when(line.at)),
                Text(literal(line.actor)),
                Text(literal(line.action)),
                Text(literal(line.field)),
                Text(literal(line.old_value or "—")),
                Text(literal(line.new_value or "—")),
            )

    # Changes

    def verification(self) -> VerificationStatus:
        """Where identity verification stands for this interaction, now."""
        snapshot = self.workspace.snapshot
        return verification_status(
            snapshot.verification_attempts,
            now=self.clock(),
            policy=self.session.store.verification,
            interaction_started_at=snapshot.interaction_started_at,
        )

    def _demo_answers(self, account_id: str) -> str:
        if not self.session.settings.demo:
            return ""
        from agentdesk.demo import demo_answers

        try:
            answers = demo_answers(account_id)
        except ValueError:
            return ""
        return (
            f"last 4 {answers[Factor.PAYMENT_LAST4]} · born {answers[Factor.DATE_OF_BIRTH]}"
            f" · PIN {answers[Factor.PIN]}"
        )

    def _actor(self) -> tuple[str, str, int | None]:
        """(handle for the audit, name for messages, agent id)."""
        agent = self.session.agent
        if agent is not None:
            return agent.handle, agent.name, agent.id
        handle = self.session.settings.agent_handle or "agent"
        return handle, handle, None

    def apply(self, change: TicketChange) -> None:
        """Send a change through the core's rules and the store's one write path."""
        self._apply_worker(change)

    @work(thread=True, exit_on_error=False, group="ticket-change")
    def _apply_worker(self, change: TicketChange) -> None:
        from agentdesk.store.writes import apply_change

        handle, _, _ = self._actor()
        try:
            plan = apply_change(
                self.session.store, self.ticket_id, change, actor=handle, now=self.clock()
            )
        except NoteIncomplete as error:
            self.post_message(self.Refused(str(error), error.missing))
            return
        except (ChangeRefused, TransitionRefused, AttachmentRefused) as error:
            self.post_message(self.Refused(str(error)))
            return
        except Exception as error:
            self.post_message(self.Refused(f"{type(error).__name__}: {error}"))
            return
        self.post_message(
            self.Applied(change.action, plan.message is not None, plan.note is not None)
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

    def _note_change(self, action: str, **fields: object) -> TicketChange:
        _, name, agent_id = self._actor()
        return TicketChange(
            action,
            note=self._note(),
            note_author=name,
            note_agent_id=agent_id,
            **fields,  # type: ignore[arg-type]
        )

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.workspace.detail.status
        if action == "reopen":
            return status is Status.RESOLVED
        if action == "resolve":
            return status in (Status.IN_PROGRESS, Status.PENDING)
        if action == "pend":
            return status is Status.IN_PROGRESS
        if action == "start_work":
            return status in (Status.NEW, Status.ASSIGNED, Status.PENDING)
        if action == "assign_to_me":
            return status.is_open
        if action in ("escalate", "change_priority"):
            return status.is_open
        if action == "confirm":
            return status in (Status.IN_PROGRESS, Status.PENDING)
        if action == "verify":
            return status.is_open
        if action == "clear_lock":
            agent = self.session.agent
            return self.verification().locked and agent is not None and agent.tier is not Tier.L1
        if action in ("compose", "attach", "tags", "macros"):
            return status is not Status.CLOSED
        return True

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

    def action_clear_lock(self) -> None:
        self._clear_lock_worker()

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-change")
    def _clear_lock_worker(self) -> None:
        from agentdesk.store.verification import clear_lock

        agent = self.session.agent
        handle, _, _ = self._actor()
        try:
            clear_lock(
                self.session.store,
                self.ticket_id,
                agent_tier=agent.tier if agent else None,
                actor=handle,
                now=self.clock(),
            )
        except Exception as error:
            self.post_message(self.Refused(str(error)))
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
        _, _, agent_id = self._actor()
        if agent_id is None:
            self.notify(
                "No agent is set for this profile: set [agent] handle in its config file.",
                severity="warning",
                markup=False,
            )
            return
        status = Status.ASSIGNED if self.workspace.detail.status is Status.NEW else None
        self.apply(TicketChange("assign", status=status, assignee_id=agent_id))

    def action_start_work(self) -> None:
        _, _, agent_id = self._actor()
        unassigned = not self.workspace.detail.assignee
        self.apply(
            TicketChange(
                "start",
                status=Status.IN_PROGRESS,
                assignee_id=agent_id if unassigned else None,
            )
        )

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
            self.apply(self._note_change("pend", status=Status.PENDING, pending_reason=reason))

    def action_resolve(self) -> None:
        self.apply(self._note_change("resolve", status=Status.RESOLVED))

    def action_reopen(self) -> None:
        self.apply(TicketChange("reopen", status=Status.IN_PROGRESS))

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
            self.apply(
                TicketChange("change_priority", priority=Priority(chosen[0]), reason=chosen[1])
            )

    def action_escalate(self) -> None:
        from agentdesk.screens.choice_dialog import ChoiceDialog

        current = int(self.workspace.detail.tier.value[1])
        options = [
            (tier.value, f"{tier.value}: {_TIER_HELP[tier]}")
            for tier in Tier
            if int(tier.value[1]) > current
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
            self.apply(self._note_change("escalate", tier=Tier(chosen[0]), reason=chosen[1]))

    async def action_tags(self) -> None:
        form = await self.ensure_note_form()
        self.action_show_tab("tab-note")
        field = form.field(Tag.PRODUCT_AREA.value)
        field.focus()
        form.scroll_to_widget(field, animate=False)

    def action_save_note(self) -> None:
        note = self._note()
        if note is None:
            return
        action = "tag" if note.is_empty else "note"
        self.apply(self._note_change(action))

    @on(NoteForm.SaveWanted)
    def _save_note_wanted(self) -> None:
        self.action_save_note()

    # Composer

    @on(Composer.Send)
    def _send(self, message: Composer.Send) -> None:
        _, name, agent_id = self._actor()
        action = "reply" if message.mode is MessageKind.REPLY else "internal_note"
        self.apply(
            TicketChange(action, message=NewMessage(message.mode, message.body, name, agent_id))
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
        self.app.run_worker(
            draft_saver(self.session, self.ticket_id, slot, mode, body, self.clock()),
            thread=True,
            group=f"draft-{self.ticket_id}-{slot}",
            exit_on_error=False,
        )

    def _flush_drafts(self) -> None:
        self.composer.flush_draft()
        form = self.note_form
        if form is not None:
            form.flush_draft()

    @on(Composer.EditorWanted)
    def _edit_outside(self, message: Composer.EditorWanted) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile(
            "w", suffix=".txt", prefix=f"agentdesk-{self.ticket_id}-", delete=False
        ) as handle:
            handle.write(message.body)
            path = Path(handle.name)
        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), str(path)], check=False)
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to an editor.", severity="warning")
            path.unlink(missing_ok=True)
            return
        except OSError as error:
            self.notify(f"Could not start {editor}: {error}", severity="error", markup=False)
            path.unlink(missing_ok=True)
            return
        text = path.read_text(encoding="utf-8", errors="replace")
        path.unlink(missing_ok=True)
        self.composer.load(message.mode, text.rstrip("\n"))
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
        self._attach_worker(path)

    @work(thread=True, exit_on_error=False, group="ticket-attach")
    def _attach_worker(self, typed: str) -> None:
        try:
            attachment = read_attachment(typed)
        except AttachmentRefused as error:
            self.post_message(self.Refused(str(error)))
            return
        self.post_message(self.AttachmentRead(attachment))

    def on_ticket_screen_attachment_read(self, message: AttachmentRead) -> None:
        self.apply(TicketChange("attach", attachment=message.attachment))

    # Macros

    def action_macros(self) -> None:
        self.open_macro_picker("")

    def open_macro_picker(self, query: str) -> None:
        from agentdesk.screens.macro_picker import MacroPicker

        self.app.push_screen(MacroPicker(self.session, self.ticket_id, query=query), self._chosen)

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
        from agentdesk.core.macros import MacroContext, plan_macro
        from agentdesk.store.macros import agent_ids, apply_macro

        session = self.session
        try:
            with session.store.read() as connection:
                agents = agent_ids(connection)
            context = MacroContext(
                values=choice.values,
                agent_handle=session.actor,
                agent_id=session.agent.id if session.agent else None,
                agent_name=session.agent.name if session.agent else "",
                agents=agents,
            )
            changes = plan_macro(choice.macro, context)
            apply_macro(
                session.store,
                self.ticket_id,
                choice.macro.id,
                changes,
                actor=session.actor,
                now=self.clock(),
            )
        except NoteIncomplete as error:
            self.post_message(self.Refused(str(error), error.missing))
            return
        except Exception as error:
            self.post_message(self.Refused(_refusal(error)))
            return
        self.post_message(self.MacroWritten(f"Applied {choice.macro.title!r}. u undoes it."))

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-macro")
    def action_undo_macro(self) -> None:
        from agentdesk.store.macros import undo_last_macro

        session = self.session
        try:
            undone = undo_last_macro(
                session.store,
                self.ticket_id,
                actor=session.actor,
                now=self.clock(),
                local_backend=session.settings.backend == "local",
            )
        except Exception as error:
            self.post_message(self.Refused(_refusal(error)))
            return
        self.post_message(self.MacroWritten(f"Undid the macro {undone.macro_id}."))

    @work(thread=True, exit_on_error=False, group="macro-usage")
    def _record_use(self, macro_id: str) -> None:
        from agentdesk.store.macros import record_use

        try:
            record_use(self.session.store, macro_id, self.clock())
        except Exception as error:
            self.post_message(self.Refused(_refusal(error)))

    def on_ticket_screen_macro_written(self, message: MacroWritten) -> None:
        self.last_refusal = ""
        self.notify(message.notice, title=f"#{self.ticket_id}", markup=False)
        # A macro or an undo may have written or withdrawn the structured note.
        self._load(reset_note=True)


def _refusal(error: Exception) -> str:
    """What a macro write may refuse with, as the agent should read it."""
    from agentdesk.core.macros import MacroRefused, MissingPlaceholders
    from agentdesk.store.macros import UndoRefused

    known = (ChangeRefused, TransitionRefused, MacroRefused, MissingPlaceholders, UndoRefused)
    return str(error) if isinstance(error, known) else f"{type(error).__name__}: {error}"


_ATTACHMENT_COLUMNS = ("File", "Type", "Size", "Added by", "When")
_HISTORY_COLUMNS = ("When", "Who", "Action", "Field", "Old", "New")

_TIER_HELP = {
    Tier.L1: "standard fixes",
    Tier.L2: "complex, billing, failed verification",
    Tier.L3: "engineering, executive",
}
