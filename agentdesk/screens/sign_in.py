"""The code at every start (issue 16): the queue stays hidden until the current code of the
agent's authenticator app (or a recovery code) is accepted. The workspace opens behind it;
the app hands the desk over when it is ready (desk_ready)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from agentdesk.core.errors import agent_message

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk
    from agentdesk.security.totp import Check


REBUILD_NOTE = (
    "This profile's database holds no sign-in state: it was deleted or replaced. "
    "Your current code rebuilds it (if you did not expect this, tell your supervisor)."
)
NEW_PHONE_NOTE = (
    "A recovery code was used and no new phone was enrolled after it: the old phone's codes "
    "no longer sign in. Type another recovery code, then enrol your new phone."
)


class SignInScreen(Screen[bool]):
    """Dismissed with True once signed in (after a re-enrolment, if a recovery code was used)."""

    CSS_PATH = "security.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "Quit", priority=True, id="sign_in.quit"),
    ]
    EVENT = "sign_in"
    HEADING = "Sign in to agentdesk"
    PROMPT = "Type the 6-digit code your authenticator app shows for agentdesk."

    @dataclass
    class Gated(Message):
        enrol: bool
        rebuild: bool = False
        new_phone: bool = False

    @dataclass
    class Checked(Message):
        check: Check | None
        error: str = ""
        recovery: bool = False

    def __init__(self, desk: Desk | None = None) -> None:
        super().__init__()
        self.desk = desk

    def compose(self) -> ComposeResult:
        with Vertical(id="sign-in-dialog", classes="security-dialog"):
            yield Static(Content(self.HEADING), classes="security-title")
            yield Static(Content(self.PROMPT), classes="security-prompt")
            yield Input(
                placeholder="123456, or a recovery code",
                id="sign-in-code",
                password=True,
                max_length=24,
                disabled=self.desk is None,
            )
            yield Static(
                Content("" if self.desk else "Opening the workspace..."),
                id="sign-in-message",
                classes="security-message",
            )

    def on_mount(self) -> None:
        if self.desk is not None:
            self.desk_ready(self.desk)

    def desk_ready(self, desk: Desk) -> None:
        self.desk = desk
        self._ask_gate(desk)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-in")
    def _ask_gate(self, desk: Desk) -> None:
        from agentdesk.desk.sign_in import Gate, gate

        try:
            asks = gate(desk)
            self.post_message(
                self.Gated(
                    asks is Gate.ENROL,
                    rebuild=asks is Gate.REBUILD,
                    new_phone=asks is Gate.NEW_PHONE,
                )
            )
        except Exception as error:
            self.post_message(self.Checked(None, agent_message(error)))

    def on_sign_in_screen_gated(self, message: Gated) -> None:
        if message.enrol:
            self._enrol(first=True)
            return
        if message.new_phone:  # the last recovery code was not followed by a new phone
            self._ready_for_code(NEW_PHONE_NOTE)
            return
        # Enrolled, but the store was replaced: the current code rebuilds it, no new phone.
        self._ready_for_code(REBUILD_NOTE if message.rebuild else "")

    def _ready_for_code(self, text: str) -> None:
        field = self.query_one("#sign-in-code", Input)
        field.disabled = False
        field.value = ""
        field.focus()
        self.query_one("#sign-in-message", Static).update(Content(text))

    def _enrol(self, *, first: bool) -> None:
        from agentdesk.screens.enrol import EnrolScreen

        assert self.desk is not None

        def done(enrolled: bool | None) -> None:
            if enrolled:
                self.dismiss(True)
            else:
                self._ready_for_code("Enrolment was not finished.")

        self.app.push_screen(EnrolScreen(self.desk, first=first), done)

    @on(Input.Submitted, "#sign-in-code")
    def submit(self, event: Input.Submitted) -> None:
        if self.desk is None or not event.value.strip():
            return
        event.input.disabled = True
        self._check(self.desk, event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-in")
    def _check(self, desk: Desk, typed: str) -> None:
        from agentdesk.desk.audit_trail import Event
        from agentdesk.desk.sign_in import check_code
        from agentdesk.security.totp import looks_like_recovery_code

        try:
            check = check_code(desk, typed, Event(self.EVENT))
        except Exception as error:
            self.post_message(self.Checked(None, agent_message(error)))
            return
        self.post_message(self.Checked(check, recovery=looks_like_recovery_code(typed)))

    def on_sign_in_screen_checked(self, message: Checked) -> None:
        if message.check is None:
            self._ready_for_code(message.error)
        elif message.check.ok and message.recovery:
            self._enrol(first=False)  # a lost phone: a new secret for the new one
        elif message.check.ok:
            self.dismiss(True)
        else:
            self._ready_for_code(message.check.message)
