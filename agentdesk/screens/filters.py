"""The queue filter: status, priority, channel, region, tier. None ticked in a list: any."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList
from textual.widgets.selection_list import Selection

from agentdesk.core.ticket import OPEN_STATUSES, Channel, Priority, Region, Status, Tier
from agentdesk.store.rows import QueueFilter
from agentdesk.widgets.tick_list import TickList


class FilterScreen(ModalScreen[QueueFilter | None]):
    """Returns the new filter, or None when cancelled. The view is kept as it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("a", "apply", "Apply", id="filters.apply"),
        Binding("d", "defaults", "Defaults", id="filters.defaults"),
    ]

    def __init__(self, current: QueueFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        queue = self.current
        with Vertical(id="filters-dialog"):
            yield Label("Filter the queue", id="filters-title")
            with Horizontal(id="filters-lists"):
                yield self._list(
                    "status", "Status", [(s.label, s.value, s in queue.statuses) for s in Status]
                )
                yield self._list(
                    "priority",
                    "Priority",
                    [(p.value, p.value, p in queue.priorities) for p in Priority],
                )
                yield self._list(
                    "channel", "Channel", [(c.label, c.value, c in queue.channels) for c in Channel]
                )
                yield self._list(
                    "region", "Region", [(r.value, r.value, r in queue.regions) for r in Region]
                )
                yield self._list(
                    "tier", "Tier", [(t.value, t.value, t in queue.tiers) for t in Tier]
                )
            yield Label(
                "space ticks · tab next list · none ticked = any", id="filters-hint", markup=False
            )
            with Horizontal(id="filters-buttons"):
                yield Button("Apply (a)", variant="primary", id="apply")
                yield Button("Defaults (d)", id="defaults")
                yield Button("Cancel (esc)", id="cancel")

    @staticmethod
    def _list(key: str, title: str, options: list[tuple[str, str, bool]]) -> SelectionList[str]:
        selections = [Selection(label, value, ticked) for label, value, ticked in options]
        widget: SelectionList[str] = TickList(*selections, id=f"filter-{key}")
        widget.border_title = title
        return widget

    def _ticked(self, key: str) -> list[str]:
        return list(self.query_one(f"#filter-{key}", SelectionList).selected)

    def chosen(self) -> QueueFilter:
        return replace(
            self.current,
            statuses=frozenset(Status(v) for v in self._ticked("status")),
            priorities=frozenset(Priority(v) for v in self._ticked("priority")),
            channels=frozenset(Channel(v) for v in self._ticked("channel")),
            regions=frozenset(Region(v) for v in self._ticked("region")),
            tiers=frozenset(Tier(v) for v in self._ticked("tier")),
        )

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#defaults")
    def action_defaults(self) -> None:
        open_values = {s.value for s in OPEN_STATUSES}
        for key in ("status", "priority", "channel", "region", "tier"):
            widget: SelectionList[str] = self.query_one(f"#filter-{key}", SelectionList)
            widget.deselect_all()
            if key == "status":
                for value in open_values:
                    widget.select(value)
