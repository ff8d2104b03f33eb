"""The queue's intake key (N, and "New ticket" in the palette): the intake screen, then the
new ticket, with verification next for phone and chat (the SOP's step 2). A mixin of
QueueScreen, kept apart so the queue's own file stays about the queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from agentdesk.desk.base import Desk


class QueueIntakeKeys(Screen[None]):
    desk: Desk | None

    # QueueScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        async def open_ticket(self, ticket_id: int) -> None: ...

        def reload(self, *, keep_cursor: bool = False, counts: bool = True) -> None: ...

    def action_new_ticket(self) -> None:
        from agentdesk.screens.intake import IntakeScreen

        if self.desk is None:
            self.notify(
                "Still opening the workspace; try again in a moment.", title="Queue", markup=False
            )
            return
        if self.desk.read_only:
            self.notify(
                "Monitoring mode is read-only: a new ticket is opened from an agent's desk.",
                title="New ticket",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(IntakeScreen(self.desk), self._intake_done)

    async def _intake_done(self, created: object) -> None:
        # Here, not at the top: core.intake loads rapidfuzz, which the first rows do not need.
        from agentdesk.core.intake import needs_verification
        from agentdesk.screens.intake import Created
        from agentdesk.screens.ticket import TicketScreen

        if not isinstance(created, Created):
            return
        self.notify(f"Ticket #{created.ticket_id} created", title="Intake", markup=False)
        self.reload(keep_cursor=True)
        await self.open_ticket(created.ticket_id)
        screen = self.app.screen
        if isinstance(screen, TicketScreen) and needs_verification(created.channel):
            screen.action_verify()
