"""The ticket's header: number, priority, status, channel, region, tier and assignee; the
subject; the customer on one line and, in a demo, the customer's answers on the next
(narrow terminals: the customer panel shows both when wide); every SLA clock; and a banner
for a failed quality check or the last refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from agentdesk.core.changes import PendingReason
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.ticket import Priority
from agentdesk.store.workspace_rows import TicketWorkspace
from agentdesk.widgets.literal import literal
from agentdesk.widgets.sla_clocks import SlaClocks

_PRIORITY_STYLE = {
    Priority.P0: "bold reverse $text-error",
    Priority.P1: "bold $text-warning",
    Priority.P2: "bold",
    Priority.P3: "$text-muted",
    Priority.P4: "$text-muted",
}


def _sep() -> tuple[str, str]:
    return ("  ·  ", "$text-muted")


class TicketHeader(Vertical):
    """Styled by the app's stylesheet (#ticket-head and its parts)."""

    def __init__(
        self,
        ticket_id: int,
        policy: SlaPolicy,
        clock: Callable[[], datetime],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.ticket_id = ticket_id
        self.policy = policy
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(Content(f" #{self.ticket_id}"), id="ticket-title")
        yield Static(id="ticket-subject")
        yield Static("", id="ticket-customer")
        yield Static("", id="ticket-demo")
        yield SlaClocks(self.policy, self.clock, id="ticket-sla")
        yield Static("", id="ticket-banner")

    def show(
        self, workspace: TicketWorkspace, verification: Content, demo_answers: str = ""
    ) -> None:
        """verification: where identity verification stands, in words. demo_answers: a demo
        customer's verification answers ("" outside a demo), on a line of their own so a
        narrow customer line never cuts them off."""
        ticket = workspace.detail
        snapshot = workspace.snapshot
        status = ticket.status.label
        if snapshot.pending_reason:
            status += f" ({PendingReason(snapshot.pending_reason).label})"
        self.query_one("#ticket-title", Static).update(
            Content.assemble(
                (f" #{ticket.id} ", "bold"),
                " ",
                (f" {ticket.priority.value} ", _PRIORITY_STYLE[ticket.priority]),
                "  ",
                (status, "bold"),
                _sep(),
                ticket.channel.label,
                _sep(),
                ticket.region.value,
                _sep(),
                (f"{ticket.tier.value}", "bold"),
                _sep(),
                literal(ticket.assignee) or ("unassigned", "$text-muted"),
            )
        )
        self.query_one("#ticket-subject", Static).update(Content(literal(ticket.subject)))
        # Narrow terminals have no room for the customer panel: one line instead.
        payment = f"{workspace.payment_method} ····" if workspace.payment_method else "no card"
        self.query_one("#ticket-customer", Static).update(
            Content.assemble(
                ("Customer ", "$text-muted"),
                literal(ticket.customer_name),
                _sep(),
                verification,
                _sep(),
                literal(ticket.account_id),
                _sep(),
                literal(ticket.customer_email),
                _sep(),
                literal(payment),
            )
        )
        demo = self.query_one("#ticket-demo", Static)
        demo.update(
            Content.assemble(
                ("DEMO DATA ", "bold $text-warning"),
                ("account ", "$text-muted"),
                literal(ticket.account_id),
                _sep(),
                literal(demo_answers),
            )
            if demo_answers
            else Content("")
        )
        demo.set_class(not demo_answers, "-none")

    def show_banner(self, quality_flag: str | None, refusal: str) -> None:
        lines: list[Content] = []
        if quality_flag:
            lines.append(
                Content.assemble(
                    ("Quality check failed: ", "bold $text-error"),
                    literal(quality_flag),
                    (" (the ticket will not close itself)", "$text-muted"),
                )
            )
        if refusal:
            lines.append(Content.assemble(("Refused: ", "bold $text-error"), literal(refusal)))
        banner = self.query_one("#ticket-banner", Static)
        banner.update(Content("\n").join(lines))
        banner.display = bool(lines)
