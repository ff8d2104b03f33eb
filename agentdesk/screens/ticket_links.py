"""The ticket screen's links (issue 14): K links the ticket to another one (refers to,
depends on, member of a parent incident), M merges it as a duplicate into another. Both are
written at once and reach the helpdesk through the outbox. A part of TicketScreen (its base),
kept in a file of its own; the links are listed on the History tab (4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import Screen

from agentdesk.core.links import LinkKind

if TYPE_CHECKING:
    from agentdesk.desk import Desk

OTHER_TICKET = "The other ticket's number (#123)"


class TicketLinks(Screen[None]):
    desk: Desk
    ticket_id: int

    @dataclass
    class LinkDone(Message):
        notice: str

    # TicketScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def _run(
            self, job: Callable[[], Message | None], *, group: str, exclusive: bool = False
        ) -> None: ...

        def _load(self, *, reset_note: bool = False) -> None: ...

    def action_link(self) -> None:
        from agentdesk.screens.choice_dialog import ChoiceDialog

        options = [(kind.value, f"#{self.ticket_id} {kind.label} …") for kind in LinkKind]
        dialog = ChoiceDialog(
            f"Link #{self.ticket_id} to another ticket",
            options,
            reason=OTHER_TICKET,
            reason_required=True,
            reason_placeholder="#123",
        )
        self.app.push_screen(dialog, self._link_chosen)

    def _link_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is None:
            return
        from agentdesk.desk.links import link_tickets, ticket_number

        kind = LinkKind(chosen[0])

        def job() -> TicketLinks.LinkDone:
            other = ticket_number(chosen[1])
            link_tickets(self.desk, self.ticket_id, other, kind)
            return self.LinkDone(f"#{self.ticket_id} {kind.label} #{other}.")

        self._run(job, group="ticket-change")

    def action_merge(self) -> None:
        from agentdesk.screens.choice_dialog import ChoiceDialog

        dialog = ChoiceDialog(
            f"Merge #{self.ticket_id} as a duplicate into another ticket: #{self.ticket_id} "
            "is closed, its conversation shows on the other ticket",
            [("merge", f"Merge #{self.ticket_id} into the ticket below")],
            reason=OTHER_TICKET,
            reason_required=True,
            reason_placeholder="#123",
        )
        self.app.push_screen(dialog, self._merge_chosen)

    def _merge_chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is None:
            return
        from agentdesk.desk.links import merge_into, ticket_number

        def job() -> TicketLinks.LinkDone:
            other = ticket_number(chosen[1])
            merge_into(self.desk, self.ticket_id, other)
            return self.LinkDone(f"#{self.ticket_id} is merged into #{other} and closed.")

        self._run(job, group="ticket-change")

    def on_ticket_links_link_done(self, message: LinkDone) -> None:
        self.notify(message.notice, title=f"#{self.ticket_id}", markup=False)
        self._load()
