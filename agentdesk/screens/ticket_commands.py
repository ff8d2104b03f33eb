"""Command palette (ctrl+p) on a ticket: every action the ticket's keys offer (from the one
table, screens/ticket_keys.py, and only those allowed now), and jumping to a macro by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from agentdesk.screens.ticket_keys import TICKET_KEYS
from agentdesk.widgets.literal import literal

if TYPE_CHECKING:
    from agentdesk.screens.ticket import TicketScreen

MACRO_HITS = 8


class TicketCommands(Provider):
    @property
    def ticket(self) -> TicketScreen:
        return cast("TicketScreen", self.screen)

    def _actions(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.ticket
        return [
            (entry.title, entry.palette_help, partial(screen.run_action, entry.action))
            for entry in TICKET_KEYS
            if screen.check_action(*entry.parsed) is not False
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
        if not query.strip():
            return
        if self.ticket.check_action("macros", ()) is False:
            return
        from agentdesk.desk.macros import find_macros

        # Reading the folders (only changed files) and building the index: not on the loop.
        found = await asyncio.to_thread(find_macros, self.ticket.desk, query, MACRO_HITS)
        for rank, macro in enumerate(found):
            title = literal(macro.title)
            yield Hit(
                0.9 - rank / 100,
                Content.assemble(("Macro ", "$text-muted"), title),
                partial(self.ticket.open_macro_picker, macro.title),
                text=title,
                help="Open it in the macro picker",
            )
