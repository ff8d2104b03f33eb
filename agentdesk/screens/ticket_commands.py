"""Command palette (ctrl+p) on a ticket: every lifecycle action, the tabs, the macro actions,
and jumping to a macro by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

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
        found: list[tuple[str, str, str, Callable[[], object]]] = [
            (
                "compose",
                "Reply to the customer",
                "r · public",
                partial(screen.action_compose, "reply"),
            ),
            (
                "compose",
                "Write an internal note",
                "n · agents only",
                partial(screen.action_compose, "internal_note"),
            ),
            ("assign_to_me", "Assign to me", "a", screen.action_assign_to_me),
            ("start_work", "Start work", "s · In progress", screen.action_start_work),
            ("pend", "Pend: waiting on customer or team", "p · pauses the SLA", screen.action_pend),
            (
                "resolve",
                "Resolve",
                "d · needs the note and the confirmation",
                screen.action_resolve,
            ),
            ("reopen", "Reopen", "o · Resolved -> In progress", screen.action_reopen),
            (
                "change_priority",
                "Change priority",
                "P · with a reason",
                screen.action_change_priority,
            ),
            ("escalate", "Escalate to L2/L3", "e · with a reason", screen.action_escalate),
            (
                "tags",
                "Add tags",
                "t · product area, issue type, priority, channel",
                screen.action_tags,
            ),
            (
                "save_note",
                "Save the structured note",
                "ctrl+s in the note",
                screen.action_save_note,
            ),
            ("attach", "Attach a file", "f · up to 10 MB", screen.action_attach),
            (
                "macros",
                "Macros…",
                "m · canned responses and macros for this ticket",
                screen.action_macros,
            ),
            (
                "undo_macro",
                "Undo the last macro",
                "u · before it is synced",
                screen.action_undo_macro,
            ),
            (
                "show_tab",
                "Show the conversation",
                "1",
                partial(screen.action_show_tab, "tab-conversation"),
            ),
            ("show_tab", "Show the note", "2", partial(screen.action_show_tab, "tab-note")),
            (
                "show_tab",
                "Show attachments",
                "3",
                partial(screen.action_show_tab, "tab-attachments"),
            ),
            ("show_tab", "Show history", "4", partial(screen.action_show_tab, "tab-history")),
            ("back", "Back to the queue", "Esc", screen.action_back),
        ]
        return [
            (name, help_text, callback)
            for action, name, help_text, callback in found
            if screen.check_action(action, ()) is not False
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
        catalog = self.ticket.session.macros
        # Reading the folders (only changed files) and building the index: not on the loop.
        index = await asyncio.to_thread(lambda: catalog.index(catalog.refresh()))
        for rank, hit in enumerate(index.search(query, limit=MACRO_HITS)):
            title = literal(hit.macro.title)
            yield Hit(
                0.9 - rank / 100,
                Content.assemble(("Macro ", "$text-muted"), title),
                partial(self.ticket.open_macro_picker, hit.macro.title),
                text=title,
                help="Open it in the macro picker",
            )
