"""What a partial screen update writes: only the cells that changed, not the line up to them.

Textual 8's ChopsUpdate.render_segments writes each changed span of a line from the left edge
of the widget it falls in (it crops the end, not the start). One SLA cell changing at the right
of the 160-column queue table re-sent the whole row, ~370 bytes for 11 changed cells; a queue
at 160x48 wrote ~13 kB a minute for its countdowns alone, on links of 256 kbit/s.

CroppedChopsUpdate moves the cursor to the first changed cell and writes the span only. The
screen ends up the same (tests/ui/test_bandwidth.py replays both onto a virtual terminal).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.control import Control
from textual import _compositor
from textual.screen import Screen


class CroppedChopsUpdate(_compositor.ChopsUpdate):
    def render_segments(self, console: Console) -> str:
        sequences: list[str] = []
        append = sequences.append
        move_to = Control.move_to
        chops = self.chops
        chop_ends = self.chop_ends
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            line = chops[y]
            ends = chop_ends[y]
            for end, (x, strip) in zip(ends, line.items(), strict=False):
                if strip is None or x > x2 or end <= x1:
                    continue
                start = max(x, x1)
                stop = min(end, x2)
                if start >= stop:
                    continue
                if start != x or stop != end:
                    strip = strip.crop(start - x, stop - x)
                append(move_to(start, y).segment.text)
                append(strip.render(console))
            if y != last_y:
                append("\n")
        return "".join(sequences)


def install() -> None:
    """Make Textual's compositor build its partial updates as CroppedChopsUpdate, and keep a
    screen under another from asking for a whole repaint each time it handles a message."""
    # The compositor looks the name up each time it renders a partial update.
    setattr(_compositor, "ChopsUpdate", CroppedChopsUpdate)  # noqa: B010
    _install_background_refresh()


_ORIGINAL_COMPOSITOR_REFRESH = Screen._compositor_refresh


def _background_refresh_once(self: Screen[Any]) -> None:
    """Textual 8.2's Screen._compositor_refresh, for a screen under the top one (the queue
    under an open ticket or a dialog), hands its changed regions to the top screen and then
    sets its own _repaint_required. That flag never clears while the screen stays below: the
    next time the screen handles any message (each background sync run sends it several) it
    repaints itself whole, which marks the whole top screen dirty, and sets the flag again.
    An idle open ticket at 160x48 wrote ~13 kB per sync run, twice a minute.

    The changed regions have been handed on by then, and a screen that comes back on top is
    laid out and repainted whole anyway (Screen._screen_resume), so the flag only costs."""
    below = self.app.screen is not self
    asked_before = self._repaint_required
    _ORIGINAL_COMPOSITOR_REFRESH(self)
    if below:
        self._repaint_required = asked_before


def screens_seen_through(stack: list[Screen[Any]], below: list[Screen[Any]]) -> list[Screen[Any]]:
    """The screens under the top one that show through it: none under an opaque one.

    Textual 8.2's App._background_screens always counts the screen right under the top one
    (it looks at the opacity of the screens below, not of the top), so a queue reloaded by a
    sync run under an open ticket repainted the ticket's cells over each changed row, and the
    queue kept painting while nobody could see it. A dialog (ModalScreen, 50% background)
    still shows the screen under it."""
    if stack and stack[-1].styles.background.a == 1:
        return []
    return below


def _install_background_refresh() -> None:
    if Screen._compositor_refresh is _ORIGINAL_COMPOSITOR_REFRESH:
        setattr(Screen, "_compositor_refresh", _background_refresh_once)  # noqa: B010


def steady_cursor(widget: object) -> None:
    """A focused text field keeps a steady cursor: each blink (twice a second) redraws the
    whole field, ~2 kB a second for the one on a dialog, for as long as the agent reads."""
    import sys

    from textual.widgets import Input

    # Not `import TextArea`: it costs ~0.1 s (its themes), and the queue table is focused
    # before the first rows. A TextArea exists only once its module has been imported.
    text_area = sys.modules.get("textual.widgets._text_area")
    field = isinstance(widget, Input) or (
        text_area is not None and isinstance(widget, text_area.TextArea)
    )
    if field and getattr(widget, "cursor_blink", False):
        widget.cursor_blink = False  # type: ignore[attr-defined]
