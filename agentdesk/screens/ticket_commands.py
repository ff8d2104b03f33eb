"""Command palette (ctrl+p) on a ticket: the macro actions, and jumping to a macro by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from agentdesk.widgets.literal import literal

if TYPE_CHECKING:
    from agentdesk.screens.ticket_detail import TicketDetailScreen

MACRO_HITS = 8


class TicketCommands(Provider):
    @property
    def ticket_screen(self) -> TicketDetailScreen:
        return cast("TicketDetailScreen", self.screen)

    def _actions(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.ticket_screen
        return [
            ("Macros…", "Search canned responses and macros for this ticket", screen.action_macros),
            ("Undo the last macro", "Before it is synced", screen.action_undo_macro),
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
        catalog = self.ticket_screen.session.macros
        if not query.strip():
            return
        # Reading the folders (only changed files) and building the index: not on the loop.
        index = await asyncio.to_thread(lambda: catalog.index(catalog.refresh()))
        for rank, hit in enumerate(index.search(query, limit=MACRO_HITS)):
            title = literal(hit.macro.title)
            yield Hit(
                0.9 - rank / 100,
                Content.assemble(("Macro ", "$text-muted"), title),
                partial(self.ticket_screen.open_macro_picker, hit.macro.title),
                text=title,
                help="Open it in the macro picker",
            )
