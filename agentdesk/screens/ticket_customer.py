"""The ticket screen's customer side (issue 14): F opens a follow-up of a Closed ticket (the
intake form, for the same customer, linked to it); the Customer tab (5) lists the customer's
other tickets, each opened with Enter; one line of the header shows the current
interaction's handle time against the SOP's target. A part of TicketScreen (its base), kept
in a file of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from agentdesk.core.errors import agent_message
from agentdesk.core.handle_time import HandleTime
from agentdesk.core.intake import needs_verification
from agentdesk.desk import intake as desk_intake
from agentdesk.widgets.customer_tickets import CustomerTickets
from agentdesk.widgets.handle_time_line import HandleTimeLine

if TYPE_CHECKING:
    from agentdesk.desk import Desk
    from agentdesk.desk.intake import FollowUpStart
    from agentdesk.desk.ticket_work import OpenedTicket
    from agentdesk.screens.intake import Created
    from agentdesk.store.intake_rows import CustomerOf


class TicketCustomer(Screen[None]):
    desk: Desk
    ticket_id: int

    @dataclass
    class HandleTimeRead(Message):
        reading: HandleTime

    @dataclass
    class CustomerRead(Message):
        customer: CustomerOf | None

    @dataclass
    class FollowUpReady(Message):
        start: FollowUpStart

    @dataclass
    class OtherRead(Message):
        opened: OpenedTicket | None
        ticket_id: int
        verify: bool = False

    @dataclass
    class CustomerFailed(Message):
        error: str

    async def show_customer_side(self) -> None:
        """After every read of the ticket (its first showing, each change and pull): the
        handle time afresh, and the customer's tickets when their tab is shown."""
        if not self.query(HandleTimeLine):
            line = HandleTimeLine(self.desk.clock, id="ticket-handle-time")
            await self.query_one("#ticket-head").mount(line, after="#ticket-sla")
        self._read_handle_time()
        panes = self.query_one("#ticket-panes", ContentSwitcher)
        if panes.current == "tab-customer" and self.query(CustomerTickets):
            self.query_one(CustomerTickets).reload()

    # Handle time

    @work(thread=True, exclusive=True, exit_on_error=False, group="handle-time")
    def _read_handle_time(self) -> None:
        try:
            reading = desk_intake.handle_time_now(self.desk, self.ticket_id)
        except Exception:
            return  # a line of the header: the next read tries again
        self.post_message(self.HandleTimeRead(reading))

    def on_ticket_customer_handle_time_read(self, message: HandleTimeRead) -> None:
        for line in self.query(HandleTimeLine):
            line.show(message.reading)

    # The customer's tickets

    def on_customer_tickets_wanted(self) -> None:
        self._read_customer()

    @work(thread=True, exclusive=True, exit_on_error=False, group="customer-tickets")
    def _read_customer(self) -> None:
        try:
            customer = desk_intake.customer_tickets(self.desk, self.ticket_id)
        except Exception as error:
            self.post_message(self.CustomerFailed(agent_message(error)))
            return
        self.post_message(self.CustomerRead(customer))

    def on_ticket_customer_customer_read(self, message: CustomerRead) -> None:
        for widget in self.query(CustomerTickets):
            widget.show(message.customer)

    def on_ticket_customer_customer_failed(self, message: CustomerFailed) -> None:
        self.notify(message.error, title=f"#{self.ticket_id}", severity="error", markup=False)

    def on_customer_tickets_chosen(self, message: CustomerTickets.Chosen) -> None:
        self._read_other(message.ticket_id, False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="open-other")
    def _read_other(self, ticket_id: int, verify: bool) -> None:
        from agentdesk.desk.ticket_work import read_ticket

        try:
            opened = read_ticket(self.desk, ticket_id)
        except Exception as error:
            self.post_message(self.CustomerFailed(agent_message(error)))
            return
        self.post_message(self.OtherRead(opened, ticket_id, verify))

    async def on_ticket_customer_other_read(self, message: OtherRead) -> None:
        from agentdesk.screens.ticket import TicketScreen

        if message.opened is None:
            self.notify(
                f"Ticket #{message.ticket_id} is not in this store",
                severity="error",
                markup=False,
            )
            return
        screen = TicketScreen(self.desk, message.opened)
        await self.app.push_screen(screen)
        await screen.ready()
        if message.verify:
            screen.action_verify()

    # F: follow-up of a Closed ticket

    def action_follow_up(self) -> None:
        self._start_follow_up()

    @work(thread=True, exclusive=True, exit_on_error=False, group="follow-up")
    def _start_follow_up(self) -> None:
        try:
            start = desk_intake.follow_up_start(self.desk, self.ticket_id)
        except Exception as error:
            self.post_message(self.CustomerFailed(agent_message(error)))
            return
        self.post_message(self.FollowUpReady(start))

    def on_ticket_customer_follow_up_ready(self, message: FollowUpReady) -> None:
        from agentdesk.screens.intake import IntakeScreen

        self.app.push_screen(IntakeScreen(self.desk, follow_up=message.start), self._follow_up_done)

    def _follow_up_done(self, created: Created | None) -> None:
        if created is None:
            return
        self.notify(
            f"Follow-up #{created.ticket_id} created (refers to #{self.ticket_id})",
            title="Follow-up",
            markup=False,
        )
        self._read_other(created.ticket_id, needs_verification(created.channel))
