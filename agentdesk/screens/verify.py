"""The identity verification wizard: account ID, last 4 of the payment method, then date of
birth or PIN (the customer's choice). "Do not proceed without verification."

The agent types what the customer says; the secret steps are masked on screen. What was
typed goes to a worker that compares keyed hashes and is then cleared from the input: it is
never written to the store, the audit trail or a log. Never asks for a CVV or a card number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

from agentdesk.core.errors import AgentdeskError, agent_message
from agentdesk.core.verification import (
    AccountVerifiers,
    Attempt,
    Factor,
    Outcome,
    VerificationStatus,
    check_factor,
)
from agentdesk.desk import verification
from agentdesk.desk.base import Desk
from agentdesk.widgets.field import Field
from agentdesk.widgets.literal import literal

if TYPE_CHECKING:
    pass

_STEPS = {
    Factor.ACCOUNT_ID: (
        1,
        "Account ID",
        "Ask for the account ID and type it as the customer says.",
    ),
    Factor.PAYMENT_LAST4: (
        2,
        "Last 4 of the payment method",
        "Ask for the last 4 digits only. Never ask for the full card number or the CVV.",
    ),
    Factor.DATE_OF_BIRTH: (3, "Date of birth or PIN", "The customer chooses which one to give."),
}


class VerifyScreen(ModalScreen[VerificationStatus | None]):
    # From 100 columns the ticket's customer panel is on the right: the dialog leaves it free.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="verify.cancel"),
    ]

    @dataclass
    class AccountFound(Message):
        account: AccountVerifiers | None
        typed_id: str
        key: bytes

    @dataclass
    class FactorChecked(Message):
        factor: Factor
        matched: bool

    @dataclass
    class Slip(Message):
        error: str

    @dataclass
    class Recorded(Message):
        attempt: Attempt
        status: VerificationStatus

    def __init__(
        self,
        desk: Desk,
        ticket_id: int,
        account_id: str,
        *,
        customer: str = "",
        demo_answers: str = "",
    ) -> None:
        """desk: the opening screen's own (a read-only one refuses to record). customer: the
        ticket's customer (masked), and demo_answers a demo customer's answers: shown in the
        dialog, so the ticket's context is never hidden behind it."""
        super().__init__()
        self.customer = customer
        self.demo_answers = demo_answers
        self.desk = desk
        self.ticket_id = ticket_id
        self.ticket_account_id = account_id
        self.clock = desk.clock
        self.step = Factor.ACCOUNT_ID
        self.account: AccountVerifiers | None = None
        self.key: bytes | None = None
        self.outcome: VerificationStatus | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="verify-dialog"):
            yield Static(Content(f"Verify the caller · #{self.ticket_id}"), id="verify-title")
            yield Static(self._caller_context(), id="verify-context")
            yield Static("", id="verify-step")
            yield Static("", id="verify-help")
            with RadioSet(id="verify-choice"):
                yield RadioButton("Date of birth", value=True, id="choice-dob")
                yield RadioButton("PIN", id="choice-pin")
            yield Field(id="verify-input")
            yield Static("", id="verify-error")
            yield Static(
                Content.styled("enter next step · esc cancel", "$text-muted"), id="verify-keys"
            )

    def _caller_context(self) -> Content:
        lines = []
        if self.customer:
            lines.append(
                Content.assemble(
                    ("Customer on the ticket: ", "$text-muted"), literal(self.customer)
                )
            )
        if self.demo_answers:
            lines.append(
                Content.assemble(
                    ("DEMO DATA ", "bold $text-warning"),
                    ("account ", "$text-muted"),
                    literal(self.ticket_account_id),
                    ("  ·  ", "$text-muted"),
                    literal(self.demo_answers),
                )
            )
        return Content("\n").join(lines)

    def on_mount(self) -> None:
        self.query_one("#verify-context").display = bool(self.customer or self.demo_answers)
        self._show_step(Factor.ACCOUNT_ID)

    @property
    def _input(self) -> Input:
        return self.query_one("#verify-input", Input)

    def _chosen_factor(self) -> Factor:
        pin = self.query_one("#choice-pin", RadioButton).value
        return Factor.PIN if pin else Factor.DATE_OF_BIRTH

    def _show_step(self, step: Factor, error: str = "") -> None:
        self.step = step
        number, title, help_text = _STEPS[step]
        self.query_one("#verify-step", Static).update(
            Content.assemble((f"Step {number} of 3 · ", "$text-muted"), (title, "bold"))
        )
        self.query_one("#verify-help", Static).update(Content(help_text))
        self.query_one("#verify-choice").display = step is Factor.DATE_OF_BIRTH
        field = self._input
        field.password = step is not Factor.ACCOUNT_ID
        field.value = self.ticket_account_id if step is Factor.ACCOUNT_ID else ""
        field.disabled = False
        self._placeholder()
        self._error(error)
        field.focus()

    def _placeholder(self) -> None:
        if self.step is Factor.ACCOUNT_ID:
            text = "ACC-…"
        elif self.step is Factor.PAYMENT_LAST4:
            text = "4 digits"
        elif self._chosen_factor() is Factor.PIN:
            text = "4 to 6 digits"
        else:
            text = "YYYY-MM-DD or 12 March 1985"
        self._input.placeholder = text

    def _error(self, text: str, style: str = "$text-error") -> None:
        error = self.query_one("#verify-error", Static)
        error.update(Content.styled(text, style) if text else Content(""))
        error.display = bool(text)

    @on(RadioSet.Changed, "#verify-choice")
    def _choice_changed(self) -> None:
        self._placeholder()
        self._input.focus()

    @on(Input.Submitted, "#verify-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.outcome is not None:
            self.dismiss(self.outcome)
            return
        typed = event.value
        # Off the screen at once: the value lives on only in the worker's arguments.
        self._input.value = ""
        self._input.disabled = True
        self._error("Checking…", "$text-muted")
        if self.step is Factor.ACCOUNT_ID:
            self._find_account(typed)
        elif self.account is not None and self.key is not None:
            factor = self._chosen_factor() if self.step is Factor.DATE_OF_BIRTH else self.step
            self._check(self.key, self.account, factor, typed)

    # Workers: keyring and SQLite never block the screen.

    # Explicit descriptions: Textual's default one is the call with repr() of every argument,
    # which would put what the customer said (and the key) into debug logs.
    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="verify",
        description="find the account",
    )
    def _find_account(self, typed: str) -> None:
        try:
            key = self.key or verification.verifier_key(self.desk)
            account = verification.find_account(self.desk, typed)
        except Exception as error:
            self.post_message(self.Slip(agent_message(error)))
            return
        self.post_message(self.AccountFound(account, typed.strip(), key))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="verify",
        description="check a verifier",
    )
    def _check(self, key: bytes, account: AccountVerifiers, factor: Factor, typed: str) -> None:
        try:
            matched = check_factor(key, account, factor, typed)
        except AgentdeskError as error:
            # A typing slip (VerifierFormatError): its text never repeats what was typed.
            self.post_message(self.Slip(agent_message(error)))
            return
        self.post_message(self.FactorChecked(factor, matched))

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify-record")
    def _record(self, attempt: Attempt, customer_id: int | None) -> None:
        try:
            status = verification.record_attempt(
                self.desk, self.ticket_id, attempt, customer_id=customer_id
            )
        except Exception as error:
            self.post_message(self.Slip(agent_message(error)))
            return
        self.post_message(self.Recorded(attempt, status))

    # Answers

    def on_verify_screen_slip(self, message: Slip) -> None:
        self._input.disabled = False
        self._error(message.error)
        self._input.focus()

    def on_verify_screen_account_found(self, message: AccountFound) -> None:
        self.key = message.key
        if message.account is None:
            # An unknown ID is a slip, not a failed attempt: say so and let the agent retype.
            self._show_step(
                Factor.ACCOUNT_ID, f"No customer has the account ID {message.typed_id!r}."
            )
            self._input.value = message.typed_id
            return
        self.account = message.account
        if message.account.account_id.upper() != self.ticket_account_id.upper():
            self._fail(Factor.ACCOUNT_ID)
            return
        self._show_step(Factor.PAYMENT_LAST4)

    def on_verify_screen_factor_checked(self, message: FactorChecked) -> None:
        if not message.matched:
            self._fail(message.factor)
        elif message.factor is Factor.PAYMENT_LAST4:
            self._show_step(Factor.DATE_OF_BIRTH)
        else:
            factors = (Factor.ACCOUNT_ID, Factor.PAYMENT_LAST4, message.factor)
            self._record(
                Attempt(self.clock(), Outcome.PASSED, factors),
                self.account.customer_id if self.account else None,
            )

    def _fail(self, step: Factor) -> None:
        customer = self.account.customer_id if self.account else None
        self._record(Attempt(self.clock(), Outcome.FAILED, failed_step=step), customer)

    def on_verify_screen_recorded(self, message: Recorded) -> None:
        status = message.status
        attempt = message.attempt
        if attempt.outcome is Outcome.PASSED:
            until = status.verified_until.strftime("%H:%M UTC") if status.verified_until else "—"
            self.notify(
                f"Identity verified ({attempt.describe()}); valid until {until}.",
                title=f"#{self.ticket_id}",
                markup=False,
            )
            self.dismiss(status)
            return
        limit = verification.attempt_limit(self.desk)
        if status.locked:
            self.outcome = status
            self.query_one("#verify-step", Static).update(
                Content.styled("Verification failed: escalated to Level 2", "bold $text-error")
            )
            self.query_one("#verify-help", Static).update(
                Content(
                    f"{status.failures} failed attempts; the last at the "
                    f"{attempt.failed_step.label if attempt.failed_step else 'unknown step'}. "
                    "The interaction is locked: no reply, no account change, no resolve until "
                    "a Level 2 agent clears it."
                )
            )
            self.query_one("#verify-choice").display = False
            self._input.display = False
            self._error("")
            self.query_one("#verify-keys", Static).update(
                Content.styled("enter or esc close", "$text-muted")
            )
            self.focus_next()
            return
        step = attempt.failed_step.label if attempt.failed_step else "a step"
        self._show_step(
            Factor.ACCOUNT_ID,
            f"The {step} did not match. Attempt {status.failures} of {limit} failed; "
            "start again from the account ID.",
        )

    def key_enter(self) -> None:
        if self.outcome is not None:
            self.dismiss(self.outcome)

    def action_cancel(self) -> None:
        self.dismiss(self.outcome)


def describe_status(status: VerificationStatus) -> Content:
    """The customer panel's words for where verification stands."""
    if status.locked:
        return Content.styled(
            f"LOCKED after {status.failures} failed attempts: Level 2 must clear it",
            "bold $text-error",
        )
    if status.verified_until is not None:
        return Content.assemble(
            ("verified", "bold $text-success"),
            literal(f" until {status.verified_until.strftime('%H:%M UTC')}"),
        )
    if status.failures:
        return Content.styled(f"not verified ({status.failures} failed)", "$text-warning")
    return Content.styled("not verified", "$text-warning")
