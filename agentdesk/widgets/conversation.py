"""A ticket's conversation in time order: customer messages, replies and internal notes.

One scrolling widget draws every entry line by line (Textual's line API): a widget per
message cost layout time on every open and every refresh, and a ticket can have hundreds.
Only what is on screen is drawn, and entries are wrapped newest first, as far as the view
needs; older ones are wrapped when the agent scrolls up to them.

An internal note must never look like a reply: it is boxed with a dashed border, tinted,
labelled "INTERNAL" and says that the customer does not see it. Customer messages hang from
the left, replies from the right, each with its own coloured bar and label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from agentdesk.core.ticket import MessageKind
from agentdesk.store.rows import MessageRow
from agentdesk.widgets.literal import literal, literal_lines

LABELS = {
    MessageKind.CUSTOMER: ("Customer", "bold $text-secondary"),
    MessageKind.REPLY: ("Reply to customer", "bold $text-success"),
    MessageKind.INTERNAL_NOTE: ("Internal note", "bold $text-warning"),
}
NOT_SEEN = "the customer does not see this"

_BAR = {MessageKind.CUSTOMER: "$secondary", MessageKind.REPLY: "$success"}
_INDENT = {  # (left, right) margins: the customer on the left, our replies on the right
    MessageKind.CUSTOMER: (0, 6),
    MessageKind.REPLY: (6, 0),
    MessageKind.INTERNAL_NOTE: (3, 3),
}
_NOTE_STYLE = "$text-warning"
_NOTE_FILL = "on $warning 10%"
_MORE_STYLE = "italic $text-muted"


def when(moment: datetime) -> str:
    return moment.strftime("%d %b %H:%M UTC")


@dataclass(frozen=True)
class Entry:
    message: MessageRow
    structured: bool = False
    """The message is a rendered structured note (the template)."""

    @property
    def title(self) -> str:
        """An internal note's border title."""
        kind = "INTERNAL · structured note" if self.structured else "INTERNAL"
        return f"{kind} · {NOT_SEEN}"

    def text(self) -> Content:
        label, style = LABELS[self.message.kind]
        return Content.assemble(
            (label, style),
            "  ",
            literal(self.message.author),
            (" · ", "$text-muted"),
            (when(self.message.created_at), "$text-muted"),
            "\n",
            literal_lines(self.message.body),
        )

    def lines(self, width: int) -> list[Content]:
        """The entry drawn at this width, with a blank line after it."""
        kind = self.message.kind
        left, right = _INDENT[kind]
        inner = max(width - left - right, 12)
        if kind is MessageKind.INTERNAL_NOTE:
            text_width = inner - 4
            body = [
                Content.assemble(
                    (" " * left),
                    ("╏ ", _NOTE_STYLE),
                    line.pad_right(max(text_width - line.cell_length, 0)).stylize(_NOTE_FILL),
                    (" ╏", _NOTE_STYLE),
                )
                for line in self.text().wrap(text_width)
            ]
            title = f" {self.title} "[: max(inner - 4, 0)]
            top = "┏╍" + title + "╍" * max(inner - 3 - len(title), 0) + "┓"
            bottom = "┗" + "╍" * max(inner - 2, 0) + "┛"
            return [
                Content.assemble(" " * left, (top, f"bold {_NOTE_STYLE}")),
                *body,
                Content.assemble(" " * left, (bottom, _NOTE_STYLE)),
                Content(""),
            ]
        bar = ("▌ ", _BAR[kind])
        return [Content.assemble(" " * left, bar, line) for line in self.text().wrap(inner - 2)] + [
            Content("")
        ]


