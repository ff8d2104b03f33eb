"""A ticket's running SLA clock: which clock, when it is due, time left; live every second."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.content import Content
from textual.widget import Widget

from agentdesk.core.sla import ClockReading, Risk, format_time_left, risk, time_left

_RISK_TEXT = {
    Risk.OK: ("on track", "$text-success"),
    Risk.AT_RISK: ("AT RISK", "bold $text-warning"),
    Risk.BREACHED: ("BREACHED", "bold $text-error"),
    Risk.PAUSED: ("paused while Pending", "italic $text-muted"),
}


class SlaBadge(Widget):
    DEFAULT_CSS = """
    SlaBadge {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(
        self,
        reading: ClockReading | None,
        clock: Callable[[], datetime],
        *,
        breached_at: datetime | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.reading = reading
        self.clock = clock
        self.breached_at = breached_at
        self._shown = ""

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick, name="sla-badge")

    def _tick(self) -> None:
        # Repaint only when the text changes: every second is too much for a slow SSH link.
        # Not under another screen: a change there repaints the whole top screen.
        if self.app.screen is self.screen and self._content().plain != self._shown:
            self.refresh()

    def render(self) -> Content:
        content = self._content()
        self._shown = content.plain
        return content

    def _content(self) -> Content:
        reading = self.reading
        if reading is None:
            content = Content.assemble(("no SLA clock running", "$text-muted"))
        else:
            now = self.clock()
            level = risk(reading, now)
            label, style = _RISK_TEXT[level]
            parts: list[Content | str | tuple[str, str]] = [(reading.clock.label, "bold"), "  "]
            if level is not Risk.PAUSED:
                parts += [(format_time_left(time_left(reading, now)), style), "  "]
            parts.append((label, style))
            if reading.due_at is not None:
                parts += [("  due ", "$text-muted"), reading.due_at.strftime("%d %b %H:%M UTC")]
            content = Content.assemble(*parts)
        if self.breached_at is not None:
            breach = self.breached_at.strftime("%d %b %H:%M UTC")
            content += Content.assemble("\n", ("breach recorded ", "$text-error"), breach)
        return content
