"""The keys of monitoring mode's screens, once each: binding, key bar, palette entry and help
row are made from these tables. Every entry only reads: monitoring mode offers no write, and
tests/ui/test_supervisor_read_only.py runs every entry of both tables to prove it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from agentdesk.screens.help import HelpRow

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class WatchKey:
    id: str  # the binding id, "<screen>.<id>"
    action: str
    label: str  # the key bar's word
    description: str  # the palette's and help's line
    title: str = ""  # the palette's name; "" keeps it out of the palette
    key: str = ""
    key_display: str | None = None
    show: bool = True
    priority: bool = False
    rank: int = 2

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            id=self.id,
        )


def help_key(screen: str) -> WatchKey:
    """The help entry every monitoring and QA screen's table ends with (`<screen>.help`)."""
    return WatchKey(
        f"{screen}.help",
        "help",
        "Help",
        "Every key of this screen",
        title="Help: keys of this screen",
        key="question_mark,f1",
        key_display="?",
        rank=4,
    )


_HELP = help_key("supervisor")

DASHBOARD_KEYS: tuple[WatchKey, ...] = (
    WatchKey(
        "supervisor.open_agent",
        "open_agent",
        "Agent",
        "The agent's open tickets (drill down)",
        title="Open the agent under the cursor",
        key="enter",
        priority=True,
        rank=0,
    ),
    WatchKey(
        "supervisor.refresh",
        "refresh_board",
        "Refresh",
        "Read the team again now (it also refreshes on its own)",
        title="Refresh the dashboard",
        key="r",
        rank=1,
    ),
    # The KPI board (screens/kpi_board.py): every KPI against its target, trends, heatmap.
    WatchKey(
        "supervisor.kpis",
        "kpis",
        "KPIs",
        "The SOP's KPIs against their targets",
        title="KPIs",
        key="K",
        key_display="K",
        rank=1,
    ),
    _HELP,
)

AGENT_KEYS: tuple[WatchKey, ...] = (
    WatchKey("agent_tickets.back", "back", "Back", "Back to the dashboard", key="escape", rank=4),
    WatchKey(
        "agent_tickets.open",
        "open_ticket",
        "Open",
        "Read the ticket under the cursor (read-only)",
        key="enter",
        priority=True,
        rank=0,
    ),
    WatchKey(
        "agent_tickets.refresh",
        "refresh",
        "Refresh",
        "Read the agent's tickets again",
        title="Refresh the agent's tickets",
        key="r",
        rank=1,
    ),
    _HELP,
)


def bindings(keys: tuple[WatchKey, ...]) -> list[Binding]:
    return [entry.binding() for entry in keys if entry.key]


def bar_ranks(keys: tuple[WatchKey, ...]) -> dict[str, int]:
    return {entry.id: entry.rank for entry in keys}


def help_rows(keys: tuple[WatchKey, ...], screen: Screen[None]) -> list[HelpRow]:
    return [
        HelpRow(entry.key or "ctrl+p", entry.title or entry.label, entry.description)
        for entry in keys
        if screen.check_action(entry.action, ()) is not False
    ]


class WatchCommands(Provider):
    """The palette of a monitoring screen: its table's entries that are open now."""

    def _entries(self) -> list[WatchKey]:
        keys: tuple[WatchKey, ...] = getattr(self.screen, "KEYS", ())
        return [
            entry
            for entry in keys
            if entry.title and self.screen.check_action(entry.action, ()) is not False
        ]

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(
                entry.title, partial(self.screen.run_action, entry.action), help=entry.description
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(entry.title),
                    partial(self.screen.run_action, entry.action),
                    help=entry.description,
                )
