"""The help screen (? or F1): every key of the screen it opens over, from the same table its
bindings, key bar and command palette are made from, and whether each is open now (and, when
not, why: the same answer the key itself gives)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

_KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "slash": "/",
    "question_mark": "?",
    "f1": "F1",
}


@dataclass(frozen=True)
class HelpRow:
    key: str
    """As the screen's table names it ("r", "ctrl+s,ctrl+j", "? or F1")."""
    title: str
    help: str = ""
    why_not: str | None = None
    """Why it is not open now; None when it is."""


def _describe(row: HelpRow) -> Content:
    title = Content(row.title)
    if row.why_not is not None:
        title = title.stylize("dim")
    parts = [title]
    if row.help:
        parts.append(Content.styled(f"  {row.help}", "$text-muted"))
    if row.why_not is not None:
        parts.append(Content.styled(f"  (not now: {row.why_not})", "$text-warning"))
    return Content.assemble(*parts)


def key_text(key: str) -> str:
    """A table's key as the agent reads it: "ctrl+s,ctrl+j" -> "ctrl+s / ctrl+j"."""
    return " / ".join(_KEY_NAMES.get(part.strip(), part.strip()) for part in key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1", "close", "Close", id="help.close"),
    ]

    def __init__(self, title: str, rows: Sequence[HelpRow]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        shown = [row for row in self.rows if row.key]
        width = max((len(key_text(row.key)) for row in shown), default=1) + 2
        with Vertical(id="help-dialog"):
            yield Static(Content.styled(self.title_text, "bold"), id="help-title")
            with VerticalScroll(id="help-keys"):
                for row in shown:
                    with Horizontal(classes="help-row"):
                        key = Static(
                            Content.styled(key_text(row.key), "bold $text-accent"),
                            classes="help-key",
                        )
                        key.styles.width = width
                        yield key
                        yield Static(_describe(row), classes="help-text")
            yield Static(
                Content.styled("esc, ? or F1 close · ctrl+p lists them too", "$text-muted"),
                id="help-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()

    def action_close(self) -> None:
        self.dismiss(None)