class Conversation(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    Conversation {
        height: 1fr;
        width: 1fr;
        padding: 0 1;
        text-wrap: nowrap;
        overflow-x: hidden;
        scrollbar-gutter: stable;
        background: $surface;
        &:focus { background-tint: $foreground 3%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_home", "Oldest", show=False),
        Binding("end,G", "scroll_end", "Newest", show=False),
    ]

    PAGE: ClassVar[int] = 20
    """Entries wrapped at a time when scrolling back."""
    MARGIN: ClassVar[int] = 12
    """Lines wrapped beyond the view on a first show."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: tuple[Entry, ...] = ()
        self._first = 0  # the oldest entry wrapped so far
        self._width = 0
        self._wrapped: dict[int, list[Strip]] = {}
        self._lines: list[tuple[int, int]] = []  # (entry, line in it); entry -1: "earlier"
        self.auto_links = False  # bodies are shown as written: no link styling to apply
        self._following = True  # at the newest entry: stay there when the layout changes
        self.still_coming = False

    # Content

    def show(self, entries: Sequence[Entry], *, still_coming: bool = False) -> None:
        """Show these entries (oldest first), scrolled to the newest. When they only add to
        what is shown (a reply sent, a pull), an agent reading further up stays there.
        still_coming: a first sync has not read this ticket's conversation yet (said above
        the entries, until it has)."""
        entries = tuple(entries)
        self.still_coming = still_coming
        if not self.entries or entries[: len(self.entries)] != self.entries:
            self._first = len(entries)
            self._wrapped.clear()
            self._following = True
        self.entries = entries
        self._layout()
        self.refresh()

    @property
    def earlier(self) -> int:
        """Entries above the ones wrapped so far."""
        return self._first

    # Layout

    def _layout(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        if width != self._width:
            self._width = width
            self._wrapped.clear()
        # Newest first, until the view is filled and a little more (a first PageUp); the
        # rest when scrolled to.
        wanted = self.scrollable_content_region.height + self.MARGIN
        have = sum(len(self._entry_strips(i)) for i in range(self._first, len(self.entries)))
        while self._first and have < wanted:
            self._first -= 1
            have += len(self._entry_strips(self._first))
        lines: list[tuple[int, int]] = [(-3, 0), (-3, 1)] if self.still_coming else []
        if self._first:
            lines += [(-1, 0), (-1, 1)]
        elif not self.entries and not self.still_coming:
            lines = [(-2, 0)]
        for index in range(self._first, len(self.entries)):
            lines.extend((index, n) for n in range(len(self._entry_strips(index))))
        self._lines = lines
        self.virtual_size = Size(width, len(lines))
        if self._following:
            self.scroll_to(y=len(lines), animate=False, immediate=True, force=True)

    def _entry_strips(self, index: int) -> list[Strip]:
        strips = self._wrapped.get(index)
        if strips is None:
            style = self.visual_style
            lines = self.entries[index].lines(self._width)
            strips = Visual.to_strips(self, Content("\n").join(lines), self._width, None, style)
            # Equal styles merged: each segment costs its own colour codes on the wire.
            strips = [
                s.extend_cell_length(self._width, style.rich_style).simplify() for s in strips
            ]
            self._wrapped[index] = strips
        return strips

    def _strip(self, y: int) -> Strip:
        index, line = self._lines[y]
        if index >= 0:
            return self._entry_strips(index)[line]
        if line:
            return Strip.blank(self._width, self.visual_style.rich_style)
        count = self._first
        if index == -1:
            words = f"↑ {count} earlier entr{'y' if count == 1 else 'ies'}: scroll up or press Home"
        elif index == -3:
            words = "The conversation is still coming from the helpdesk (the queue came first)."
        else:
            words = "No messages yet."
        notice = Content.styled(words, _MORE_STYLE)
        return Visual.to_strips(self, notice, self._width, 1, self.visual_style)[0]

    def _wrap_earlier(self, count: int) -> None:
        """Wrap `count` more of the older entries, keeping the view where it is."""
        if not self._first:
            return
        before = len(self._lines)
        self._first = max(self._first - count, 0)
        self._layout()
        self.scroll_to(
            y=self.scroll_y + len(self._lines) - before, animate=False, immediate=True, force=True
        )
        self.refresh()

    # Textual hooks

    def on_resize(self) -> None:
        self._layout()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._following = round(new) >= self.max_scroll_y
        if self._first and new < self.MARGIN:  # near the oldest entry wrapped so far
            self.call_later(self._wrap_earlier, self.PAGE)

    # Jumps are not animated: over a slow SSH link every animation frame is a repaint.
    def action_scroll_home(self) -> None:
        self._wrap_earlier(len(self.entries))
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def render_line(self, y: int) -> Strip:
        if not self._width:
            self._layout()
        line = self.scroll_offset.y + y
        if not 0 <= line < len(self._lines):
            return Strip.blank(self.scrollable_content_region.width, self.visual_style.rich_style)
        return self._strip(line).crop(self.scroll_offset.x, self.scroll_offset.x + self._width)
