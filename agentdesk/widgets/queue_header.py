"""The top line: profile, agent, connection state and open tickets per priority."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from agentdesk.core.ticket import Priority

_PRIORITY_STYLE = {
    Priority.P0: "bold $text-error",
    Priority.P1: "bold $text-warning",
    Priority.P2: "",
    Priority.P3: "$text-muted",
    Priority.P4: "$text-muted",
}

# The local backend has no remote to lose: it is never "offline".
_CONNECTION_STYLE = {
    "online": "$text-success",
    "local": "$text-accent",
    "offline": "$text-error",
    "paused": "$text-warning",
}


class QueueHeader(Widget):
    DEFAULT_CSS = """
    QueueHeader {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    profile: reactive[str] = reactive("")
    agent: reactive[str] = reactive("")
    connection: reactive[str] = reactive("local")
    outbox: reactive[int | None] = reactive(None)
    conflicts: reactive[int] = reactive(0)
    counts: reactive[Mapping[Priority, int] | None] = reactive(None)
    presence: reactive[str] = reactive("")
    """The shift's presence ("available", "on break 04:12 (b: back)"); "" without shifts."""

    def render(self) -> Content:
        width = self.size.width
        dot = _CONNECTION_STYLE.get(self.connection, "$text-muted")
        agent = self.agent or "no agent set"
        left = Content.assemble(
            (" agentdesk", "bold $text-primary"),
            "  ",
            ("profile ", "$text-muted"),
            self.profile,
            "  ",
            ("agent ", "$text-muted"),
            Content(agent),
            "  ",
            ("● ", dot),
            self.connection,
        )
        if self.presence:
            style = "bold $text-warning" if self.presence.startswith("on break") else "$text-muted"
            left += Content.assemble("  ", (self.presence, style))
        if self.outbox:
            left += Content.assemble("  ", ("outbox ", "$text-muted"), str(self.outbox))
        if self.conflicts:
            left += Content.assemble(
                "  ",
                (
                    f"{self.conflicts} conflict{'s' if self.conflicts > 1 else ''} (C)",
                    "bold $text-error",
                ),
            )
        right = self._counts()
        if left.cell_length + right.cell_length + 2 > width:
            # Narrow terminals lose the labels first, never the counts.
            left = Content.assemble(
                " ", self.profile, " · ", Content(agent), " · ", ("● ", dot), self.connection
            )
        gap = max(width - left.cell_length - right.cell_length, 1)
        return Content.assemble(left, " " * gap, right).truncate(width)

    def _counts(self) -> Content:
        if self.counts is None:
            return Content("")
        parts: list[Content | str | tuple[str, str]] = []
        for priority in Priority:
            style = _PRIORITY_STYLE[priority]
            parts += [(priority.value, style) if style else priority.value]
            parts.append(f" {self.counts[priority]}  ")
        parts.append(("open ", "$text-muted"))
        return Content.assemble(*parts)
