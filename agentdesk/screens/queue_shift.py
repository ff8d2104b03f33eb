"""The queue's shift keys: the start and end screens, presence (b: break and back), and the
presence shown in the header with a break timer. A mixin of QueueScreen, kept apart so the
queue's own file stays about the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import work
from textual.message import Message
from textual.screen import Screen

from agentdesk.core.errors import agent_message
from agentdesk.core.shift import Interval, Presence
from agentdesk.desk.base import Desk
from agentdesk.widgets.queue_header import QueueHeader


@dataclass
class PresenceLoaded(Message):
    presence: Interval | None


def presence_text(presence: Interval | None, now: datetime) -> str:
    if presence is None:
        return "no shift"
    if presence.state is Presence.BREAK:
        seconds = max(int((now - presence.start).total_seconds()), 0)
        return f"on break {seconds // 60:02d}:{seconds % 60:02d} (b: back)"
    return presence.state.label


class QueueShiftKeys(Screen[None]):
    desk: Desk | None
    _presence: Interval | None = None

    def show_presence(self) -> None:
        if self.desk is not None and self.desk.settings.shift and not self.desk.read_only:
            self._load_presence(self.desk, None)
            self.set_interval(1.0, self._tick_presence, name="presence-timer")

    def _tick_presence(self) -> None:
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
        if self.desk is not None:
            self._load_presence(self.desk, Presence(state))

    def action_toggle_break(self) -> None:
        on_break = self._presence is not None and self._presence.state is Presence.BREAK
        self.action_presence(Presence.AVAILABLE.value if on_break else Presence.BREAK.value)

    def action_shift_start(self) -> None:
        from agentdesk.screens.shift_start import ShiftStartScreen

        if self.desk is not None:
            self.app.push_screen(ShiftStartScreen(self.desk), lambda _: self.show_presence())

    def action_shift_end(self) -> None:
        from agentdesk.screens.shift_end import ShiftEndScreen

        if self.desk is not None:
            self.app.push_screen(ShiftEndScreen(self.desk), lambda _: self.show_presence())
