"""The ticket's links to other tickets and its merges, one line each, above its history."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from agentdesk.core.links import LinkKind
from agentdesk.core.ticket import Status
from agentdesk.store.workspace_rows import LinkRow
from agentdesk.widgets.literal import literal

_MERGES = {
    ("merged_into", True): "merged into",
    ("merged_from", False): "merged here:",
}


def link_words(link: LinkRow) -> str:
    """ "refers to #12 Parcel lost (Closed)", from this ticket's side."""
    merged = _MERGES.get((link.kind, link.outgoing))
    if merged is not None:
        how = merged
    else:
        kind = LinkKind(link.kind)
        how = kind.label if link.outgoing else kind.inverse_label
    status = Status(link.status).label
    return f"{how} #{link.other_id} {literal(link.subject)} ({status})"


class LinkList(Static):
    DEFAULT_CSS = """
    LinkList {
        height: auto;
        max-height: 8;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def show(self, links: Sequence[LinkRow]) -> None:
        if not links:
            self.update(Content("No links to other tickets (K links, M merges a duplicate)."))
            return
        lines = [f"Links ({len(links)}):"] + [f"  {link_words(link)}" for link in links]
        self.update(Content("\n".join(lines)))
