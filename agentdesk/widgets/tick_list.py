"""A SelectionList whose unticked boxes are empty.

Textual draws the same "X" in every box and greys it out when unticked; in many terminal
palettes (and in any text capture) an unticked box still reads as ticked. Here only a
ticked box shows its mark.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton

T = TypeVar("T")


class TickList(SelectionList[T]):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = int(self.scroll_offset.y) + y
        if index >= self.option_count:
            return strip
        if self.get_option_at_index(index).value in self._selected:
            return strip
        segments = list(strip)
        if len(segments) > 1 and segments[1].text == ToggleButton.BUTTON_INNER:
            inner = segments[1]
            segments[1] = Segment(" " * len(inner.text), inner.style, inner.control)
            return Strip(segments, strip.cell_length)
        return strip
