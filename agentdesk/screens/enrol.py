"""Enrolment of the authenticator app (issue 16), on a profile's first start or after a
recovery code: the QR and the otpauth URI (shown here only, never logged), confirmed with a
first code; then the recovery codes, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from agentdesk.core.errors import agent_message
from agentdesk.widgets.qr_code import QrCode

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk
    from agentdesk.security.totp import Check, Enrolment


class EnrolScreen(Screen[bool]):
    CSS_PATH = "security.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "Quit", priority=True, id="enrol.quit"),
    ]

    @dataclass
    class Begun(Message):
        enrolment: Enrolment | None
        error: str = ""

    @dataclass
    class Confirmed(Message):
        check: Check | None
        error: str = ""

    def __init__(self, desk: Desk, *, first: bool = True) -> None:
        super().__init__()
        self.desk = desk
        self.first = first
        self.enrolment: Enrolment | None = None

    def compose(self) -> ComposeResult:
        yield Horizontal(id="enrol-body")

    def on_mount(self) -> None:
        self._begin(self.desk)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enrol")
    def _begin(self, desk: Desk) -> None:
        from agentdesk.desk.sign_in import begin_enrolment

        try:
            self.post_message(self.Begun(begin_enrolment(desk)))
        except Exception as error:
            self.post_message(self.Begun(None, agent_message(error)))

    async def on_enrol_screen_begun(self, message: Begun) -> None:
        body = self.query_one("#enrol-body", Horizontal)
        if message.enrolment is None:
            await body.mount(
                Vertical(
                    Static(Content("Sign-in cannot be set up"), classes="security-title"),
                    Static(Content(message.error), classes="security-message"),
                    Static(Content("ctrl+q quits; fix the keyring, then start again.")),
                    classes="security-dialog",
                )
            )
            return
        self.enrolment = message.enrolment
        why = "First start of this profile" if self.first else "Enrol your new phone"
        await body.mount(
            QrCode(message.enrolment.uri, id="enrol-qr"),
            Vertical(
                Static(
                    Content(f"{why}: scan the code with your authenticator app"),
                    classes="security-title",
                ),
                Static(Content("or enter this URI in it:"), classes="security-prompt"),
                Static(Content(message.enrolment.uri), id="enrol-uri"),
                Static(Content("Then type the 6 digits it shows:"), classes="security-prompt"),
                Input(placeholder="123456", id="enrol-code", max_length=8),
                Static(Content(""), id="enrol-message", classes="security-message"),
                id="enrol-side",
            ),
        )
        self.query_one("#enrol-code", Input).focus()

    @on(Input.Submitted, "#enrol-code")
    def submit(self, event: Input.Submitted) -> None:
        if self.enrolment is None or not event.value.strip():
            return
        event.input.disabled = True
        self._confirm(self.desk, self.enrolment, event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="enrol")
    def _confirm(self, desk: Desk, enrolment: Enrolment, typed: str) -> None:
        from agentdesk.desk.sign_in import finish_enrolment

        try:
            self.post_message(self.Confirmed(finish_enrolment(desk, enrolment, typed)))
        except Exception as error:
            self.post_message(self.Confirmed(None, agent_message(error)))

    async def on_enrol_screen_confirmed(self, message: Confirmed) -> None:
        if message.check is None or not message.check.ok:
            field = self.query_one("#enrol-code", Input)
            field.disabled = False
            field.value = ""
            field.focus()
            text = message.error if message.check is None else message.check.message
            self.query_one("#enrol-message", Static).update(Content(text))
            return
        assert self.enrolment is not None
        codes = self.enrolment.recovery_codes
        self.enrolment = None  # the secret and the URI leave the screen with it
        body = self.query_one("#enrol-body", Horizontal)
        await body.remove_children()
        await body.mount(
            Vertical(
                Static(Content("Enrolled. Your recovery codes"), classes="security-title"),
                Static(
                    Content(
                        "Each signs in once if you lose your phone. Write them down now: "
                        "they are not shown again and agentdesk keeps only their hashes."
                    ),
                    classes="security-prompt",
                ),
                Static(Content("\n".join(codes)), id="enrol-recovery"),
                Button("I have written them down", id="enrol-done", variant="primary"),
                classes="security-dialog",
            )
        )
        self.query_one("#enrol-done", Button).focus()

    @on(Button.Pressed, "#enrol-done")
    def done(self) -> None:
        self.dismiss(True)
