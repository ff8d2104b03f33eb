"""What a partial screen update writes: only the cells that changed, not the line up to them.

Textual 8's ChopsUpdate.render_segments writes each changed span of a line from the left edge
of the widget it falls in (it crops the end, not the start). One SLA cell changing at the right
of the 160-column queue table re-sent the whole row, ~370 bytes for 11 changed cells; a queue
at 160x48 wrote ~13 kB a minute for its countdowns alone, on links of 256 kbit/s.

CroppedChopsUpdate moves the cursor to the first changed cell and writes the span only. The
screen ends up the same (tests/ui/test_bandwidth.py replays both onto a virtual terminal).
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual import _compositor


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
    """Make Textual's compositor build its partial updates as CroppedChopsUpdate."""
    # The compositor looks the name up each time it renders a partial update.
    setattr(_compositor, "ChopsUpdate", CroppedChopsUpdate)  # noqa: B010


def steady_cursor(widget: object) -> None:
    """A focused text field keeps a steady cursor: each blink (twice a second) redraws the
    whole field, ~2 kB a second for the one on a dialog, for as long as the agent reads."""
    from textual.widgets import Input, TextArea

    if isinstance(widget, Input | TextArea) and widget.cursor_blink:
        widget.cursor_blink = False
