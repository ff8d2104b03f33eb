"""The line above the queue: which view is active, what the filter lets through, how many."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from agentdesk.core.ticket import OPEN_STATUSES
from agentdesk.store.rows import QueueFilter, View
from agentdesk.widgets.literal import literal

VIEW_KEYS = {View.MINE: "1", View.UNASSIGNED: "2", View.ALL: "3", View.TIER: "4"}


def describe_filter(queue: QueueFilter) -> str:
    """'open · P0,P1 · chat · EMEA'; "any" dimensions are left out."""

    def names(values: Iterable[str]) -> str:
        return ",".join(sorted(values))

    if queue.statuses == frozenset(OPEN_STATUSES):
        statuses = "open"
    elif not queue.statuses:
        statuses = "any status"
    else:
        statuses = names(s.label for s in queue.statuses)
    parts = [statuses]
    if queue.priorities:
        parts.append(names(p.value for p in queue.priorities))
    if queue.channels:
        parts.append(names(c.label for c in queue.channels))
    if queue.regions:
        parts.append(names(r.value for r in queue.regions))
    if queue.tiers:
        parts.append(names(t.value for t in queue.tiers))
    return " · ".join(parts)


class QueueSummary(Widget):
    DEFAULT_CSS = """
    QueueSummary {
        height: 1;
        background: $boost;
    }
    """

    queue_filter: reactive[QueueFilter] = reactive(QueueFilter)
    search: reactive[str] = reactive("")
    """The search being shown, "" when none."""
    total: reactive[int | None] = reactive(None)

    def render(self) -> Content:
        width = self.size.width
        parts: list[Content | str | tuple[str, str]] = [" "]
        tier = self.queue_filter.tier
        for view, key in VIEW_KEYS.items():
            label = f"{tier.value} queue" if view is View.TIER and tier is not None else view.label
            if view is self.queue_filter.view:
                parts += [(f" {key} {label} ", "bold reverse $text-accent"), " "]
            else:
                parts += [(key, "$text-muted"), f" {label}  "]
        views = Content.assemble(*parts)
        if self.search:
            middle = Content.assemble(("search ", "$text-muted"), "“", literal(self.search), "”")
        else:
            middle = Content.assemble(
                ("filter ", "$text-muted"), describe_filter(self.queue_filter)
            )
        count = Content("")
        if self.total is not None:
            noun = "match" if self.search else "ticket"
            plural = noun + ("es" if noun == "match" else "s")
            count = Content(f"{self.total:,} {noun if self.total == 1 else plural} ")
        room = width - views.cell_length - count.cell_length - 1
        if room < 8:
            return Content.assemble(views, count.right(max(width - views.cell_length, 0)))
        middle = middle.truncate(room, ellipsis=True)
        gap = " " * max(room - middle.cell_length + 1, 1)
        return Content.assemble(views, middle, gap, count)
