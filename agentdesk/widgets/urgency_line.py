"""One line on the ticket: its SLA at risk ("press X for the emergency path") and its tier's
passed time limit ("L1 limit passed 12 min ago: escalate or record why not"). Hidden when
nothing is urgent. It re-reads the time each minute without touching the rest of the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from agentdesk.core.emergency import Urgency

UrgencyNow = Callable[[], Urgency]


class UrgencyLine(Static):
    DEFAULT_CSS = """
    UrgencyLine {
        height: auto;
        padding: 0 1;
        background: $warning-muted;
        color: $text-warning;
        text-style: bold;
        display: none;
        &.-shown { display: block; }
    }
    """

    @dataclass
    class Changed(Message):
        """What the line says changed (the risk began, the limit passed): keys may open."""

        text: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._source: UrgencyNow | None = None
        self.urgency: Urgency | None = None
        self._shown: str | None = None

    def on_mount(self) -> None:
        self.set_interval(30.0, self.refresh_now, name="urgency-line")

    def show(self, source: UrgencyNow) -> None:
        """source: the ticket's urgency now (pure: no IO), asked again every 30 seconds."""
        self._source = source
        self.refresh_now()

    def refresh_now(self) -> None:
        if self._source is None:
            return
        self.urgency = self._source()
        text = self.urgency.message
        if text == self._shown:
            return
        changed = self._shown is not None
        self._shown = text
        self.set_class(bool(text), "-shown")
        self.update(Content(text))
        if changed:
            self.post_message(self.Changed(text))
