"""The SLA-at-risk path's 15-minute countdown to notify the on-duty manager, from the moment
the risk began, in whole minutes. It redraws itself only when its text changes (once a
minute), never the screen around it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from agentdesk.core.emergency import notify_countdown, notify_overdue

Clock = Callable[[], datetime]


class NotifyCountdown(Static):
    DEFAULT_CSS = """
    NotifyCountdown { height: 1; width: auto; text-style: bold; color: $text-warning; }
    NotifyCountdown.-overdue { color: $text-error; }
    NotifyCountdown.-done { color: $text-success; text-style: none; }
    """

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.clock = clock
        self.risk_began_at: datetime | None = None
        self.notified_at: datetime | None = None
        self.text = ""
        self.redraws = 0
        """How often the text changed (a test reads it: once a minute, not once a second)."""

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick, name="notify-countdown")

    def start(self, risk_began_at: datetime, notified_at: datetime | None) -> None:
        self.risk_began_at, self.notified_at = risk_began_at, notified_at
        self.tick()

    def tick(self) -> None:
        if self.risk_began_at is None:
            return
        now = self.clock()
        text = notify_countdown(self.risk_began_at, now, self.notified_at)
        if text == self.text:
            return
        self.text = text
        self.redraws += 1
        self.set_class(notify_overdue(self.risk_began_at, now, self.notified_at), "-overdue")
        self.set_class(self.notified_at is not None, "-done")
        self.update(Content(text))
