"""The ticket workspace: header with every SLA clock, the conversation and the composer, the
structured note, attachments and the audit history; every lifecycle action on one key.

Macros: `m` opens the picker; a canned response goes into the composer as a reply draft, a
macro is applied in one transaction (desk.macros.apply_macro), `u` undoes the last macro
(screens/ticket_macros.py, the base class of this screen). The lifecycle and interaction
keys are in screens/ticket_lifecycle.py, the composer, note and drafts in ticket_drafts.py,
which keys are open and why not in ticket_key_gate.py, how a change runs and what the screen
shows of its answer in ticket_changes.py: parts of this screen (its bases).

The screen asks the desk for everything: reads and writes run in thread workers that call
agentdesk.desk and post messages. Which keys are open comes from core.actions (the answer
plan_change agrees with); a refusal is shown where it applies (a missing note section under
its field, with focus on it).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Input, TextArea

from agentdesk.core.actions import Action
from agentdesk.core.changes import QualityWouldFail
from agentdesk.core.errors import Refused as RefusedError
from agentdesk.core.errors import agent_message
from agentdesk.core.note_template import Taxonomy
from agentdesk.core.ticket import MessageKind, Status
from agentdesk.desk import Desk
from agentdesk.desk import ticket_work as work_on
from agentdesk.desk.emergency import urgency
from agentdesk.desk.ticket_work import OpenedTicket
from agentdesk.screens.ticket_attachments import TicketAttachments
from agentdesk.screens.ticket_changes import TicketChanges
from agentdesk.screens.ticket_commands import TicketCommands
from agentdesk.screens.ticket_customer import TicketCustomer
from agentdesk.screens.ticket_drafts import TicketDrafts
from agentdesk.screens.ticket_escalation import TicketEscalation
from agentdesk.screens.ticket_key_gate import TicketKeyGate
from agentdesk.screens.ticket_keys import ticket_bar_ranks, ticket_bindings
from agentdesk.screens.ticket_lifecycle import TicketLifecycle
from agentdesk.screens.ticket_links import TicketLinks
from agentdesk.screens.ticket_macros import TicketMacros
from agentdesk.screens.verify import describe_status
from agentdesk.store.workspace_rows import COMPOSER, TicketWorkspace
from agentdesk.widgets.conversation import Conversation
from agentdesk.widgets.customer_panel import CustomerPanel
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.note_form import NoteForm
from agentdesk.widgets.sla_clocks import SlaClocks
from agentdesk.widgets.sync_driver import sync_events
from agentdesk.widgets.tab_strip import TabStrip
from agentdesk.widgets.ticket_header import TicketHeader
from agentdesk.widgets.ticket_panes import TABS, TicketPanes
from agentdesk.widgets.urgency_line import UrgencyLine

if TYPE_CHECKING:
    from agentdesk.desk.sync_status import SyncSummary


CLOSED_COMPOSER = "Closed: reopen is not possible; a follow-up creates a new ticket."


class TicketScreen(
    TicketChanges,
    TicketLifecycle,
    TicketDrafts,
    TicketKeyGate,
    TicketMacros,
    TicketAttachments,
    TicketLinks,
    TicketCustomer,
    TicketEscalation,
):
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
        """A sync run brought this ticket new messages (posted on the app's sync event)."""

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
        """Everything missing, the most blocking first (core.changes.Gap, note keys)."""
        ask: bool = False
        """The team asks rather than refuses (the quality check alone): resolve anyway?"""
        kept: str = ""
        """What the screen kept of the agent's input for another try ("" for nothing)."""

        @classmethod
        def of(cls, error: Exception) -> TicketScreen.Refused:
            """What the agent reads for a failed desk call (and which note fields to show)."""
            missing = error.missing if isinstance(error, RefusedError) else ()
            return cls(agent_message(error), missing, isinstance(error, QualityWouldFail))

    def __init__(self, desk: Desk, opened: OpenedTicket) -> None:
        """opened: the ticket as desk.ticket_work.read_ticket read it. The opener reads before
        it pushes the screen, so the first frame already shows the ticket; the screen
        re-reads after each change."""
        super().__init__()
        self.desk = desk
        self.session = desk.session
        self.clock = desk.clock
        self.ticket_id = opened.workspace.detail.id
        self.workspace = opened.workspace
        self.taxonomy = opened.taxonomy
        self.escalation = opened.escalation
        self.escalation_agents = opened.escalation_agents
        self.escalation_draft: tuple[str, str] | None = None
        """(option, reason) of an escalation the SOP refused: the next `e` starts from it."""
        self.last_refusal = ""
        self._allowed: tuple[TicketWorkspace, dict[Action, str | None]] | None = None

    # Layout

    def compose(self) -> ComposeResult:
        policy = work_on.sla_policy(self.desk)
        yield TicketHeader(self.ticket_id, policy, self.clock, id="ticket-head")
        yield UrgencyLine(id="ticket-urgency")
        yield TabStrip(list(TABS.items()), id="ticket-tabs")
        deadline = partial(work_on.note_deadline, self.desk)
        yield TicketPanes(self.workspace, self.taxonomy, deadline, id="ticket-panes")
        yield KeyBar(ticket_bar_ranks())

    async def on_mount(self) -> None:
        # Textual sets the breakpoint class on the first Resize, after the first layout;
        # set it now, so the first frame is laid out once and for the right width.
        width = self.app.size.width
        active = [name for bound, name in self.HORIZONTAL_BREAKPOINTS if width >= bound][-1]
        self.update_classes({name: name == active for _, name in self.HORIZONTAL_BREAKPOINTS})
        self.set_focus(self.query_one(Conversation))
        if self.desk.read_only:
            self.composer.disabled = True  # monitoring mode: nothing can be typed to send
        if (events := sync_events(self.app)) is not None:
            events.subscribe(self, self._synced)
        await self._show_loaded(self.Loaded(self.workspace, self.taxonomy, True, True))
        # The note form (four text areas, four choices: ~100 ms to build) is built after the
        # first frame, while the agent reads, so `2` shows it at once (issue 17: <= 100 ms).
        self.call_after_refresh(self._build_note_form)

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
    def note_form(self) -> NoteForm | None:
        return self.query_one(TicketPanes).note_form

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
        detail = workspace.detail
        demo_answers = work_on.demo_answers(self.desk, detail.account_id)
        header.show(workspace, verification, demo_answers)
        self._show_banner()
        self.query_one(SlaClocks).show(workspace.snapshot)
        self.query_one(UrgencyLine).show(
            partial(urgency, self.desk, workspace.snapshot, workspace.escalation)
        )
        self.query_one(CustomerPanel).show(
            detail.customer_name,
            detail.account_id,
            detail.customer_email,
            workspace.payment_method,
            verification=verification,
            demo_answers=demo_answers,
        )
        closed = workspace.detail.status is Status.CLOSED
        self.composer.show_closed(CLOSED_COMPOSER if closed else None)
        if message.reset_composer:
            draft = workspace.drafts.get(COMPOSER)
            if draft is not None:
                self.composer.load(MessageKind(draft.mode or "reply"), draft.body)
            else:
                self.composer.clear()
        self.query_one(TicketPanes).show(workspace, message.taxonomy, reset_note=message.reset_note)
        tabs = self.query_one(TabStrip)
        for tab, count in (
            ("tab-conversation", len(workspace.detail.messages)),
            ("tab-attachments", len(workspace.attachments)),
        ):
            tabs.set_label(tab, f"{TABS[tab]} ({count})" if count else TABS[tab])
        links = len(workspace.links)  # listed on the History tab
        plural = "link" if links == 1 else "links"
        history = f"{TABS['tab-history']} · {links} {plural}" if links else TABS["tab-history"]
        tabs.set_label("tab-history", history)
        self.refresh_bindings()
        await self.show_customer_side()

    def _show_banner(self) -> None:
        self.query_one(TicketHeader).show_banner(self.workspace.quality_flag, self.last_refusal)

    async def ensure_note_form(self) -> NoteForm:
        """The note form, mounted on first use."""
        return await self.query_one(TicketPanes).ensure_note_form()

    async def _build_note_form(self) -> None:
        if self.is_attached:  # not closed before its first frame
            await self.ensure_note_form()
            # The conversation's scrollbars, made in the first layout, take their rules at
            # the first restyle of the conversation: that is the blur when another tab
            # hides it, and the changed rules ask for a second layout of the frame the
            # agent waits for. Restyled now, while the agent reads, the blur changes none.
            self.query_one(Conversation).update_node_styles()

    @on(TabStrip.Activated, "#ticket-tabs")
    async def _tab_shown(self, message: TabStrip.Activated) -> None:
        await self.query_one(TicketPanes).open(message.tab)
        if self.desk.read_only:
            from agentdesk.widgets.attachment_table import AttachmentTable

            if self.note_form is not None:
                self.note_form.disabled = True  # monitoring mode: the note is shown, not edited
            for attachments in self.query(AttachmentTable):
                attachments.read_only = True  # open and save to a file: reads; no remove
                attachments.refresh_bindings()

    # Actions

    def action_back(self) -> None:
        """Esc: leave the field first (the draft stays), then the ticket."""
        if self._leave_field():
            return
        self._flush_drafts()
        self.dismiss(None)

    def _leave_field(self) -> bool:
        """Out of a text field or choice: a note field to the note form, any other to the
        conversation. False when no field has the focus."""
        focused = self.focused
        form = self.note_form
        if focused is None or focused is form:
            return False
        if form is not None and form in focused.ancestors:
            form.leave_field()
            return True
        if isinstance(focused, (TextArea, Input)):
            self.set_focus(self.query_one(Conversation))
            return True
        return False

    def action_show_tab(self, tab: str) -> None:
        if tab in TABS:
            # The pane switches in this handler, with the strip: one layout and one frame
            # for both (the strip's Activated, a message later, builds what is missing).
            self.query_one(TicketPanes).current = tab
            self.query_one(TabStrip).active = tab

    def action_compose(self, mode: str) -> None:
        if isinstance(self.focused, (TextArea, Input)):
            raise SkipAction()  # an r or n typed into a text
        self.action_show_tab("tab-conversation")
        self.composer.start(MessageKind(mode))
