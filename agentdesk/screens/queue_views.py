"""The queue's view and filter keys: the views (1 to 4), the filter screen (f), the filter
reset (in the palette) and a re-read (r). A mixin of QueueScreen, kept apart so the queue's
own file stays about the queue."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.screen import Screen

from agentdesk.config import Settings
from agentdesk.desk.base import Desk
from agentdesk.store.rows import QueueFilter, View


class QueueViews(Screen[None]):
    desk: Desk | None
    settings: Settings
    queue_filter: QueueFilter

    # QueueScreen provides this (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def reload(self, *, keep_cursor: bool = False, counts: bool = True) -> None: ...

    def action_show_view(self, view: str) -> None:
        chosen = View(view)
        if chosen in (View.MINE, View.TIER) and self.queue_filter.agent_id is None and self.desk:
            handle = self.settings.agent_handle
            who = f"No agent {handle!r} in this helpdesk" if handle else "No agent is set"
            self.notify(
                f"{who}, so {chosen.label} is empty: check [agent] handle in the profile's "
                "config file.",
                title=chosen.label,
                severity="warning",
                markup=False,
            )
        self.queue_filter = replace(self.queue_filter, view=chosen)
        self.reload(counts=False)  # the header counts every open ticket, whatever the view

    def action_filters(self) -> None:
        from agentdesk.screens.filters import FilterScreen

        self.app.push_screen(FilterScreen(self.queue_filter), self._filter_chosen)

    def _filter_chosen(self, chosen: QueueFilter | None) -> None:
        if chosen is not None and chosen != self.queue_filter:
            self.queue_filter = chosen
            # The header's counts do not depend on the filter: reading them again would only
            # compete with the count and the first page for the CPU (issue 17).
            self.reload(counts=False)

    def action_reset_filter(self) -> None:
        current = self.queue_filter
        self._filter_chosen(
            QueueFilter(view=current.view, agent_id=current.agent_id, tier=current.tier)
        )

    def action_refresh(self) -> None:
        self.reload(keep_cursor=True)
