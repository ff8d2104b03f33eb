"""The queue's shift keys: the start and end screens, presence (b: break and back), and the
presence shown in the header with a break timer, and the priority review of the start
checklist (the queue filtered to P0/P1; the item ticks itself once every one of them was on
screen). A mixin of QueueScreen, kept apart so the queue's own file stays about the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from agentdesk.core.errors import agent_message
from agentdesk.core.ticket import Priority
from agentdesk.desk.base import Desk
from agentdesk.store.rows import QueueFilter, View
from agentdesk.widgets.queue_header import QueueHeader
from agentdesk.widgets.ticket_table import TicketTable

if TYPE_CHECKING:
    from agentdesk.core.shift import Interval, Presence
    from agentdesk.desk.shift import ShiftView

# core.shift is imported where presence is shown or set: the first rows do not wait for it.

# How often the review looks at which rows are on screen (cheap: no IO, rows in memory).
REVIEW_EVERY = 0.3


@dataclass
class PresenceLoaded(Message):
    presence: Interval | None


def presence_text(presence: Interval | None, now: datetime) -> str:
    from agentdesk.core.shift import Presence

    if presence is None:
        return "no shift"
    if presence.state is Presence.BREAK:
        seconds = max(int((now - presence.start).total_seconds()), 0)
        return f"on break {seconds // 60:02d}:{seconds % 60:02d} (b: back)"
    return presence.state.label


@dataclass
class PriorityReviewed(Message):
    view: ShiftView | None
    """The shift after the tick; None while some open P0/P1 was not seen yet."""


class QueueShiftKeys(Screen[None]):
    desk: Desk | None
    queue_filter: QueueFilter
    _presence: Interval | None = None
    _review: Timer | None = None
    _review_seen: frozenset[int] = frozenset()
    _review_asked: frozenset[int] = frozenset()

    def reload(self, *, keep_cursor: bool = False, counts: bool = True) -> None: ...

    def after_shift_start(self, result: str | None) -> None:
        """The start screen closed; it may send the agent to review the P0/P1 tickets."""
        from agentdesk.screens.shift_start import PRIORITY_REVIEW

        self.show_presence()
        if result == PRIORITY_REVIEW:
            self.start_priority_review()

    def start_priority_review(self) -> None:
        current = self.queue_filter
        self.queue_filter = QueueFilter(
            view=View.ALL,
            agent_id=current.agent_id,
            tier=current.tier,
            priorities=frozenset({Priority.P0, Priority.P1}),
        )
        self._review_seen = self._review_asked = frozenset()
        self.reload()
        self.notify(
            "The open P0/P1 tickets: the checklist item ticks itself once you have seen "
            "them all (scroll through them).",
            title="Priority review",
            markup=False,
        )
        if self._review is None:
            self._review = self.set_interval(REVIEW_EVERY, self._look_at_rows, name="review")

    def _look_at_rows(self) -> None:
        if self.desk is None or self.queue_filter.priorities != {Priority.P0, Priority.P1}:
            return  # the agent changed the filter: what is on screen is not the review
        seen = self._review_seen | set(self.query_one(TicketTable).visible_ids())
        self._review_seen = seen
        if seen != self._review_asked:
            self._review_asked = seen
            self._ask_reviewed(self.desk, set(seen))

    @work(thread=True, exclusive=True, exit_on_error=False, group="priority-review")
    def _ask_reviewed(self, desk: Desk, seen: set[int]) -> None:
        from agentdesk.desk import shift

        try:
            self.post_message(PriorityReviewed(shift.priority_reviewed(desk, seen)))
        except Exception as error:
            self.app.call_from_thread(self.notify, agent_message(error), severity="error")

    def on_priority_reviewed(self, message: PriorityReviewed) -> None:
        if message.view is None or self._review is None:
            return
        self._review.stop()
        self._review = None
        self.notify("Priority queue reviewed: the checklist item is ticked.", markup=False)

    def show_presence(self) -> None:
        if self.desk is not None and self.desk.settings.shift and not self.desk.read_only:
            self._load_presence(self.desk, None)
            self.set_interval(1.0, self._tick_presence, name="presence-timer")

    def _tick_presence(self) -> None:
        from agentdesk.core.shift import Presence

        # Not under another screen: a change there repaints the whole top screen.
        if (
            self.app.screen is self
            and self._presence is not None
            and self._presence.state is Presence.BREAK
        ):
            self._paint_presence()

    def _paint_presence(self) -> None:
        header = self.query_one("#queue-header", QueueHeader)
        assert self.desk is not None
        header.presence = presence_text(self._presence, self.desk.now())

    @work(thread=True, exclusive=True, exit_on_error=False, group="presence")
    def _load_presence(self, desk: Desk, state: Presence | None) -> None:
        from agentdesk.desk import shift

        try:
            view = shift.shift_status(desk) if state is None else shift.set_presence(desk, state)
        except Exception as error:
            self.app.call_from_thread(self.notify, agent_message(error), severity="error")
            return
        self.post_message(PresenceLoaded(None if view is None else view.presence))

    def on_presence_loaded(self, message: PresenceLoaded) -> None:
        self._presence = message.presence
        self._paint_presence()

    def action_presence(self, state: str) -> None:
        from agentdesk.core.shift import Presence

        if self.desk is not None:
            self._load_presence(self.desk, Presence(state))

    def action_toggle_break(self) -> None:
        from agentdesk.core.shift import Presence

        on_break = self._presence is not None and self._presence.state is Presence.BREAK
        self.action_presence(Presence.AVAILABLE.value if on_break else Presence.BREAK.value)

    def action_shift_start(self) -> None:
        from agentdesk.screens.shift_start import ShiftStartScreen

        if self.desk is not None:
            self.app.push_screen(ShiftStartScreen(self.desk), self.after_shift_start)

    def action_shift_end(self) -> None:
        from agentdesk.screens.shift_end import ShiftEndScreen

        if self.desk is not None:
            self.app.push_screen(ShiftEndScreen(self.desk), lambda _: self.show_presence())
