"""The ticket screen's escalation-matrix keys: X opens the SLA-at-risk emergency path
(screens/at_risk.py), W records why a ticket past its tier's time limit stays at the tier.
A part of TicketScreen (its base), kept in a file of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import Screen

from agentdesk.widgets.urgency_line import UrgencyLine

if TYPE_CHECKING:
    from agentdesk.desk import Desk
    from agentdesk.store.workspace_rows import TicketWorkspace


class TicketEscalation(Screen[None]):
    desk: Desk
    ticket_id: int
    workspace: TicketWorkspace

    @dataclass
    class WhyNotRecorded(Message):
        tier: str

    # TicketScreen provides these (declared for the type checker only: a
    # stub here would shadow the real method for any class after this one in the MRO).
    if TYPE_CHECKING:

        def _run(
            self, job: Callable[[], Message | None], *, group: str, exclusive: bool = False
        ) -> None: ...

        def _load(self, *, reset_note: bool = False) -> None: ...

        def _forget_allowed(self) -> None: ...

    # X: the SLA-at-risk path

    def action_at_risk(self) -> None:
        from agentdesk.screens.at_risk import AtRiskScreen

        self.app.push_screen(AtRiskScreen(self.desk, self.ticket_id), lambda _: self._load())

    # W: record why not (escalate)

    def action_tier_why_not(self) -> None:
        from agentdesk.screens.text_dialog import Field, TextDialog

        tier = self.workspace.snapshot.tier.value
        dialog = TextDialog(
            f"#{self.ticket_id} is past the {tier} time limit: why does it stay at {tier}?",
            [Field("reason", "Reason (kept in the audit trail)", "waiting on the vendor's fix")],
        )
        self.app.push_screen(dialog, self._why_not_given)

    def _why_not_given(self, values: dict[str, str] | None) -> None:
        if not values:
            return
        from agentdesk.desk.emergency import record_why_not

        reason = values.get("reason", "")

        def job() -> Message:
            return self.WhyNotRecorded(record_why_not(self.desk, self.ticket_id, reason).value)

        self._run(job, group="ticket-change")

    def on_ticket_escalation_why_not_recorded(self, message: WhyNotRecorded) -> None:
        self.notify(f"Recorded why the ticket stays at {message.tier}.", title=f"#{self.ticket_id}")
        self._load()

    def on_urgency_line_changed(self, message: UrgencyLine.Changed) -> None:
        # The risk began (or the limit passed) while the ticket is open: X / W light up.
        self._forget_allowed()
        self.refresh_bindings()
