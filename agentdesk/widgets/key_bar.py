"""The screen's keys on one line, in place of Textual's Footer.

Footer draws every key as a widget of its own and rebuilds them all whenever the bindings
change (focus moves, a ticket loads): on a screen with twenty keys that was about 200 ms of
every ticket open. This bar is one widget that repaints one line. Keys that do not fit are
left off whole, never cut in half, the least important first (ranks: the screen's key table
says which keys matter most, e.g. the SOP's own actions on a ticket); the rest keep the
screen's order. The command palette key stays at the right edge, and the palette and the
help screen (?) list every action anyway. A click on a key presses it.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget

_KEY_STYLE = "bold $footer-key-foreground"
_GAP = Content("  ")


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    """
    ALLOW_SELECT = False

    DEFAULT_RANK = 3
    """The rank of a binding the table does not rank (a focused widget's keys)."""

    def __init__(self, ranks: Mapping[str, int] | None = None) -> None:
        """ranks: binding id -> rank; 0 first, higher left off sooner when room is short."""
        super().__init__()
        self.ranks = dict(ranks or {})
        self._drawn: object = None  # the keys last drawn: an equal update redraws nothing

    def on_mount(self) -> None:
        self.auto_links = False  # clickable, but drawn as keys rather than underlined links
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        # Bindings are updated on every focus change and re-read; the bar's bytes go over
        # the agent's link only when what it shows differs.
        if self._keys() != self._drawn:
            self.refresh()

    def _keys(self) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None]:
        """(binding, enabled) for each action shown, in the screen's order; and the palette's."""
        palette_key = self.app.COMMAND_PALETTE_BINDING
        shown: dict[str, tuple[Binding, bool]] = {}
        palette: tuple[Binding, bool] | None = None
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if key == palette_key:
                if self.app.ENABLE_COMMAND_PALETTE:
                    palette = (binding, enabled)
            elif binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled)
        return list(shown.values()), palette

    def _key(self, binding: Binding, enabled: bool) -> Content:
        click = Style.from_meta({"@click": f"app.simulate_key({binding.key!r})"})
        key = Content.styled(self.app.get_key_display(binding), _KEY_STYLE)
        label = Content(f" {binding.description}")
        if not enabled:
            label = label.stylize("dim")
        return (key + label).stylize(click)

    def render(self) -> Content:
        self._drawn = keys_now = self._keys()
        shown, palette_binding = keys_now
        palette = self._key(*palette_binding) if palette_binding else Content("")
        width = max(self.size.width - 2, 0)
        room = width - (palette.cell_length + 2 if palette_binding else 0)
        keys = [self._key(binding, enabled) for binding, enabled in shown]
        # Fill by rank (then screen order), leaving off whole keys that do not fit.
        order = sorted(
            range(len(shown)),
            key=lambda n: (self.ranks.get(shown[n][0].id or "", self.DEFAULT_RANK), n),
        )
        kept: set[int] = set()
        used = 0
        for n in order:
            width_needed = keys[n].cell_length + (len(_GAP) if kept else 0)
            if used + width_needed <= room:
                kept.add(n)
                used += width_needed
        line = _GAP.join([keys[n] for n in range(len(keys)) if n in kept])
        if palette_binding:
            line = line.pad_right(max(width - line.cell_length - palette.cell_length, 1))
        return Content(" ") + line + palette
