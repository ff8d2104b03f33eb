"""A customer the helpdesk does not know yet, created from intake: name, email, phone,
account ID and region (the ticket's region comes from it). Returns the new customer, masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from agentdesk.core.errors import agent_message
from agentdesk.core.intake import NewCustomer
from agentdesk.core.ticket import Region
from agentdesk.desk import intake as desk_intake
from agentdesk.desk.base import Desk
from agentdesk.desk.intake import CustomerMatch
from agentdesk.widgets.field import Field
from agentdesk.widgets.literal import literal


class NewCustomerDialog(ModalScreen[CustomerMatch | None]):
    CSS_PATH = Path(__file__).with_name("intake.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Create customer", id="new_customer.save"),
        Binding("escape", "cancel", "Cancel", id="new_customer.cancel"),
    ]

    @dataclass
    class Made(Message):
        customer: CustomerMatch

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, desk: Desk, typed: str = "") -> None:
        """typed: what the agent searched for (put in the field it looks like)."""
        super().__init__()
        self.desk = desk
        self.typed = typed.strip()

    def compose(self) -> ComposeResult:
        typed = self.typed
        email = typed if "@" in typed else ""
        phone = typed if typed and sum(c.isdigit() for c in typed) >= 6 and not email else ""
        name = "" if email or phone else typed
        with Vertical(id="new-customer-dialog"):
            yield Static(Content("New customer"), id="new-customer-title")
            for label, field_id, value in (
                ("Name", "nc-name", name),
                ("Email", "nc-email", email),
                ("Phone", "nc-phone", phone),
                ("Account ID", "nc-account", ""),
            ):
                with Horizontal(classes="intake-row"):
                    yield Label(label, classes="intake-label")
                    yield Field(value, id=field_id)
            with Horizontal(classes="intake-row"):
                yield Label("Region", classes="intake-label")
                with RadioSet(id="nc-region"):
                    for region in Region:
                        yield RadioButton(region.value, id=f"region-{region.value}")
            yield Static("", id="nc-error")
            yield Static(Content.styled("ctrl+s create · esc cancel", "$text-muted"), id="nc-keys")

    def on_mount(self) -> None:
        self.query_one("#nc-name", Input).focus()

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value

    def action_save(self) -> None:
        pressed = self.query_one("#nc-region", RadioSet).pressed_button
        region = None if pressed is None or pressed.id is None else Region(pressed.id[7:])
        customer = NewCustomer(
            self._value("nc-name"),
            self._value("nc-email"),
            self._value("nc-phone"),
            self._value("nc-account"),
            region,
        )
        self._save(customer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="new-customer")
    def _save(self, customer: NewCustomer) -> None:
        try:
            made = desk_intake.create_customer(self.desk, customer)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Made(made))

    def on_new_customer_dialog_made(self, message: Made) -> None:
        self.dismiss(message.customer)

    def on_new_customer_dialog_failed(self, message: Failed) -> None:
        self.query_one("#nc-error", Static).update(
            Content.assemble(("✗ ", "$text-error"), literal(message.error))
        )

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)
