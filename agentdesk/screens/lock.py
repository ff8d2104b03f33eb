"""The idle lock (issue 16; PCI DSS 8.2.8): after idle_lock_minutes without input, or on
ctrl+l, this screen covers everything; no customer data shows. The current code unlocks
(on a profile without sign-in, a key press does). Drafts and open screens stay underneath
as they were; sync goes on (its timers belong to the queue screen, which is not closed)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from agentdesk.screens.sign_in import SignInScreen

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk


class LockScreen(SignInScreen):
    EVENT = "unlock"
    HEADING = "agentdesk is locked"
    PROMPT = "Type the current code of your authenticator app to unlock."

    def __init__(self, desk: Desk | None, *, needs_code: bool) -> None:
        super().__init__(desk if needs_code else None)
        self.needs_code = needs_code

    def compose(self) -> ComposeResult:
        if self.needs_code:
            yield from super().compose()
            return
        with Vertical(id="lock-dialog", classes="security-dialog"):
            yield Static(Content(self.HEADING), classes="security-title")
            yield Static(Content("Press any key to unlock."), classes="security-prompt")

    def on_mount(self) -> None:
        if self.needs_code and self.desk is not None:
            self._ready_for_code("")

    def on_key(self, event: events.Key) -> None:
        if not self.needs_code:
            event.stop()
            self.dismiss(True)


class IdleLock:
    """When the screen locks: idle_minutes after the last input (the app feeds it)."""

    CHECK_SECONDS = 5.0

    def __init__(self, idle_minutes: int) -> None:
        from datetime import timedelta

        self.idle_for = timedelta(minutes=idle_minutes)
        self.last_input: datetime | None = None
        self.locked = False

    def touch(self, now: datetime) -> None:
        self.last_input = now

    def due(self, now: datetime) -> bool:
        if self.locked:
            return False
        if self.last_input is None:
            self.last_input = now
        return now - self.last_input >= self.idle_for
