"""What the queue opens over itself: a ticket (enter, or a double click on its row), read
before its screen is pushed, and the help, the KPI board and the conflicts. A mixin of
QueueScreen, kept apart so the queue's own file stays about the queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.actions import SkipAction
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from agentdesk.core.errors import agent_message
from agentdesk.desk.base import Desk
from agentdesk.widgets.ticket_table import TicketTable

if TYPE_CHECKING:
    from agentdesk.desk.ticket_work import OpenedTicket


class QueueOpens(Screen[None]):
    desk: Desk | None

    # QueueScreen provides this (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        @property
        def table(self) -> TicketTable: ...

    def action_help(self) -> None:
        from agentdesk.screens.help import HelpScreen
        from agentdesk.screens.queue_commands import queue_help_rows

        self.app.push_screen(HelpScreen("Keys in the queue", queue_help_rows()))

    def action_kpi_board(self) -> None:
        from agentdesk.screens.kpi_board import KpiBoardScreen

        if self.desk is not None:
            self.app.push_screen(KpiBoardScreen(self.desk))

    def action_conflicts(self) -> None:
        from agentdesk.screens.conflicts import ConflictsScreen

        if self.desk is not None:
            self.app.push_screen(ConflictsScreen(self.desk))

    async def on_ticket_table_ticket_chosen(self, message: TicketTable.TicketChosen) -> None:
        await self.open_ticket(message.ticket_id)  # a double click

    async def action_open_ticket(self) -> None:
        """Enter on the table. A priority binding, so the app waits here: keys typed while
        the ticket opens (an agent who types `r` and a reply at once, over a slow link) go
        to the ticket screen once it can take them, not to the queue's own keys."""
        ticket_id = self.table.cursor_ticket_id
        if ticket_id is None:
            raise SkipAction()
        await self.open_ticket(ticket_id)

    async def open_ticket(self, ticket_id: int) -> None:
        """Read the ticket, then push its screen: the first frame shows the ticket, and the
        read does not compete with a layout of placeholders."""
        from agentdesk.screens.ticket import TicketScreen

        desk = self.desk
        if desk is None:
            self.notify(
                "Still opening the workspace; try again in a moment.", title="Queue", markup=False
            )
            return
        try:
            opened = await self._read_ticket(desk, ticket_id).wait()
        except WorkerCancelled:
            return  # another ticket was asked for since
        except WorkerFailed as failed:
            problem = agent_message(failed.error)
        else:
            if opened is not None:
                screen = TicketScreen(desk, opened)
                await self.app.push_screen(screen)
                await screen.ready()
                return
            problem = "it is not in this store"
        self.notify(
            f"Ticket #{ticket_id} cannot be opened: {problem}",
            title="Queue",
            severity="error",
            markup=False,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="open-ticket")
    def _read_ticket(self, desk: Desk, ticket_id: int) -> OpenedTicket | None:
        from agentdesk.desk.ticket_work import read_ticket

        return read_ticket(desk, ticket_id)
