"""One ticket, read-only: header fields, the running SLA clock, the masked customer and the
conversation, with customer messages, replies and internal notes told apart."""

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
from textual.widgets import Footer, Static

from agentdesk.core.sla import ClockReading
from agentdesk.core.ticket import Priority, Status
from agentdesk.store.rows import TicketDetail
from agentdesk.widgets.literal import literal
from agentdesk.widgets.message_card import MessageCard, when
from agentdesk.widgets.sla_badge import SlaBadge

if TYPE_CHECKING:
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


class TicketDetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back to queue", id="ticket.back"),
    ]

    @dataclass
    class Loaded(Message):
        ticket: TicketDetail

    @dataclass
    class Failed(Message):
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
        self.dismiss(None)
