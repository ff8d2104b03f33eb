"""The queue's actions, once: each one's key, label, palette title, description and id. The
screen's bindings and its command palette (ctrl+p) are both made from QUEUE_ACTIONS; the
palette also jumps to a ticket by id or words."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from agentdesk.core.text_search import TEXT_HINT
from agentdesk.screens.help import HelpRow
from agentdesk.widgets.literal import literal

if TYPE_CHECKING:
    from agentdesk.screens.queue import QueueScreen

TICKET_HITS = 12


@dataclass(frozen=True)
class QueueAction:
    id: str  # the binding id (user keymaps name it), "queue.<id>"
    action: str  # the screen's action, as a binding writes it
    label: str  # the key bar's word for it
    description: str  # the palette's help line
    title: str = ""  # the palette's name for it; "" keeps it out of the palette
    key: str = ""  # "" for a palette-only action
    key_display: str | None = None
    show: bool = True  # in the key bar
    priority: bool = False
    rank: int = 2  # the key bar's: higher ranks are left off first when room is short

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            id=f"queue.{self.id}",
        )


QUEUE_ACTIONS: tuple[QueueAction, ...] = (
    # The summary line shows the view keys; the key bar has no room for them at 80 columns.
    QueueAction(
        "view_mine",
        "show_view('mine')",
        "Mine",
        "Tickets assigned to you",
        title="View: Mine",
        key="1",
        show=False,
    ),
    QueueAction(
        "view_unassigned",
        "show_view('unassigned')",
        "Unassigned",
        "Tickets nobody has taken",
        title="View: Unassigned",
        key="2",
        show=False,
    ),
    QueueAction(
        "view_all",
        "show_view('all')",
        "All",
        "Every ticket in the queue",
        title="View: All",
        key="3",
        show=False,
    ),
    QueueAction(
        "view_tier",
        "show_view('tier')",
        "My tier",
        "Tickets at your tier (L2: what was escalated to L2)",
        title="View: My tier",
        key="4",
        show=False,
    ),
    # Priority: the app runs it before forwarding the keys typed after it to the search box.
    QueueAction(
        "search",
        "search",
        "Search",
        "Fuzzy search by #id, subject or customer; " + TEXT_HINT,
        title="Search tickets",
        key="slash",
        key_display="/",
        priority=True,
    ),
    QueueAction(
        "filters",
        "filters",
        "Filters",
        "Status, priority, channel, region, tier",
        title="Filter the queue…",
        key="f",
    ),
    QueueAction(
        "reset_filter",
        "reset_filter",
        "Reset filter",
        "Open tickets, any priority/channel/region",
        title="Reset the filter",
    ),
    QueueAction(
        "refresh",
        "refresh",
        "Refresh",
        "Reload counts and rows from the store",
        title="Refresh the queue",
        key="r",
    ),
    QueueAction("clear_search", "clear_search", "Clear search", "Close the search", key="escape"),
    QueueAction(
        "conflicts",
        "conflicts",
        "Conflicts",
        "Fields changed both here and in the helpdesk: resolve them",
        title="Sync conflicts…",
        key="C",
        key_display="C",
    ),
    # The shift (screens/queue_shift.py).
    QueueAction(
        "toggle_break",
        "toggle_break",
        "Break",
        "Go on break, or back to available (the header shows the timer)",
        title="Presence: break / back to available",
        key="b",
        show=False,
    ),
    QueueAction(
        "training",
        "presence('training')",
        "Training",
        "In training or a meeting",
        title="Presence: in training/meeting",
    ),
    QueueAction(
        "wrap_up_presence",
        "presence('wrap_up')",
        "Wrap-up",
        "Wrap-up work (after-contact, end of shift)",
        title="Presence: wrap-up",
    ),
    QueueAction(
        "shift_start",
        "shift_start",
        "Shift start",
        "The start-of-shift checklist, announcements and handovers",
        title="Shift: start-of-shift checklist",
    ),
    QueueAction(
        "shift_end",
        "shift_end",
        "End shift",
        "Follow-ups, handovers, wrap-up notes, then close the shift",
        title="Shift: end of shift…",
    ),
    # Issue 14: intake, the SOP's first step (screens/queue_intake.py).
    QueueAction(
        "new_ticket",
        "new_ticket",
        "New",
        "Intake: find or create the customer, channel, priority, first message",
        title="New ticket",
        key="N",
        key_display="N",
    ),
    # Issue 15: the KPIs of the SOP, read only (the lead's dashboard opens it too).
    QueueAction(
        "kpi_board",
        "kpi_board",
        "KPI board",
        "Every KPI against its target, trends, the SLA breach heatmap",
        title="KPI board",
    ),
    QueueAction(
        "open",
        "open_ticket",
        "Open",
        "Open the ticket under the cursor",
        key="enter",
        priority=True,
    ),
    QueueAction(
        "help",
        "help",
        "Help",
        "Every key of the queue",
        title="Help: keys of this screen",
        key="question_mark,f1",
        key_display="?",
        rank=4,
    ),
)


def queue_bar_ranks() -> dict[str, int]:
    return {f"queue.{action.id}": action.rank for action in QUEUE_ACTIONS}


def queue_help_rows() -> list[HelpRow]:
    """The help screen's rows: every key of QUEUE_ACTIONS (palette-only ones too)."""
    return [
        HelpRow(action.key or "ctrl+p", action.title or action.label, action.description)
        for action in QUEUE_ACTIONS
    ]


def queue_bindings() -> list[Binding]:
    return [action.binding() for action in QUEUE_ACTIONS if action.key]


class QueueCommands(Provider):
    @property
    def queue(self) -> QueueScreen:
        return cast("QueueScreen", self.screen)

    def _palette(self) -> list[QueueAction]:
        return [action for action in QUEUE_ACTIONS if action.title]

    async def discover(self) -> Hits:
        for action in self._palette():
            yield DiscoveryHit(
                action.title, partial(self.queue.run_action, action.action), help=action.description
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._palette():
            score = matcher.match(action.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.title),
                    partial(self.queue.run_action, action.action),
                    help=action.description,
                )
        index = self.queue.search_index
        if index is None or not query.strip():
            return
        # Ranking 50,000 tickets takes tens of ms: not on the event loop.
        ids = await asyncio.to_thread(index.search, query, TICKET_HITS)
        for rank, ticket_id in enumerate(ids):
            text = literal(index.text(ticket_id))
            yield Hit(
                0.9 - rank / 100,
                Content.assemble(("Open ", "$text-muted"), text),
                partial(self.queue.open_ticket, ticket_id),
                text=text,
                help="Open the ticket",
            )
