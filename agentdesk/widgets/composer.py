"""The composer: one text box that is either a reply to the customer or an internal note.

The mode is always on screen, in words and colour, and switches with ctrl+t or a click.
Whatever is typed, pasted, inserted from a macro or brought back from $EDITOR passes the
sanitiser (SafeTextArea): no control character or escape sequence reaches the draft.
Typing is saved as a draft after a short pause (Composer.DraftChanged, debounced); sending is
ctrl+s or ctrl+j (a terminal sends plain enter for ctrl+enter).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static, TextArea

from agentdesk.core.ticket import MessageKind
from agentdesk.widgets.safe_text_area import SafeTextArea

_MODE_TEXT = {
    MessageKind.REPLY: ("REPLY TO CUSTOMER", "the customer will see this"),
    MessageKind.INTERNAL_NOTE: ("INTERNAL NOTE", "only agents see this"),
}


class ComposerMode(Static):
    """The mode line; a click switches the mode."""

    @dataclass
    class Clicked(Message):
        pass

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Clicked())


class Composer(Vertical):
    DEFAULT_CSS = """
    Composer {
        height: auto;
        & > ComposerMode { height: 1; padding: 0 1; }
        & > TextArea { height: 3; }
        &:focus-within > TextArea { height: 7; }
        &.-reply > ComposerMode { background: $success 25%; }
        &.-reply > TextArea { border: tall $success; }
        &.-internal-note > ComposerMode { background: $warning 25%; }
        &.-internal-note > TextArea { border: dashed $warning; }
        &.-closed > ComposerMode { background: $panel; }
        &.-closed > TextArea { display: none; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_mode", "Reply/Note", id="composer.toggle"),
        Binding("ctrl+s,ctrl+j", "send", "Send", id="composer.send"),
        Binding("ctrl+o", "editor", "$EDITOR", id="composer.editor"),
        # Esc leaves the composer first (the draft stays), not the ticket.
        Binding("escape", "leave", "Leave composer", show=False, id="composer.leave"),
    ]

    DRAFT_SECONDS: ClassVar[float] = 0.5
    """Quiet time after the last keystroke before the draft is saved."""

    mode: reactive[MessageKind] = reactive(MessageKind.REPLY, init=False)

    @dataclass
    class DraftChanged(Message):
        mode: MessageKind
        body: str

    @dataclass
    class Send(Message):
        mode: MessageKind
        body: str

    @dataclass
    class Left(Message):
        """The agent pressed Esc in the composer."""

    @dataclass
    class EditorWanted(Message):
        mode: MessageKind
        body: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-reply")
        self._draft_timer: Timer | None = None
        self._text_area = SafeTextArea(id="composer-text", soft_wrap=True, tab_behavior="focus")
        self.ready = asyncio.Event()
        """Set once the text area is mounted and can take the focus."""
        self._focus_when_ready = False
        self.closed_reason: str | None = None

    def compose(self) -> ComposeResult:
        yield ComposerMode(id="composer-mode")

    def on_mount(self) -> None:
        self._show_mode()
        # A text area is the dearest widget on the ticket screen: it is mounted just after
        # the screen's first frame, so the ticket shows sooner. It takes text before then.
        self.call_after_refresh(self._mount_text_area)

    async def _mount_text_area(self) -> None:
        await self.mount(self._text_area)
        self.ready.set()
        if self._focus_when_ready:
            self.screen.set_focus(self._text_area)

    @property
    def text_area(self) -> TextArea:
        return self._text_area

    @property
    def text(self) -> str:
        return self.text_area.text

    def load(self, mode: MessageKind, body: str) -> None:
        """Show a saved draft (no draft event: it is already saved)."""
        self.set_reactive(Composer.mode, mode)
        self._show_mode()
        with self.text_area.prevent(TextArea.Changed):
            self.text_area.load_text(body)
        self.text_area.move_cursor(self.text_area.document.end)

    def add_reply(self, text: str) -> bool:
        """Put text into a reply, after the draft there; False (nothing changed) when the
        draft is an internal note."""
        draft = self.text.rstrip()
        if draft and self.mode is not MessageKind.REPLY:
            return False
        self.load(MessageKind.REPLY, f"{draft}\n\n{text}" if draft else text)
        return True

    def clear(self) -> None:
        with self.text_area.prevent(TextArea.Changed):
            self.text_area.load_text("")
        self._cancel_timer()

    def start(self, mode: MessageKind) -> None:
        """Focus the composer in the given mode."""
        if mode is not self.mode:
            self.mode = mode
        if self.ready.is_set():
            # At once, not through Widget.focus (which queues it behind keys already typed).
            self.screen.set_focus(self.text_area)
        else:
            self._focus_when_ready = True

    def watch_mode(self) -> None:
        self._show_mode()
        self._schedule_draft()

    def show_closed(self, reason: str | None) -> None:
        """A closed ticket takes no message: no text area that would ignore typing, but a
        line that says why and what to do instead. None: the composer as usual."""
        self.closed_reason = reason
        self.set_class(reason is not None, "-closed")
        self.text_area.disabled = reason is not None
        self._show_mode()

    def _show_mode(self) -> None:
        if self.closed_reason is not None:
            self.query_one(ComposerMode).update(Content.styled(self.closed_reason, "$text-muted"))
            return
        title, hint = _MODE_TEXT[self.mode]
        style = "bold $text-success" if self.mode is MessageKind.REPLY else "bold $text-warning"
        self.query_one(ComposerMode).update(
            Content.assemble(
                (title, style),
                ("  ·  ", "$text-muted"),
                (hint, "$text-muted"),
                ("  ·  ^t switch  ^s send  ^o $EDITOR", "$text-muted"),
            )
        )
        self.set_class(self.mode is MessageKind.REPLY, "-reply")
        self.set_class(self.mode is MessageKind.INTERNAL_NOTE, "-internal-note")
        self.text_area.placeholder = (
            "Write to the customer…" if self.mode is MessageKind.REPLY else "Note for agents…"
        )

    def action_toggle_mode(self) -> None:
        self.mode = (
            MessageKind.INTERNAL_NOTE if self.mode is MessageKind.REPLY else MessageKind.REPLY
        )

    @on(ComposerMode.Clicked)
    def _mode_clicked(self) -> None:
        self.action_toggle_mode()

    def action_send(self) -> None:
        self.post_message(self.Send(self.mode, self.text))

    def action_leave(self) -> None:
        self.flush_draft()
        self.post_message(self.Left())

    def action_editor(self) -> None:
        self.post_message(self.EditorWanted(self.mode, self.text))

    @on(TextArea.Changed, "#composer-text")
    def _typed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._schedule_draft()

    def _schedule_draft(self) -> None:
        self._cancel_timer()
        self._draft_timer = self.set_timer(self.DRAFT_SECONDS, self.flush_draft)

    def _cancel_timer(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None

    def flush_draft(self) -> None:
        """Save now (the timer fired, or the agent is leaving the ticket)."""
        if self._draft_timer is None:
            return
        self._cancel_timer()
        self.post_message(self.DraftChanged(self.mode, self.text))
