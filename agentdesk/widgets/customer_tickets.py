"""The customer's other tickets, on the ticket view's Customer tab: open ones first (most
urgent, then the newest), then the rest by their last change. Enter opens one."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from agentdesk.core.history import format_moment
from agentdesk.store.intake_rows import CustomerOf
from agentdesk.widgets.literal import literal

COLUMNS = ("#", "Status", "Pri", "Channel", "Updated", "Subject")


class CustomerTickets(Vertical):
    DEFAULT_CSS = """
    CustomerTickets {
        height: 1fr;
    }
    CustomerTickets > #customer-tickets-head {
        height: auto;
        padding: 0 1;
    }
    CustomerTickets > DataTable {
        height: 1fr;
    }
    """

    @dataclass
    class Chosen(Message):
        ticket_id: int

    @dataclass
    class Wanted(Message):
        """Shown: the screen reads the customer's tickets (in a worker) and calls show()."""

    def compose(self) -> ComposeResult:
        yield Static(
            Content.styled("Loading the customer's tickets…", "$text-muted"),
            id="customer-tickets-head",
        )
        table: DataTable[Text] = DataTable(
            id="customer-tickets", cursor_type="row", zebra_stripes=True
        )
        table.add_columns(*COLUMNS)
        yield table

    def on_mount(self) -> None:
        self.post_message(self.Wanted())

    def reload(self) -> None:
        self.post_message(self.Wanted())

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#customer-tickets", DataTable)

    def show(self, customer: CustomerOf | None) -> None:
        """customer: as desk.intake.customer_tickets read it (masked)."""
        head = self.query_one("#customer-tickets-head", Static)
        table = self.table
        table.clear()
        if customer is None:
            head.update(Content("The ticket is not in this store."))
            return
        open_count = sum(1 for t in customer.tickets if t.status.is_open)
        others = len(customer.tickets)
        words = (
            f"{others} other ticket{'s' if others != 1 else ''}, {open_count} open · enter opens"
            if others
            else "no other tickets"
        )
        head.update(
            Content.assemble(
                ("Customer ", "bold"),
                literal(f"{customer.name} · {customer.email}"),
                ("  ·  ", "$text-muted"),
                (words, "$text-muted"),
            )
        )
        for row in customer.tickets:
            style = "" if row.status.is_open else "dim"
            table.add_row(
                Text(f"#{row.id}", style=style),
                Text(row.status.label, style=style),
                Text(row.priority.value, style=style),
                Text(row.channel.label, style=style),
                Text(format_moment(row.updated_at), style=style),
                Text(literal(row.subject), style=style),
                key=str(row.id),
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(int(event.row_key.value)))
