"""The choices the ticket's lifecycle keys ask for: what a Pending ticket waits on, the new
priority and its reason, the tier to escalate to and why."""

from __future__ import annotations

from agentdesk.core.changes import PendingReason
from agentdesk.core.escalation import EscalationMatrix
from agentdesk.core.ticket import Priority, Tier
from agentdesk.screens.choice_dialog import ChoiceDialog


def pend_dialog() -> ChoiceDialog:
    options = [(reason.value, reason.label.capitalize()) for reason in PendingReason]
    return ChoiceDialog("Pend the ticket: what does it wait on? (pauses the SLA)", options)


def priority_dialog(current: Priority) -> ChoiceDialog:
    return ChoiceDialog(
        "Change the priority",
        [(p.value, p.value) for p in Priority],
        reason="Reason (required)",
        reason_required=True,
        selected=current.value,
    )


def escalation_dialog(matrix: EscalationMatrix, current: Tier) -> ChoiceDialog | None:
    """The tiers above the ticket's, each with what it handles; None when there is none."""
    options = [
        (tier.value, f"{tier.value}: {matrix.handles[tier]}") for tier in matrix.above(current)
    ]
    if not options:
        return None
    return ChoiceDialog(
        "Escalate the ticket",
        options,
        reason="Reason (required; the receiving team reads it)",
        reason_required=True,
    )


def quality_dialog(reason: str) -> ChoiceDialog:
    """The team asks ([quality] on_resolve = "ask"): resolve although the 48-hour quality
    check will flag the ticket (audited), or go back and reply first."""
    return ChoiceDialog(
        reason,
        [
            ("back", "Go back: reply to the customer first"),
            ("resolve", "Resolve anyway (the audit trail records it)"),
        ],
    )
