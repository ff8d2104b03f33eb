"""A TextArea that never holds a control character or an escape sequence.

Every way text gets in (a key, a paste, insert/replace, load_text from a draft, a macro or
$EDITOR) ends in TextArea.edit() or load_text(); both pass it through the sanitiser first,
so the agent sees, saves and sends the same clean text.
"""

from __future__ import annotations

from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from agentdesk.security.sanitize import clean_text


class SafeTextArea(TextArea):
    def edit(self, edit: Edit) -> EditResult:
        edit.text = clean_text(edit.text)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(clean_text(text))
