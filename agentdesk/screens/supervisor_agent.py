"""Monitoring mode's drill-down (issue 15): one agent's open tickets, in SLA-risk order, and
from there a ticket, read-only (the ticket screen on the read-only desk offers no write)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import WorkerCancelled, WorkerFailed

from agentdesk.core.errors import agent_message
from agentdesk.screens.supervisor_keys import AGENT_KEYS, WatchCommands, bar_ranks, bindings
from agentdesk.screens.supervisor_keys import help_rows as watch_help_rows
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.ticket_pages import PAGE_SIZE, PageLoader
from agentdesk.widgets.ticket_table import TicketTable

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk
    from agentdesk.desk.supervisor import AgentLine
    from agentdesk.desk.ticket_work import OpenedTicket
    from agentdesk.store.rows import QueueRow


class AgentTicketsScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_name("supervisor.tcss")
    COMMANDS = {WatchCommands}
    KEYS = AGENT_KEYS
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(AGENT_KEYS))

    @dataclass
    class Loaded(Message):
        total: int
        first_page: list[QueueRow]
        loader: PageLoader

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, desk: Desk, line: AgentLine) -> None:
        super().__init__()
        self.desk = desk
        self.line = line
        self.loads = 0  # tests wait on it

    def compose(self) -> ComposeResult:
        line = self.line
        tier = f" ({line.tier.value})" if line.tier is not None else ""
        yield Static(f"Monitoring mode · read-only · {line.handle}{tier}", id="agent-title")
        p = line.by_priority
        presence = f" · {line.presence}" if line.presence else ""
        if line.handle_ticket is not None:
            presence += f" · working #{line.handle_ticket} {line.handle_time}"
        yield Static(
            f"{line.name} · open {line.open} (P0 {p[0]} · P1 {p[1]} · P2 {p[2]} · P3 {p[3]} · "
            f"P4 {p[4]}) · at risk {line.at_risk} · breached {line.breached}"
            f"{presence} · {line.shift or 'unassigned'}",
            id="agent-summary",
        )
        yield TicketTable(self.desk.clock, empty_text="No open tickets.", id="agent-tickets")
        yield KeyBar(bar_ranks(AGENT_KEYS))

    @property
    def table(self) -> TicketTable:
        return self.query_one("#agent-tickets", TicketTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load(self.desk, self.line.agent_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="agent-tickets")
    def _load(self, desk: Desk, agent_id: int | None) -> None:
        from agentdesk.desk.supervisor import agent_queue

        try:
            start = agent_queue(desk, agent_id, PAGE_SIZE)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Loaded(start.total, start.first_page, start.loader))

    def on_agent_tickets_screen_loaded(self, message: Loaded) -> None:
        self.table.show_queue(message.total, message.loader, message.first_page, keep_cursor=True)
        self.loads += 1

    def on_agent_tickets_screen_failed(self, message: Failed) -> None:
        self.notify(message.error, title=self.line.handle, severity="error", markup=False)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        from agentdesk.screens.help import HelpScreen

        rows = watch_help_rows(AGENT_KEYS, self)
        self.app.push_screen(HelpScreen(f"Keys of {self.line.handle}'s tickets", rows))

    async def action_open_ticket(self) -> None:
        ticket_id = self.table.cursor_ticket_id
        if ticket_id is None:
            raise SkipAction()
        await self.open_ticket(ticket_id)

    async def on_ticket_table_ticket_chosen(self, message: TicketTable.TicketChosen) -> None:
        await self.open_ticket(message.ticket_id)

    async def open_ticket(self, ticket_id: int) -> None:
        """The ticket screen on the read-only desk: conversation, note, history; no write."""
        from agentdesk.screens.ticket import TicketScreen

        try:
            opened = await self._read_ticket(self.desk, ticket_id).wait()
        except WorkerCancelled:
            return
        except WorkerFailed as failed:
            problem = agent_message(failed.error)
        else:
            if opened is not None:
                await self.app.push_screen(TicketScreen(self.desk, opened))
                return
            problem = "it is not in this store"
        self.notify(
            f"Ticket #{ticket_id} cannot be opened: {problem}",
            title=self.line.handle,
            severity="error",
            markup=False,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="open-ticket")
    def _read_ticket(self, desk: Desk, ticket_id: int) -> OpenedTicket | None:
        from agentdesk.desk.ticket_work import read_ticket

        return read_ticket(desk, ticket_id)
