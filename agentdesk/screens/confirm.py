"""The three-step confirmation: restate the issue, propose a solution with an ETR, get the
customer's explicit agreement. A decline goes back to step 2 with its reason kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from agentdesk.core.confirmation import DeclinedProposal, EtrError, format_due, parse_etr
from agentdesk.core.errors import agent_message
from agentdesk.core.quality import Confirmation
from agentdesk.desk.base import Desk
from agentdesk.desk.confirmation import record_confirmation
from agentdesk.widgets.field import Field
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.literal import literal, literal_content

if TYPE_CHECKING:
    pass

RESTATE, PROPOSE, AGREE, DECLINED = "restate", "propose", "agree", "declined"

_TITLES = {
    RESTATE: (
        "Step 1 of 3 · Restate the issue",
        "Say it back in your words; the customer says yes.",
    ),
    PROPOSE: ("Step 2 of 3 · Propose a solution and an ETR", "ETR: 2h, 90m, 1d or 16:00 (UTC)."),
    AGREE: ("Step 3 of 3 · Does the customer agree?", "y: agrees · n: declines (say why)"),
    DECLINED: ("Step 3 of 3 · Why did the customer decline?", "Kept with the record."),
}


class ConfirmScreen(ModalScreen[bool]):
    """Docked at the top: the newest messages, at the bottom of the conversation, stay in
    sight (dimmed) behind it, and the customer's last message is quoted inside it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("y", "agree", "Agrees", id="confirm.agree"),
        Binding("n", "decline", "Declines", id="confirm.decline"),
    ]

    @dataclass
    class Recorded(Message):
        pass

    @dataclass
    class Failed(Message):
        error: str

    def __init__(
        self,
        desk: Desk,
        ticket_id: int,
        issue_summary: str,
        *,
        customer_said: str = "",
    ) -> None:
        """desk: the opening screen's own (a read-only one refuses to record).
        customer_said: the customer's latest message, quoted in the dialog so the agent can
        restate it (the conversation is behind the dialog)."""
        super().__init__()
        self.customer_said = customer_said
        self.desk = desk
        self.ticket_id = ticket_id
        self.clock = desk.clock
        self.step = RESTATE
        self.restated = issue_summary
        self.solution = ""
        self.etr = ""  # the due time, as recorded
        self.etr_typed = ""  # what the agent typed (a duration or a time), kept for a retry
        self.declined: list[DeclinedProposal] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(
                Content(f"Confirm with the customer · #{self.ticket_id}"), id="confirm-title"
            )
            if self.customer_said.strip():
                quote = VerticalScroll(
                    Static(literal_content(self.customer_said.strip(), multiline=True)),
                    id="confirm-said",
                )
                quote.border_title = "The customer's last message"
                quote.can_focus = False
                yield quote
            yield Static("", id="confirm-step")
            yield Static("", id="confirm-help")
            yield Static("", id="confirm-summary")
            yield Field(id="confirm-text")
            yield Field(id="confirm-etr", placeholder="ETR: 2h, 90m, 1d or 16:00")
            yield Static("", id="confirm-due")
            yield Static("", id="confirm-error")
        # Its keys (Esc, and y / n at step 3) on the bottom line, as every screen shows them.
        yield KeyBar()

    def on_mount(self) -> None:
        self._show(RESTATE)

    def _text(self) -> Input:
        return self.query_one("#confirm-text", Input)

    def _etr(self) -> Input:
        return self.query_one("#confirm-etr", Input)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("agree", "decline"):
            return self.step == AGREE
        return True

    def _show(self, step: str, error: str = "") -> None:
        self.step = step
        title, help_text = _TITLES[step]
        self.query_one("#confirm-step", Static).update(Content.styled(title, "bold"))
        self.query_one("#confirm-help", Static).update(Content.styled(help_text, "$text-muted"))
        text, etr = self._text(), self._etr()
        text.display = step in (RESTATE, PROPOSE, DECLINED)
        etr.display = step == PROPOSE
        self.query_one("#confirm-due").display = step == PROPOSE
        if step == RESTATE:
            text.value, text.placeholder = self.restated, "the issue, in one sentence"
        elif step == PROPOSE:
            text.value, text.placeholder = self.solution, "the solution you propose"
            etr.value = self.etr_typed
        elif step == DECLINED:
            text.value, text.placeholder = "", "the customer's reason"
        self._summary()
        self._error(error)
        if text.display:
            text.focus()
        else:
            self.set_focus(None)
        self.refresh_bindings()

    def _summary(self) -> None:
        lines = []
        if self.step in (AGREE, DECLINED):
            lines.append(Content.assemble(("Issue: ", "$text-muted"), literal(self.restated)))
            lines.append(
                Content.assemble(
                    ("Solution: ", "$text-muted"),
                    literal(self.solution),
                    ("  ETR ", "$text-muted"),
                    literal(self.etr),
                )
            )
        for number, proposal in enumerate(self.declined, 1):
            lines.append(
                Content.assemble(
                    (f"Declined proposal {number}: ", "$text-warning"),
                    literal(proposal.describe()),
                )
            )
        summary = self.query_one("#confirm-summary", Static)
        summary.update(Content("\n").join(lines))
        summary.display = bool(lines)

    def _error(self, text: str) -> None:
        error = self.query_one("#confirm-error", Static)
        error.update(Content.styled(text, "$text-error") if text else Content(""))
        error.display = bool(text)

    @on(Input.Changed, "#confirm-etr")
    def _etr_changed(self, event: Input.Changed) -> None:
        due = self.query_one("#confirm-due", Static)
        try:
            when = parse_etr(event.value, self.clock()) if event.value.strip() else None
        except EtrError:
            when = None
        due.update(Content.styled(f"due {format_due(when)}" if when else "", "$text-success"))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = self._text().value.strip()
        if self.step == RESTATE:
            if not value:
                self._show(RESTATE, "Restate the issue before going on.")
                return
            self.restated = value
            self._show(PROPOSE)
        elif self.step == PROPOSE:
            if event.input.id == "confirm-text" and not self._etr().value.strip():
                self._etr().focus()
                return
            if not value:
                self._show(PROPOSE, "Say what you propose.")
                return
            try:
                due = parse_etr(self._etr().value, self.clock())
            except EtrError as error:
                self.solution = value
                self._show(PROPOSE, str(error))
                self._etr().focus()
                return
            self.solution, self.etr = value, format_due(due)
            self.etr_typed = self._etr().value
            self._show(AGREE)
        elif self.step == DECLINED:
            if not value:
                self._show(DECLINED, "Note why the customer declined.")
                return
            self.declined.append(DeclinedProposal(self.solution, self.etr, value))
            self._show(PROPOSE)

    def action_agree(self) -> None:
        confirmation = Confirmation(self.restated, self.solution, self.etr, True, self.clock())
        self._record(confirmation, tuple(self.declined))

    def action_decline(self) -> None:
        self._show(DECLINED)

    @work(thread=True, exclusive=True, exit_on_error=False, group="confirm")
    def _record(self, confirmation: Confirmation, declined: tuple[DeclinedProposal, ...]) -> None:
        try:
            record_confirmation(self.desk, self.ticket_id, confirmation, declined)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Recorded())

    def on_confirm_screen_recorded(self, message: Recorded) -> None:
        self.notify("Three-step confirmation recorded.", title=f"#{self.ticket_id}")
        self.dismiss(True)

    def on_confirm_screen_failed(self, message: Failed) -> None:
        self._error(message.error)

    def action_cancel(self) -> None:
        self.dismiss(False)
