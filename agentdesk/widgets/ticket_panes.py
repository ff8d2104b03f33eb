"""The ticket's four panes behind its tab strip: the conversation (with the customer panel
and the composer), the structured note, attachments and history (with the ticket's links).

Only the conversation is built at once; the note form (the heaviest part of the ticket) right
after the first frame, while the agent reads, and the tables when first shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, Static

from agentdesk.core.changes import TicketSnapshot
from agentdesk.core.note_template import StructuredNote, Tag, Taxonomy, with_suggested_tags
from agentdesk.store.workspace_rows import NOTE, TicketWorkspace
from agentdesk.widgets.attachment_table import AttachmentTable
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.conversation import Conversation, Entry
from agentdesk.widgets.customer_panel import CustomerPanel
from agentdesk.widgets.customer_tickets import CustomerTickets
from agentdesk.widgets.history_table import HistoryTable
from agentdesk.widgets.link_list import LinkList
from agentdesk.widgets.note_form import NoteForm, note_from_json

TABS = {
    "tab-conversation": "Conversation",
    "tab-note": "Note",
    "tab-attachments": "Attachments",
    "tab-history": "History",
    "tab-customer": "Customer",
}


def saved_note(workspace: TicketWorkspace) -> StructuredNote | None:
    """The note as the agent left it: the draft if there is one, else the stored note."""
    draft = workspace.drafts.get(NOTE)
    return note_from_json(draft.body) if draft is not None else workspace.note


def suggested_tags(workspace: TicketWorkspace) -> dict[Tag, str]:
    """The tag values the ticket itself suggests (its product area, type, priority, channel)."""
    detail = workspace.detail
    return {
        Tag.PRODUCT_AREA: detail.product_area,
        Tag.ISSUE_TYPE: detail.issue_type,
        Tag.PRIORITY: detail.priority.value,
        Tag.CHANNEL: detail.channel.value,
    }


def note_as_shown(workspace: TicketWorkspace, taxonomy: Taxonomy) -> StructuredNote:
    """The note the form shows before the agent touches it: as left, with the suggested tags
    pre-selected. A change made while the form is not built carries this (so a suggested tag
    shown as chosen is recorded, never reported missing)."""
    return with_suggested_tags(saved_note(workspace), suggested_tags(workspace), taxonomy)


class TicketPanes(ContentSwitcher):
    """Styled by the app's stylesheet (#ticket-panes and its parts)."""

    def __init__(
        self,
        workspace: TicketWorkspace,
        taxonomy: Taxonomy,
        deadline: Callable[[TicketSnapshot], str],
        *,
        id: str | None = None,
    ) -> None:
        """deadline: the note template's SLA deadline line for the ticket, now."""
        super().__init__(id=id, initial="tab-conversation")
        self.workspace = workspace
        self.taxonomy = taxonomy
        self.deadline = deadline
        # One build of the note form at a time: the screen builds it while the agent reads,
        # and `2` (or a refusal naming a gap) waits for that build rather than starting one.
        self._note_built = asyncio.Lock()

    def compose(self) -> ComposeResult:
        with Vertical(id="tab-conversation"):
            with Horizontal(id="conversation-row"):
                yield Conversation(id="conversation")
                yield CustomerPanel(id="customer-panel")
            yield Composer(id="composer")
        # Until the form is built (it then takes this place and id: one level less to lay
        # out and paint on its first show).
        with Vertical(id="tab-note"):
            yield Static(Content("Loading the note…"), id="note-loading")
        yield Vertical(id="tab-attachments")
        yield Vertical(id="tab-history")
        yield Vertical(id="tab-customer")

    @property
    def note_form(self) -> NoteForm | None:
        forms = self.query(NoteForm)
        return forms.first() if forms else None

    def show(self, workspace: TicketWorkspace, taxonomy: Taxonomy, *, reset_note: bool) -> None:
        """The ticket as read; the note form (when built) keeps what is typed unless
        reset_note."""
        self.workspace, self.taxonomy = workspace, taxonomy
        note_ids = workspace.note_message_ids
        entries = [Entry(m, m.id in note_ids) for m in workspace.detail.messages]
        self.query_one(Conversation).show(entries, still_coming=workspace.conversation_owed)
        if self.note_form is not None:
            self._show_note(reset=reset_note)
        for attachments in self.query(AttachmentTable):
            attachments.show(workspace.attachments)
        for history in self.query(HistoryTable):
            history.show(workspace.audit, workspace.people)
        for links in self.query(LinkList):
            links.show(workspace.links)

    async def open(self, tab: str) -> None:
        """Show the pane, building it on its first showing."""
        self.current = tab
        if tab == "tab-note":
            await self.ensure_note_form()
        elif tab == "tab-attachments":
            if not self.query(AttachmentTable):
                await self.query_one("#tab-attachments").mount(
                    AttachmentTable(id="attachments-table")
                )
            self.query_one(AttachmentTable).show(self.workspace.attachments)
        elif tab == "tab-history":
            if not self.query(HistoryTable):
                await self.query_one("#tab-history").mount(
                    LinkList(id="ticket-links"), HistoryTable(id="history-table")
                )
            self.query_one(LinkList).show(self.workspace.links)
            self.query_one(HistoryTable).show(self.workspace.audit, self.workspace.people)
        elif tab == "tab-customer":
            # The screen reads the customer's tickets when the list asks (CustomerTickets.Wanted).
            if not self.query(CustomerTickets):
                await self.query_one("#tab-customer").mount(
                    CustomerTickets(id="customer-tickets-pane")
                )
            else:
                self.query_one(CustomerTickets).reload()
            self.query_one(CustomerTickets).table.focus()

    async def ensure_note_form(self) -> NoteForm:
        async with self._note_built:
            form = self.note_form
            if form is None:
                placeholder = self.query_one("#tab-note", Vertical)
                place = self.children.index(placeholder)
                await placeholder.remove()
                form = NoteForm(self.taxonomy, id="tab-note")
                form.display = self.current == "tab-note"
                await self.mount(form, before=place)
                self._expect_note_width()
                self._show_note(reset=True)
        return form

    def on_resize(self) -> None:
        self._expect_note_width()

    def _expect_note_width(self) -> None:
        """Tell the hidden form the width it will be shown at (this switcher's), so its
        text is wrapped before the first show rather than on it."""
        form = self.note_form
        if form is not None and self.size.width:
            form.expect_width(self.size.width)

    def _show_note(self, *, reset: bool) -> None:
        form = self.note_form
        if form is None:
            return
        workspace = self.workspace
        deadline = self.deadline(workspace.snapshot)
        if not reset:
            form.stored = workspace.note
            form.show_deadline(deadline)
            return
        form.load(
            saved_note(workspace),
            stored=workspace.note,
            suggested_tags=suggested_tags(workspace),
            deadline=deadline,
        )
