"""The app's security rules (issue 16), apart from its wiring (app.py): the idle lock and
ctrl+l, the command palette closed behind the sign-in, enrolment and lock screens and kept
to Textual's commands that write nothing, screenshots refused, and a copy in monitoring and
QA mode audited as an export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.screen import Screen

from agentdesk.screens.lock import IdleLock, LockScreen
from agentdesk.screens.sign_in import SignInScreen

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.desk.base import Desk

# Issue 16 / the SOP ("rules around screen recording, screenshots, and data export"): the
# palette keeps these of Textual's commands, none of which writes anything.
TEXTUAL_COMMANDS_KEPT = frozenset({"Theme", "Quit", "Keys", "Maximize", "Minimize"})
NO_SCREENSHOTS = (
    "Screenshots are off: a screenshot holds customer data (the SOP's PCI rules). "
    "Use the weekly report or an audited export."
)


class SecuredApp(App[None]):
    """What AgentDeskApp sets up (its __init__) that these rules read."""

    settings: Settings
    clock: Callable[[], datetime]
    desk: Desk | None
    sign_in_screen: SignInScreen | None
    idle_lock: IdleLock

    def action_command_palette(self) -> None:
        # Nothing from behind a sign-in, enrolment or lock screen: no ticket to jump to, no
        # screenshot of the enrolment's QR.
        from agentdesk.screens.enrol import EnrolScreen

        if not isinstance(self.screen, SignInScreen | EnrolScreen):
            super().action_command_palette()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # Textual's own commands, those known to write nothing (Theme is not saved). Left
        # out: Screenshot (an SVG of the screen, customers and all, into a file; the SOP's
        # PCI rules on screenshots, issue 16), in every mode; and whatever a newer Textual
        # adds, until someone has looked at it.
        for command in super().get_system_commands(screen):
            if command.title in TEXTUAL_COMMANDS_KEPT:
                yield command
        yield SystemCommand(
            "Lock the screen (ctrl+l)", "Hide every customer until you unlock", self.action_lock
        )

    def copy_to_clipboard(self, text: str) -> None:
        # Monitoring and QA mode: a copy is an audited export (screens/supervisor_copy.py).
        from agentdesk.screens.supervisor_copy import audited_copy

        if not audited_copy(self, text, super().copy_to_clipboard):
            super().copy_to_clipboard(text)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify(NO_SCREENSHOTS, severity="warning", markup=False)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        self.notify(NO_SCREENSHOTS, severity="warning", markup=False)
        return None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self.idle_lock.touch(self.clock())
        await super().on_event(event)

    def lock_if_idle(self) -> None:
        if self.sign_in_screen is None and self.idle_lock.due(self.clock()):
            self.action_lock()

    def action_lock(self) -> None:
        if self.idle_lock.locked or self.sign_in_screen is not None:
            return
        self.idle_lock.locked = True
        self._audit_lock("lock")
        needs_code = self.settings.sign_in and self.desk is not None
        self.push_screen(LockScreen(self.desk, needs_code=needs_code), self._unlocked)

    def _unlocked(self, _: bool | None) -> None:
        self.idle_lock.locked = False
        self.idle_lock.touch(self.clock())
        if not self.settings.sign_in:
            self._audit_lock("unlock")  # with a code, the check itself is the audit row

    @work(thread=True, exit_on_error=False, group="audit")
    def _audit_lock(self, what: str) -> None:
        from agentdesk.desk.audit_trail import Event, record_event

        if self.desk is not None:
            record_event(self.desk, Event(what), required=False)
