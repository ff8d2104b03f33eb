"""The end of the shift: what each held ticket still needs, the end review that stops the
shift closing, and the handovers (internal notes whose first line says who they are for).

Pure: no IO, time is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from agentdesk.core.shift import END_CHECKS, ChecklistItem, ItemState, Phase, missing_required
from agentdesk.core.ticket import Priority

# The end of the shift.


class Disposition(StrEnum):
    FOLLOW_UP = "follow_up"
    HANDOVER = "handover"
    LEFT = "left_assigned"

    @property
    def label(self) -> str:
        return {
            Disposition.FOLLOW_UP: "follow-up",
            Disposition.HANDOVER: "handed over",
            Disposition.LEFT: "left assigned",
        }[self]


@dataclass(frozen=True)
class EndTicket:
    """One ticket the agent holds or worked on this shift, as the end of shift sees it."""

    id: int
    subject: str
    priority: Priority
    assigned_to_me: bool
    unsent_drafts: tuple[str, ...] = ()
    """The slots with unsent text ("composer", "note")."""
    note_missing: tuple[str, ...] = ()
    """Labels of the structured note's empty parts, when the agent wrote a partial note."""
    disposition: Disposition | None = None

    @property
    def ref(self) -> str:
        return f"#{self.id}"


def ticket_blockers(ticket: EndTicket) -> tuple[str, ...]:
    """What keeps this ticket from letting the shift close; a handover resolves each."""
    if ticket.disposition is Disposition.HANDOVER:
        return ()
    found = []
    if ticket.unsent_drafts:
        found.append(f"{ticket.ref}: unsent draft ({', '.join(ticket.unsent_drafts)})")
    if ticket.note_missing:
        found.append(
            f"{ticket.ref}: structured note incomplete (missing {', '.join(ticket.note_missing)})"
        )
    if ticket.priority in (Priority.P0, Priority.P1) and ticket.assigned_to_me:
        found.append(f"{ticket.ref}: {ticket.priority.value} with no handover")
    return tuple(found)


def end_item_done(check: str, tickets: Sequence[EndTicket], wrap_up: str) -> bool:
    """The derived end items: a wrap-up written, every held ticket given a disposition,
    every P0/P1 handed over."""
    if check == "wrap_up":
        return bool(wrap_up.strip())
    held = [t for t in tickets if t.assigned_to_me]
    if check == "dispositions":
        return all(t.disposition is not None for t in held)
    if check == "handovers":
        return all(
            t.disposition is Disposition.HANDOVER
            for t in held
            if t.priority in (Priority.P0, Priority.P1)
        )
    return False


@dataclass(frozen=True)
class EndReview:
    tickets: tuple[EndTicket, ...]
    blockers: tuple[str, ...]
    items: tuple[ItemState, ...] = field(default=())

    @property
    def may_close(self) -> bool:
        return not self.blockers


def end_review(
    tickets: Sequence[EndTicket], end_items: Sequence[ChecklistItem], wrap_up: str, now: datetime
) -> EndReview:
    """Everything that stops the shift closing: ticket blockers first, then the end
    checklist's required items not done."""
    items = tuple(
        ItemState(item, passed=end_item_done(item.check, tickets, wrap_up))
        if item.check in END_CHECKS
        else ItemState(item)
        for item in end_items
    )
    blockers = [b for t in tickets for b in ticket_blockers(t)]
    blockers += [f"end checklist: {label}" for label in missing_required(items, Phase.END)]
    return EndReview(tuple(tickets), tuple(blockers), items)


# Handovers travel as internal notes whose first line says who they are for.

_HANDOVER_LINE = re.compile(
    r"^Handover from (?P<sender>\S+) to (?:(?P<agent>@\S+)|queue (?P<queue>\S+))$"
)


@dataclass(frozen=True)
class Handover:
    sender: str
    to_agent: str = ""
    to_queue: str = ""
    note: str = ""

    def addressed_to(self, handle: str) -> bool:
        return self.to_agent == handle or bool(self.to_queue)

    @property
    def target(self) -> str:
        return f"@{self.to_agent}" if self.to_agent else f"queue {self.to_queue}"


def handover_body(handover: Handover) -> str:
    return f"Handover from {handover.sender} to {handover.target}\n\n{handover.note.strip()}"


def parse_handover(body: str) -> Handover | None:
    first, _, rest = body.partition("\n")
    found = _HANDOVER_LINE.match(first.strip())
    if found is None:
        return None
    agent = found.group("agent")
    return Handover(
        sender=found.group("sender"),
        to_agent=agent[1:] if agent else "",
        to_queue=found.group("queue") or "",
        note=rest.strip(),
    )
