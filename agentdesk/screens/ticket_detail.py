"""One ticket, read-only: header fields, the running SLA clock, the masked customer and the
conversation, with customer messages, replies and internal notes told apart.

Macros (issue 5) are wired in here until the ticket workspace (issue 3) lands: `m` opens the
picker, a macro is applied in one transaction, a canned response goes into a reply draft
(ctrl+j sends it), `u` undoes the last macro. The lead moves these onto the workspace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from agentdesk.core.sla import ClockReading
from agentdesk.core.ticket import Priority, Status
from agentdesk.screens.ticket_commands import TicketCommands
from agentdesk.store.rows import TicketDetail
from agentdesk.widgets.literal import literal
from agentdesk.widgets.message_card import MessageCard, when
from agentdesk.widgets.sla_badge import SlaBadge

if TYPE_CHECKING:
    from agentdesk.screens.macro_picker import MacroChoice
    from agentdesk.session import Session

_PRIORITY_STYLE = {
    Priority.P0: "bold reverse $text-error",
    Priority.P1: "bold $text-warning",
    Priority.P2: "bold",
    Priority.P3: "$text-muted",
    Priority.P4: "$text-muted",
}


def detail_reading(ticket: TicketDetail) -> ClockReading | None:
    if ticket.sla_clock is None:
        return None
    paused = ticket.status is Status.PENDING or ticket.sla_due_at is None
    return ClockReading(ticket.sla_clock, ticket.sla_due_at, ticket.sla_at_risk_at, paused)


def _field(label: str, value: str) -> Content:
    return Content.assemble((f"{label} ", "$text-muted"), literal(value) or "—")


# What a write on the ticket may refuse with: shown to the agent as written.
def _refusal(error: Exception) -> str:
    from agentdesk.core.changes import ChangeRefused
    from agentdesk.core.macros import MacroRefused, MissingPlaceholders
    from agentdesk.store.macros import UndoRefused

    known = (ChangeRefused, MacroRefused, MissingPlaceholders, UndoRefused, LookupError)
    return str(error) if isinstance(error, known) else f"{type(error).__name__}: {error}"


class TicketDetailScreen(Screen[None]):
    COMMANDS = {TicketCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back to queue", id="ticket.back"),
        Binding("m", "macros", "Macros", id="ticket.macros"),
        Binding("u", "undo_macro", "Undo macro", id="ticket.undo_macro"),
        # Terminals send ctrl+enter as enter: ctrl+j is the key that always arrives.
        Binding("ctrl+j", "send_draft", "Send reply", priority=True, id="ticket.send_draft"),
    ]

    @dataclass
    class Loaded(Message):
        ticket: TicketDetail

    @dataclass
    class Failed(Message):
        error: str

    @dataclass
    class Written(Message):
        """A macro, an undo or a reply was written: say so and show the ticket afresh."""

        notice: str
        sent_draft: bool = False

    @dataclass
    class WriteRefused(Message):
        error: str

    def __init__(self, session: Session, ticket_id: int, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.session = session
        self.ticket_id = ticket_id
        self.clock = clock
        self.ticket: TicketDetail | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="ticket-head"):
            yield Static(Content(f" #{self.ticket_id}"), id="ticket-title")
            yield Static(Content("Loading the ticket…"), id="ticket-subject")
            yield Static(id="ticket-fields")
            yield Vertical(id="ticket-sla")
        yield VerticalScroll(id="conversation")
        yield TextArea(id="reply-draft", soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#conversation").focus()
        self._load(self.ticket_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-detail")
    def _load(self, ticket_id: int) -> None:
        from agentdesk.store.queries import ticket_detail

        try:
            with self.session.store.read() as connection:
                ticket = ticket_detail(connection, ticket_id)
        except Exception as error:
            self.post_message(self.Failed(f"{type(error).__name__}: {error}"))
            return
        if ticket is None:
            self.post_message(self.Failed(f"ticket #{ticket_id} is not in this store"))
        else:
            self.post_message(self.Loaded(ticket))

    def on_ticket_detail_screen_failed(self, message: Failed) -> None:
        self.query_one("#ticket-subject", Static).update(Content(message.error))
        self.notify(message.error, title="Ticket", severity="error", markup=False)

    async def on_ticket_detail_screen_loaded(self, message: Loaded) -> None:
        ticket = self.ticket = message.ticket
        # A reload (after a macro) replaces what the last load mounted.
        await self.query_one("#ticket-sla").remove_children()
        await self.query_one("#conversation").remove_children()
        self.query_one("#ticket-title", Static).update(
            Content.assemble(
                (f" #{ticket.id} ", "bold"),
                " ",
                (f" {ticket.priority.value} ", _PRIORITY_STYLE[ticket.priority]),
                "  ",
                (ticket.status.label, "bold"),
                ("  ·  ", "$text-muted"),
                ticket.channel.label,
                ("  ·  ", "$text-muted"),
                ticket.region.value,
                ("  ·  ", "$text-muted"),
                f"Level {ticket.tier.value[1]}",
            )
        )
        self.query_one("#ticket-subject", Static).update(Content(literal(ticket.subject)))
        gap = "    "
        fields = Content("\n").join(
            [
                Content.assemble(
                    _field("Customer", ticket.customer_name),
                    "  ",
                    (literal(ticket.customer_email), "$text-muted"),
                    gap,
                    _field("Account", ticket.account_id),
                ),
                Content.assemble(
                    _field("Assignee", ticket.assignee or "unassigned"),
                    gap,
                    _field("Product", ticket.product_area),
                    gap,
                    _field("Issue", ticket.issue_type),
                ),
                Content.assemble(
                    _field("Created", when(ticket.created_at)),
                    gap,
                    _field(
                        "First response",
                        when(ticket.first_response_at) if ticket.first_response_at else "none yet",
                    ),
                ),
            ]
        )
        self.query_one("#ticket-fields", Static).update(fields)
        await self.query_one("#ticket-sla").mount(
            Static(Content.assemble(("SLA ", "$text-muted")), classes="sla-label"),
            SlaBadge(detail_reading(ticket), self.clock, breached_at=ticket.sla_breached_at),
        )
        conversation = self.query_one("#conversation", VerticalScroll)
        count = len(ticket.messages)
        conversation.border_title = f"Conversation · {count} message{'' if count == 1 else 's'}"
        if ticket.messages:
            await conversation.mount_all(MessageCard(m) for m in ticket.messages)
        else:
            await conversation.mount(Static(Content("No messages yet."), classes="muted"))

    def action_back(self) -> None:
        if self.draft_open:
            self.close_draft()
            return
        self.dismiss(None)

    # Macros (issue 5)

    @property
    def draft(self) -> TextArea:
        return self.query_one("#reply-draft", TextArea)

    @property
    def draft_open(self) -> bool:
        return self.draft.has_class("-open")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_draft":
            return self.draft_open
        return True

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
            self._insert(choice)

    def _insert(self, choice: MacroChoice) -> None:
        from agentdesk.core.macros import render

        text = render(choice.macro.body, choice.values).text
        draft = self.draft
        draft.text = f"{draft.text.rstrip()}\n\n{text}" if draft.text.strip() else text
        draft.add_class("-open")
        draft.border_title = "Reply draft · ctrl+j sends · Esc discards"
        draft.focus()
        draft.move_cursor(draft.document.end)
        self.refresh_bindings()
        self._record_use(choice.macro.id)

    def close_draft(self) -> None:
        self.draft.text = ""
        self.draft.remove_class("-open")
        self.query_one("#conversation").focus()
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-write")
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
        except Exception as error:
            self.post_message(self.WriteRefused(_refusal(error)))
            return
        self.post_message(self.Written(f"Applied {choice.macro.title!r}. u undoes it."))

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-write")
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
            self.post_message(self.WriteRefused(_refusal(error)))
            return
        self.post_message(self.Written(f"Undid the macro {undone.macro_id}."))

    def action_send_draft(self) -> None:
        self._send_draft(self.draft.text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket-write")
    def _send_draft(self, text: str) -> None:
        from agentdesk.core.changes import NewMessage, TicketChange
        from agentdesk.core.macros import render_for_customer
        from agentdesk.core.ticket import MessageKind
        from agentdesk.store.writes import apply_change

        session = self.session
        try:
            # Any {{placeholder}} still in the draft has no value: nothing raw goes out.
            body = render_for_customer(text.strip(), {})
            author = session.agent.name if session.agent else session.actor
            agent_id = session.agent.id if session.agent else None
            message = NewMessage(MessageKind.REPLY, body, author, agent_id)
            apply_change(
                session.store,
                self.ticket_id,
                TicketChange("reply", message=message),
                actor=session.actor,
                now=self.clock(),
            )
        except Exception as error:
            self.post_message(self.WriteRefused(_refusal(error)))
            return
        self.post_message(self.Written("Reply sent.", sent_draft=True))

    @work(thread=True, exit_on_error=False, group="macro-usage")
    def _record_use(self, macro_id: str) -> None:
        from agentdesk.store.macros import record_use

        try:
            record_use(self.session.store, macro_id, self.clock())
        except Exception as error:
            self.post_message(self.WriteRefused(_refusal(error)))

    def on_ticket_detail_screen_written(self, message: Written) -> None:
        if message.sent_draft:
            self.close_draft()
        self.notify(message.notice, title="Ticket", markup=False)
        self._load(self.ticket_id)

    def on_ticket_detail_screen_write_refused(self, message: WriteRefused) -> None:
        self.notify(message.error, title="Not done", severity="error", markup=False)
