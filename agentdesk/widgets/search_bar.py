"""The `/` search box: every keystroke is a new query; Esc closes it, Enter or Down leaves it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    DEFAULT_CSS = """
    SearchBar {
        display: none;
        &.-open { display: block; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Clear search", id="search_bar.close"),
        Binding("down", "leave", "To results", show=False, id="search_bar.leave"),
    ]

    @dataclass
    class Closed(Message):
        """The agent cleared and closed the search."""

    @dataclass
    class Left(Message):
        """The agent moved on to the results, keeping the search."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            # 80 columns: the help screen (?) says it in full (core.text_search.TEXT_HINT).
            placeholder='Search #id, subject or customer; "word searches conversations and notes',
            select_on_focus=False,
            id=id,
        )

    def open(self) -> None:
        self.add_class("-open")
        # Focus now, not after a refresh as focus() does: keys typed right after `/` (a
        # burst over a slow SSH link) must already land here.
        self.screen.set_focus(self)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def action_close(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.post_message(self.Closed())

    def action_leave(self) -> None:
        self.post_message(self.Left())

    async def action_submit(self) -> None:
        self.post_message(self.Left())
