"""A TextArea that never holds a control character or an escape sequence.

Every way text gets in (a key, a paste, insert/replace, load_text from a draft, a macro or
$EDITOR) ends in TextArea.edit() or load_text(); both pass it through the sanitiser first,
so the agent sees, saves and sends the same clean text.

Built hidden, a text area wraps its text at width 0 (not at all) and re-wraps when first
shown: its height in lines changes, and with it its virtual size, which asks for a second
layout of the screen after the first frame. expect_width() gives it the width it will be
shown at, so text loaded while hidden is wrapped as it will be drawn.
"""

from __future__ import annotations

from textual.css.scalar import Unit
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from agentdesk.security.sanitize import clean_text


class SafeTextArea(TextArea):
    _expected_width = 0

    def edit(self, edit: Edit) -> EditResult:
        edit.text = clean_text(edit.text)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(clean_text(text))

    def expect_width(self, width: int) -> None:
        """The width (border and padding included) this area will have when first shown;
        it wraps at that width until it has a size of its own."""
        if width != self._expected_width:
            self._expected_width = width
            if not self.size.width and self.soft_wrap:
                self._rewrap_and_refresh_virtual_size()

    @property
    def wrap_width(self) -> int:
        if self.size.width or not self._expected_width or not self.soft_wrap:
            return super().wrap_width
        styles = self.styles
        width = max(0, self._expected_width - styles.gutter.width - self.gutter_width - 1)
        height = styles.height
        if styles.overflow_y == "auto" and height is not None and height.unit is Unit.CELLS:
            # The area's own scrollbar takes its columns when the text is taller than it.
            lines = int(height.value) - styles.gutter.height
            self.wrapped_document.wrap(width, tab_width=self.indent_width)
            if self.wrapped_document.height > lines:
                width = max(0, width - styles.scrollbar_size_vertical)
        elif styles.overflow_y == "scroll":
            width = max(0, width - styles.scrollbar_size_vertical)
        return width
