"""Intake (SOP step 1, "0-2 minutes"): a new ticket for a caller or a message.

Find the customer first (fuzzy over name, email, phone and account ID; the list is masked) or
create one (ctrl+n); then the channel, the priority (its SOP meaning shown under it), the
subject and the customer's first message. The region is the customer's. ctrl+s creates the
ticket offline through the one write path; the screen returns its id, and the opener shows
it (with verification next for phone and chat). A follow-up of a Closed ticket opens the same
form for the same customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from agentdesk.core.errors import Refused, agent_message
from agentdesk.core.intake import CustomerIndex, IntakeForm
from agentdesk.core.ticket import Channel, Priority
from agentdesk.desk import intake as desk_intake
from agentdesk.desk.base import Desk
from agentdesk.desk.intake import CustomerMatch, FollowUpStart
from agentdesk.widgets.field import Field
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.literal import literal
from agentdesk.widgets.safe_text_area import SafeTextArea

NEW_CUSTOMER = "new-customer"
SEARCH_PAUSE = 0.15
"""Seconds of no typing before the customer search runs."""

# Where each gap of core.intake sends the focus.
_GAP_FOCUS = {
    "customer": "#intake-customer",
    "channel": "#intake-channel",
    "priority": "#intake-priority",
    "subject": "#intake-subject",
    "first_message": "#intake-message",
}


@dataclass(frozen=True)
class Created:
    """What the intake screen returns: the new ticket, and its channel (phone and chat are
    verified next)."""

    ticket_id: int
    channel: Channel


class IntakeScreen(Screen[Created | None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Create ticket", id="intake.create"),
        Binding("ctrl+n", "new_customer", "New customer", id="intake.new_customer"),
        Binding("escape", "cancel", "Cancel", id="intake.cancel"),
    ]

    @dataclass
    class IndexReady(Message):
        index: CustomerIndex

    @dataclass
    class Found(Message):
        query: str
        matches: list[CustomerMatch]

    @dataclass
    class Done(Message):
        ticket_id: int
        channel: Channel

    @dataclass
    class Failed(Message):
        error: str
        missing: tuple[str, ...] = ()

    def __init__(self, desk: Desk, *, follow_up: FollowUpStart | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.follow_up = follow_up
        self.opened_at: datetime = desk.now()
        """Intake time (a KPI) runs from here to the ticket's creation."""
        self.customer: CustomerMatch | None = None if follow_up is None else follow_up.customer
        self.matches: list[CustomerMatch] = []
        self.meanings = desk_intake.priority_meanings(desk)
        self._query = ""
        self.index: CustomerIndex | None = None
        self.shown_query = ""
        """The query the match list shows the answer to (tests wait for it)."""
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        title = (
            "New ticket · intake"
            if self.follow_up is None
            else f"Follow-up of #{self.follow_up.closed_id} (Closed) · a new ticket"
        )
        with Vertical(id="intake-form"):
            yield Static(Content(title), id="intake-title")
            with Horizontal(classes="intake-row"):
                yield Label("Customer", classes="intake-label")
                yield Field(
                    placeholder="name, email, phone or account ID",
                    id="intake-customer",
                    disabled=self.follow_up is not None,
                )
            yield OptionList(id="intake-matches")
            yield Static("", id="intake-chosen")
            with Horizontal(classes="intake-row"):
                yield Label("Channel", classes="intake-label")
                with RadioSet(id="intake-channel"):
                    for channel in Channel:
                        yield RadioButton(channel.label, id=f"channel-{channel.value}")
            with Horizontal(classes="intake-row"):
                yield Label("Priority", classes="intake-label")
                with RadioSet(id="intake-priority"):
                    for priority in Priority:
                        yield RadioButton(priority.value, id=f"priority-{priority.value}")
            yield Static("", id="intake-meaning")
            with Horizontal(classes="intake-row"):
                yield Label("Subject", classes="intake-label")
                yield Field(placeholder="what it is about, in a line", id="intake-subject")
            yield Label("First message (the customer's words)", id="intake-message-label")
            yield SafeTextArea(id="intake-message")
            yield Static("", id="intake-error")
        yield KeyBar({"intake.create": 0, "intake.new_customer": 1, "intake.cancel": 2})

    def on_mount(self) -> None:
        start = self.follow_up
        self.query_one("#intake-matches", OptionList).display = start is None
        if start is not None:
            self._press(f"channel-{start.channel.value}")
            self._press(f"priority-{start.priority.value}")
            self.query_one("#intake-subject", Input).value = start.subject
            self._show_chosen()
            self.query_one("#intake-message", SafeTextArea).focus()
        else:
            self._show_chosen()
            self.query_one("#intake-customer", Input).focus()
            self._build_index()
        self._show_meaning()

    def _press(self, button_id: str) -> None:
        self.query_one(f"#{button_id}", RadioButton).value = True

    # The customer

    @work(thread=True, exclusive=True, exit_on_error=False, group="intake-index")
    def _build_index(self) -> None:
        try:
            index = desk_intake.customer_index(self.desk)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.IndexReady(index))

    def on_intake_screen_index_ready(self, message: IndexReady) -> None:
        self.index = message.index
        if self._query:
            self._search(message.index, self._query)

    @on(Input.Changed, "#intake-customer")
    def _customer_typed(self, event: Input.Changed) -> None:
        self._query = event.value
        # One search when the typing pauses, not one per key (50,000 customers).
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_PAUSE, self._search_now)

    def _search_now(self) -> None:
        if self.index is not None:
            self._search(self.index, self._query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="intake-search")
    def _search(self, index: CustomerIndex, query: str) -> None:
        found = desk_intake.search_customers(index, query)
        self.post_message(self.Found(query, found))

    def on_intake_screen_found(self, message: Found) -> None:
        if message.query != self._query:
            return  # typed on since
        self.matches = message.matches
        self.shown_query = message.query
        options = self.query_one("#intake-matches", OptionList)
        options.clear_options()
        options.add_options([Option(literal(m.line), id=str(m.id)) for m in message.matches])
        options.add_option(Option(Content("+ New customer… (ctrl+n)"), id=NEW_CUSTOMER))
        options.highlighted = 0

    @on(Input.Submitted, "#intake-customer")
    def _customer_submitted(self) -> None:
        options = self.query_one("#intake-matches", OptionList)
        if options.option_count:
            options.focus()

    @on(OptionList.OptionSelected, "#intake-matches")
    def _match_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == NEW_CUSTOMER:
            self.action_new_customer()
            return
        chosen = next((m for m in self.matches if str(m.id) == event.option.id), None)
        if chosen is not None:
            self._choose(chosen)

    def _choose(self, customer: CustomerMatch) -> None:
        self.customer = customer
        self._show_chosen()
        self.query_one("#intake-channel", RadioSet).focus()

    def _show_chosen(self) -> None:
        chosen = self.query_one("#intake-chosen", Static)
        if self.customer is None:
            chosen.update(
                Content.styled("No customer chosen yet: type to find one.", "$text-muted")
            )
            return
        chosen.update(
            Content.assemble(
                ("✓ ", "$text-success"),
                literal(self.customer.line),
                ("  region from the customer", "$text-muted"),
            )
        )

    def action_new_customer(self) -> None:
        from agentdesk.screens.new_customer import NewCustomerDialog

        if self.follow_up is not None:
            return  # a follow-up is for the Closed ticket's customer

        def made(customer: CustomerMatch | None) -> None:
            if customer is not None:
                self._choose(customer)

        self.app.push_screen(NewCustomerDialog(self.desk, self._query), made)

    # Priority

    @on(RadioSet.Changed, "#intake-priority")
    def _priority_changed(self) -> None:
        self._show_meaning()

    def _show_meaning(self) -> None:
        priority = self._chosen_priority()
        line = self.query_one("#intake-meaning", Static)
        if priority is None:
            line.update(
                Content.styled("P0 incident … P4 low: choose one (←/→, space)", "$text-muted")
            )
        else:
            line.update(Content.styled(self.meanings[priority], "$text-muted"))

    def _chosen_priority(self) -> Priority | None:
        pressed = self.query_one("#intake-priority", RadioSet).pressed_button
        return None if pressed is None or pressed.id is None else Priority(pressed.id[9:])

    def _chosen_channel(self) -> Channel | None:
        pressed = self.query_one("#intake-channel", RadioSet).pressed_button
        return None if pressed is None or pressed.id is None else Channel(pressed.id[8:])

    # Create

    def form(self) -> IntakeForm:
        return IntakeForm(
            customer_id=None if self.customer is None else self.customer.id,
            channel=self._chosen_channel(),
            priority=self._chosen_priority(),
            subject=self.query_one("#intake-subject", Input).value,
            first_message=self.query_one("#intake-message", SafeTextArea).text,
        )

    def action_create(self) -> None:
        self._create(self.form())

    @work(thread=True, exclusive=True, exit_on_error=False, group="intake-create")
    def _create(self, form: IntakeForm) -> None:
        try:
            if self.follow_up is None:
                ticket_id = desk_intake.open_ticket(self.desk, form, opened_at=self.opened_at)
            else:
                ticket_id = desk_intake.follow_up(
                    self.desk, self.follow_up.closed_id, form, opened_at=self.opened_at
                )
        except Exception as error:
            missing = error.missing if isinstance(error, Refused) else ()
            self.post_message(self.Failed(agent_message(error), missing))
            return
        assert form.channel is not None
        self.post_message(self.Done(ticket_id, form.channel))

    def on_intake_screen_done(self, message: Done) -> None:
        self.dismiss(Created(message.ticket_id, message.channel))

    def on_intake_screen_failed(self, message: Failed) -> None:
        self.query_one("#intake-error", Static).update(
            Content.assemble(("✗ ", "$text-error"), literal(message.error))
        )
        for gap in message.missing:
            if gap in _GAP_FOCUS:
                target = self.query_one(_GAP_FOCUS[gap], Widget)
                if not target.disabled:
                    target.focus()
                break

    def action_cancel(self) -> None:
        if isinstance(self.focused, OptionList) and self.follow_up is None:
            self.query_one("#intake-customer", Input).focus()
            return
        form = self.form()
        if not (form.subject.strip() or form.first_message.strip()):
            self.dismiss(None)
            return
        # What the agent typed is never thrown away by one key.
        from agentdesk.screens.choice_dialog import Choice, ChoiceDialog

        def chosen(choice: Choice | None) -> None:
            if choice is not None and choice[0] == "discard":
                self.dismiss(None)

        dialog = ChoiceDialog(
            "Leave intake? The ticket is not created yet.",
            [("stay", "Stay and finish the ticket"), ("discard", "Discard what was typed")],
            selected="stay",
        )
        self.app.push_screen(dialog, chosen)
