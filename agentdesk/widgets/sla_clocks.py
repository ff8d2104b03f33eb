"""Every SLA clock of one ticket, live: first response, next update (P0) and resolution.

Redrawn every second only when the text changes. A P0 ticket whose next public update is
at risk or overdue gets a warning line, and the widget says so once per update cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from textual.content import Content
from textual.message import Message
from textual.widget import Widget

from agentdesk.core import sla
from agentdesk.core.changes import TicketSnapshot
from agentdesk.core.lifecycle import auto_close_due
from agentdesk.core.ticket import Priority, Status

_RISK_STYLE = {
    sla.Risk.OK: "$text-success",
    sla.Risk.AT_RISK: "bold $text-warning",
    sla.Risk.BREACHED: "bold $text-error",
    sla.Risk.PAUSED: "italic $text-muted",
}
_RISK_WORD = {
    sla.Risk.OK: "",
    sla.Risk.AT_RISK: " AT RISK",
    sla.Risk.BREACHED: " OVERDUE",
    sla.Risk.PAUSED: "",
}


def _hm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _due(moment: datetime, now: datetime) -> str:
    """'19:40' today; 'Tue 19:40' within a week either way; '8 Dec' further off, where the
    time left already says it to the hour. A bare time would read as today."""
    day, today = moment.astimezone(UTC).date(), now.astimezone(UTC).date()
    if day == today:
        return _hm(moment)
    if abs((day - today).days) < 7:
        return f"{moment.astimezone(UTC):%a} {_hm(moment)}"
    return f"{day.day} {day:%b}"


def clock_parts(
    ticket: TicketSnapshot, policy: sla.SlaPolicy, now: datetime
) -> list[tuple[sla.Clock, str, sla.Risk | None]]:
    """(clock, text, risk) for each clock the ticket has; risk None for a met clock. A clock
    with a recorded breach that no longer runs late reads "breached by 20m", for good."""
    sla_ticket = ticket.sla_ticket()
    readings = {r.clock: r for r in sla.clocks(sla_ticket, policy)}
    parts: list[tuple[sla.Clock, str, sla.Risk | None]] = []
    for clock in sla.Clock:
        if policy.target(ticket.priority, clock) is None:
            continue
        reading = readings.get(clock)
        level = None if reading is None else sla.risk(reading, now)
        late = sla.breached_by(sla_ticket, ticket.recorded_breaches, clock, now)
        if (
            late is not None
            and level is not sla.Risk.BREACHED
            and (reading is None or clock is not sla.Clock.NEXT_UPDATE)
        ):
            # Met late, or stopped by the resolve: breached, and by how much. (The update
            # cadence starts a new cycle at each reply: a running cycle shows itself.)
            parts.append((clock, sla.format_lateness(late), sla.Risk.BREACHED))
            continue
        if reading is None or level is None:
            if clock is sla.Clock.FIRST_RESPONSE and ticket.first_response_at is not None:
                parts.append((clock, f"met {_hm(ticket.first_response_at)}", None))
            elif clock is sla.Clock.RESOLUTION and ticket.resolved_at is not None:
                parts.append((clock, f"resolved {_hm(ticket.resolved_at)}", None))
            elif clock is sla.Clock.NEXT_UPDATE and ticket.status.is_open:
                parts.append((clock, "after the first reply", None))
            continue
        if level is sla.Risk.PAUSED:
            parts.append((clock, "paused", level))
            continue
        left = sla.format_time_left(sla.time_left(reading, now))
        due = "" if reading.due_at is None else f" due {_due(reading.due_at, now)}"
        parts.append((clock, f"{left}{_RISK_WORD[level]}{due}", level))
    return parts


def update_warning(ticket: TicketSnapshot, policy: sla.SlaPolicy, now: datetime) -> str:
    """The P0 warning: a public update is due soon (or overdue); "" otherwise."""
    if ticket.priority is not Priority.P0:
        return ""
    for reading in sla.clocks(ticket.sla_ticket(), policy):
        if reading.clock is not sla.Clock.NEXT_UPDATE or reading.due_at is None:
            continue
        level = sla.risk(reading, now)
        left = sla.format_time_left(sla.time_left(reading, now))
        if level is sla.Risk.AT_RISK:
            return f"P0: the next public update is due in {left} (every 30 min until resolved)"
        if level is sla.Risk.BREACHED:
            return f"P0: the public update is overdue by {left.lstrip('-')}: reply now"
    return ""


class SlaClocks(Widget):
    DEFAULT_CSS = """
    SlaClocks {
        height: auto;
    }
    """

    @dataclass
    class UpdateDueSoon(Message):
        """A P0 ticket's next update went at risk (posted once per update cycle)."""

        warning: str

    def __init__(
        self,
        policy: sla.SlaPolicy,
        clock: Callable[[], datetime],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.policy = policy
        self.clock = clock
        self.ticket: TicketSnapshot | None = None
        self._shown = ""
        self._warned_for: datetime | None = None

    def show(self, ticket: TicketSnapshot) -> None:
        self.ticket = ticket
        self.refresh(layout=True)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick, name="sla-clocks")

    def tick(self) -> None:
        if self.app.screen is not self.screen:
            # Under a dialog: a change there repaints the whole dialog screen (Textual).
            # The first tick back on top catches up.
            return
        content = self._content()
        if content.plain != self._shown:
            # A layout only when the clocks take another number of lines (the P0 warning
            # comes or goes, the text wraps): a layout repaints the screen around them.
            # (Measured as Textual's own get_content_height does, with the widget's styles.)
            width = self.content_region.width
            if width <= 0:
                # Not laid out yet (a tick before the first layout, seen under load):
                # Rich cannot measure text in no columns.
                self.refresh(layout=True)
            else:
                lines = content.get_height(self.styles, width)  # type: ignore[arg-type]
                self.refresh(layout=lines != self.content_region.height)
        warning = self.warning()
        if warning and self.ticket is not None:
            # Once per cycle: the last public reply anchors it.
            anchor = self.ticket.last_update_at or self.ticket.first_response_at
            if anchor != self._warned_for:
                self._warned_for = anchor
                self.post_message(self.UpdateDueSoon(warning))

    def warning(self) -> str:
        if self.ticket is None:
            return ""
        return update_warning(self.ticket, self.policy, self.clock())

    def render(self) -> Content:
        content = self._content()
        self._shown = content.plain
        return content

    def _content(self) -> Content:
        if self.ticket is None:
            return Content("")
        now = self.clock()
        pieces: list[Content] = []
        for clock, text, level in clock_parts(self.ticket, self.policy, now):
            style = "$text-muted" if level is None else _RISK_STYLE[level]
            pieces.append(Content.assemble((f"{clock.label} ", "$text-muted"), (text, style)))
        if not pieces:
            return Content.assemble(("SLA ", "$text-muted"), ("no clock running", "$text-muted"))
        line = Content.assemble(("SLA  ", "bold $text-muted"), Content("  ·  ").join(pieces))
        resolved_at = self.ticket.resolved_at
        if self.ticket.status is Status.RESOLVED and resolved_at is not None:
            closes = auto_close_due(resolved_at).strftime("%a %d %b %H:%M UTC")
            line += Content.assemble(
                ("  ·  ", "$text-muted"),
                ("closes itself after the quality check ", "$text-muted"),
                closes,
            )
        warning = self.warning()
        if warning:
            line += Content.assemble("\n", (f" ⚠ {warning} ", "bold reverse $text-warning"))
        return line
