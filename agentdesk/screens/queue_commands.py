"""Command palette (ctrl+p) on the queue: its actions, and jumping to a ticket by id or words."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from agentdesk.widgets.literal import literal

if TYPE_CHECKING:
    from agentdesk.screens.queue import QueueScreen

TICKET_HITS = 12


class QueueCommands(Provider):
    @property
    def queue(self) -> QueueScreen:
        return cast("QueueScreen", self.screen)

    def _actions(self) -> list[tuple[str, str, Callable[[], object]]]:
        queue = self.queue
        return [
            ("View: Mine", "Tickets assigned to you", partial(queue.action_show_view, "mine")),
            (
                "View: Unassigned",
                "Tickets nobody has taken",
                partial(queue.action_show_view, "unassigned"),
            ),
            ("View: All", "Every ticket in the queue", partial(queue.action_show_view, "all")),
            ("Filter the queue…", "Status, priority, channel, region", queue.action_filters),
            ("Reset the filter", "Open tickets, any priority/channel/region", queue.reset_filter),
            ("Search tickets", "Fuzzy search by #id, subject or customer", queue.action_search),
            ("Refresh the queue", "Reload counts and rows from the store", queue.action_refresh),
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._actions():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        index = self.queue.search_index
        if index is None or not query.strip():
            return
        # Ranking 50,000 tickets takes tens of ms: not on the event loop.
        ids = await asyncio.to_thread(index.search, query, TICKET_HITS)
        for rank, ticket_id in enumerate(ids):
            text = literal(index.text(ticket_id))
            yield Hit(
                0.9 - rank / 100,
                Content.assemble(("Open ", "$text-muted"), text),
                partial(self.queue.open_ticket, ticket_id),
                text=text,
                help="Open the ticket",
            )
