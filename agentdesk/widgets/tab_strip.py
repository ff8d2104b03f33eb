"""A row of tab names over a ContentSwitcher: one line, one widget.

Textual's TabbedContent mounts a widget per tab, an animated underline and a pane wrapper
each, and lays them all out on every open; this strip draws its names in one line. Digits
pick a tab (the screen binds them), and so does a click on a name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget


class TabStrip(Widget):
    DEFAULT_CSS = """
    TabStrip {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """
    ALLOW_SELECT = False

    active: reactive[str] = reactive("", init=False)

    @dataclass
    class Activated(Message):
        strip: TabStrip
        tab: str

        @property
        def control(self) -> TabStrip:
            return self.strip

    def __init__(self, tabs: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        """tabs: (id, label) in order; the first is active."""
        super().__init__(id=id)
        self.labels = dict(tabs)
        self.set_reactive(TabStrip.active, tabs[0][0])

    def on_mount(self) -> None:
        self.auto_links = False  # clickable, but drawn as names rather than underlined links

    def set_label(self, tab: str, label: str) -> None:
        if self.labels.get(tab) != label:
            self.labels[tab] = label
            self.refresh()

    def action_activate(self, tab: str) -> None:
        self.active = tab

    def watch_active(self) -> None:
        self.refresh()
        self.post_message(self.Activated(self, self.active))

    def render(self) -> Content:
        names = []
        for number, (tab, label) in enumerate(self.labels.items(), start=1):
            click = Style.from_meta({"@click": f"activate({tab!r})"})
            text = f" {number} {label} "
            style = "bold reverse $accent" if tab == self.active else "$text-muted"
            names.append(Content.styled(text, style).stylize(click))
        return Content(" ").join(names)
