"""SLA at risk: the emergency path (SOP "Escalation Matrix and SLA Enforcement"), its three
steps each recorded with its time:

1. notify the on-duty manager within 15 minutes: who is on call now for the ticket's region
   (data/oncall.toml) with their 24-hour phone and email; the agent records whom, how, and
   the time is taken; a countdown runs from the moment the risk began;
2. open a P0 incident linked to the ticket, or link an open incident for the same problem;
3. tell the customer of the escalation with an ETR: the shipped escalation-sla-at-risk macro
   with its placeholders filled.

Opened from the ticket (X). Every read and write is a desk call in a thread worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Select, Static

from agentdesk.core.emergency import NOTIFY_WAYS, Step
from agentdesk.core.errors import agent_message
from agentdesk.desk import emergency
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.literal import literal, literal_lines
from agentdesk.widgets.notify_countdown import NotifyCountdown

if TYPE_CHECKING:
    from agentdesk.desk import Desk
    from agentdesk.desk.emergency import AtRiskView


def _at(moment: datetime | None, today: datetime | None = None) -> str:
    """14:05 UTC; with the day when it is not today's (a business-hours clock)."""
    if moment is None:
        return ""
    if today is not None and moment.date() != today.date():
        return moment.strftime("%a %d %b %H:%M UTC")
    return moment.strftime("%H:%M UTC")


