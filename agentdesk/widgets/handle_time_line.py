"""The current interaction's handle time against the SOP target, on one line of the ticket
header: "Handle time 3 min / 5 min". It repaints only itself, once a minute while an
interaction runs (the link may be 256 kbit/s: never the whole screen), and when the ticket
changes (the screen hands it a new reading)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from agentdesk.core.handle_time import HandleTime

REPAINT_SECONDS = 60.0


class HandleTimeLine(Static):
    DEFAULT_CSS = """
    HandleTimeLine {
        height: 1;
    }
    HandleTimeLine.-none {
        display: none;
    }
    """

    def __init__(self, clock: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="-none")
        self.clock = clock
        self.reading: HandleTime | None = None

    def on_mount(self) -> None:
        self.set_interval(REPAINT_SECONDS, self._tick, name="handle-time")

    def show(self, reading: HandleTime) -> None:
        self.reading = reading
        self._paint()

    def _tick(self) -> None:
        reading = self.reading
        if reading is None or reading.interaction is None or not reading.interaction.running:
            return  # nothing moves: no repaint
        started = reading.interaction.started_at
        seconds = max(0, int((self.clock() - started).total_seconds()))
        self.reading = replace(reading, interaction=replace(reading.interaction, seconds=seconds))
        self._paint()

    def _paint(self) -> None:
        reading = self.reading
        label = "" if reading is None else reading.minutes_label
        self.set_class(not label, "-none")
        if not label or reading is None:
            return
        style = "bold $text-error" if reading.over_target else "$text-muted"
        self.update(Content.assemble(("Handle time ", "$text-muted"), (label, style)))