class AtRiskScreen(Screen[None]):
    DEFAULT_CSS = """
    AtRiskScreen #at-risk-title { background: $error-muted; color: $text-error;
                                  text-style: bold; padding: 0 1; }
    AtRiskScreen #at-risk-body { height: 1fr; padding: 0 1; }
    AtRiskScreen .step-title { text-style: bold; margin-top: 1; }
    AtRiskScreen .step-done { color: $text-success; }
    AtRiskScreen .step-row { height: auto; }
    AtRiskScreen .step-row { height: 1; }
    AtRiskScreen .step-row Input { width: 1fr; background: $boost; }
    AtRiskScreen .step-row Select { width: 16; margin-left: 1; }
    AtRiskScreen .step-row Button { width: auto; min-width: 9; margin-left: 1; }
    AtRiskScreen #on-duty { color: $foreground; }
    AtRiskScreen #inform-preview { color: $text-muted; border-left: thick $panel; padding-left: 1;
                                   display: none; }
    AtRiskScreen #inform-preview.-shown { display: block; }
    AtRiskScreen #at-risk-error { color: $text-error; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="at_risk.back"),
        Binding("ctrl+r", "reload", "Reload", id="at_risk.reload"),
    ]

    @dataclass
    class Loaded(Message):
        view: AtRiskView

    @dataclass
    class Failed(Message):
        error: str

    @dataclass
    class Previewed(Message):
        text: str

    @dataclass
    class StepDone(Message):
        notice: str

    def __init__(self, desk: Desk, ticket_id: int) -> None:
        super().__init__()
        self.desk = desk
        self.ticket_id = ticket_id
        self.view: AtRiskView | None = None
        self._focus_next = True
        """On the next read, focus the next step's field (first open, after a step)."""

    def compose(self) -> ComposeResult:
        yield Static(Content(f" SLA at risk · #{self.ticket_id}"), id="at-risk-title")
        with VerticalScroll(id="at-risk-body"):
            yield Static("Reading the ticket and the on-call roster…", id="at-risk-risk")
            yield Static(Content(f"1  {Step.NOTIFY.label}"), classes="step-title", id="notify-t")
            yield NotifyCountdown(self.desk.clock, id="notify-countdown")
            yield Static("", id="on-duty")
            with Horizontal(classes="step-row", id="notify-row"):
                yield Input(placeholder="Whom you notified", id="notify-name", compact=True)
                yield Select(
                    [(way, way) for way in NOTIFY_WAYS],
                    value=NOTIFY_WAYS[0],
                    allow_blank=False,
                    id="notify-via",
                    compact=True,
                )
                yield Button("Notified", id="notify-record", variant="primary", compact=True)
            yield Static("", classes="step-done", id="notify-done")
            yield Static(Content(f"2  {Step.INCIDENT.label}"), classes="step-title")
            with Horizontal(classes="step-row", id="incident-row"):
                yield Input(
                    placeholder="The problem, for the incident", id="incident-text", compact=True
                )
                yield Button("Open P0", id="incident-create", variant="primary", compact=True)
            with Horizontal(classes="step-row", id="link-row"):
                yield Select[int](
                    [], prompt="or an open incident", id="incident-open", compact=True
                )
                yield Button("Link", id="incident-link", compact=True)
            yield Static("", classes="step-done", id="incident-done")
            yield Static(Content(f"3  {Step.INFORM.label}"), classes="step-title")
            with Horizontal(classes="step-row", id="inform-row"):
                yield Input(placeholder="ETR, e.g. today 16:00 UTC", id="inform-etr", compact=True)
                yield Button("Preview", id="inform-preview-button", compact=True)
                yield Button("Send", id="inform-send", variant="primary", compact=True)
            yield Static("", id="inform-preview")
            yield Static("", classes="step-done", id="inform-done")
            yield Static("", id="at-risk-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self._load()

    # Reading

    def _load(self) -> None:
        def job() -> Message:
            return self.Loaded(emergency.at_risk_view(self.desk, self.ticket_id))

        self._run(job, "at-risk-load")

    def _run(self, job: object, group: str) -> None:
        def run() -> None:
            try:
                message = job()  # type: ignore[operator]
            except Exception as error:
                self.post_message(self.Failed(agent_message(error)))
                return
            self.post_message(message)

        exclusive = group == "at-risk-preview"  # a newer ETR replaces the preview asked for
        self.run_worker(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def on_at_risk_screen_loaded(self, message: Loaded) -> None:
        view = self.view = message.view
        path = view.path
        today = self.desk.now()
        due = f"; due {_at(view.due_at, today)}" if view.due_at else ""
        self.query_one("#at-risk-title", Static).update(
            Content(f" SLA at risk · #{view.ticket_id} {literal(view.subject)}")
        )
        self.query_one("#at-risk-risk", Static).update(
            Content(
                f"{view.priority.value} · {view.region.value} · the {view.clock.label.lower()} "
                f"clock turned at risk at {_at(view.risk_began_at, today)}{due}"
            )
        )
        self.query_one(NotifyCountdown).start(view.risk_began_at, path.notified_at)
        lines = [f"On call now for {view.region.value} (▸ the manager to notify):"]
        cells = [(e.role.label, e.name, e.phone, e.email) for e in view.on_duty]
        widths = [max((len(row[i]) for row in cells), default=0) for i in range(3)]
        for entry, row in zip(view.on_duty, cells, strict=True):
            mark = "▸" if entry == view.manager else " "
            padded = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            lines.append(f"{mark} {literal(padded)}  {literal(row[3])}")
        if view.manager is None:
            lines.append("  Nobody on the roster is on call as manager now: call the team lead.")
        self.query_one("#on-duty", Static).update(Content("\n".join(lines)))
        name = self.query_one("#notify-name", Input)
        if not name.value and view.manager is not None:
            name.value = view.manager.name
        self._done("notify", path.notified_at, f"{path.notified_name} by {path.notified_via}")
        incident = f"#{path.incident_ticket_id}" if path.incident_ticket_id else ""
        self._done("incident", path.incident_at, f"incident {incident}")
        self._done("inform", path.customer_informed_at, f"ETR {path.etr}")
        options = [(f"#{i} {literal(subject)}", i) for i, subject in view.open_incidents]
        select = self.query_one("#incident-open", Select)
        select.set_options(options)
        self.query_one("#link-row").display = bool(options) and path.incident_at is None
        self.query_one("#at-risk-error", Static).update("")
        # The next step's field takes the typing (a done step's row is gone).
        field = (
            {
                Step.NOTIFY: "#notify-name",
                Step.INCIDENT: "#incident-text",
                Step.INFORM: "#inform-etr",
            }.get(path.next_step)
            if path.next_step
            else None
        )
        if field is not None and self._focus_next:
            self.query_one(field).focus()
        self._focus_next = False

    def _done(self, step: str, at: datetime | None, what: str) -> None:
        """A step taken: its row gives way to what was recorded and when."""
        row = {"notify": "#notify-row", "incident": "#incident-row", "inform": "#inform-row"}
        self.query_one(row[step]).display = at is None
        done = self.query_one(f"#{step}-done", Static)
        done.update(Content(f"✓ {literal(what)} at {_at(at)}" if at else ""))
        done.display = at is not None

    def on_at_risk_screen_failed(self, message: Failed) -> None:
        self.query_one("#at-risk-error", Static).update(Content(message.error))
        self.notify(message.error, title="SLA at risk", severity="error", markup=False)

    def on_at_risk_screen_step_done(self, message: StepDone) -> None:
        self.notify(message.notice, title=f"#{self.ticket_id}", markup=False)
        self._focus_next = True
        self._load()

    def on_at_risk_screen_previewed(self, message: Previewed) -> None:
        preview = self.query_one("#inform-preview", Static)
        preview.update(Content(literal_lines(message.text)))
        preview.set_class(bool(message.text), "-shown")

    # The steps

    def _step(self, job: object) -> None:
        if self.view is None:
            return
        self._run(job, "at-risk-step")

    @on(Button.Pressed, "#notify-record")
    @on(Input.Submitted, "#notify-name")
    def record_notified(self) -> None:
        view = self.view
        manager = None if view is None else view.manager
        name = self.query_one("#notify-name", Input).value
        via = str(self.query_one("#notify-via", Select).value)
        role = manager.role.value if manager is not None and manager.name == name.strip() else ""

        def job() -> Message:
            assert view is not None
            at = emergency.notify_manager(self.desk, view, name, role, via)
            return self.StepDone(f"Manager notified at {_at(at)}")

        self._step(job)

    @on(Button.Pressed, "#incident-create")
    @on(Input.Submitted, "#incident-text")
    def create_incident(self) -> None:
        view = self.view
        text = self.query_one("#incident-text", Input).value

        def job() -> Message:
            assert view is not None
            incident = emergency.create_incident(self.desk, view, text)
            return self.StepDone(f"P0 incident #{incident} opened and linked")

        self._step(job)

    @on(Button.Pressed, "#incident-link")
    def link_incident(self) -> None:
        view = self.view
        chosen = self.query_one("#incident-open", Select).value
        if not isinstance(chosen, int):
            self.on_at_risk_screen_failed(self.Failed("choose an open incident to link"))
            return

        def job() -> Message:
            assert view is not None
            emergency.link_open_incident(self.desk, view, chosen)
            return self.StepDone(f"Linked to incident #{chosen}")

        self._step(job)

    @on(Button.Pressed, "#inform-preview-button")
    @on(Input.Changed, "#inform-etr")
    def preview(self) -> None:
        etr = self.query_one("#inform-etr", Input).value

        def job() -> Message:
            text, missing = emergency.customer_message(self.desk, self.ticket_id, etr)
            still = f"\n(still to fill: {', '.join(missing)})" if missing else ""
            return self.Previewed(text + still)

        self._run(job, "at-risk-preview")

    @on(Button.Pressed, "#inform-send")
    @on(Input.Submitted, "#inform-etr")
    def inform(self) -> None:
        view = self.view
        etr = self.query_one("#inform-etr", Input).value

        def job() -> Message:
            assert view is not None
            emergency.inform_customer(self.desk, view, etr)
            return self.StepDone("The customer was told the ETR")

        self._step(job)

    def action_reload(self) -> None:
        self._load()

    def action_back(self) -> None:
        self.dismiss(None)
