"""The choices the ticket's lifecycle keys ask for: what a Pending ticket waits on, the new
priority and its reason, the tier to escalate to and why."""

from __future__ import annotations

from collections.abc import Sequence

from agentdesk.core.changes import PendingReason
from agentdesk.core.escalation import EscalationMatrix
from agentdesk.core.ticket import Priority, Tier
from agentdesk.screens.choice_dialog import ChoiceDialog
from agentdesk.store.rows import AgentRow


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


def escalation_target(value: str) -> tuple[Tier, int | None]:
    """An escalate option's value: "L2" (the L2 queue) or "L2:12" (agent 12 of L2)."""
    tier, _, agent = value.partition(":")
    return Tier(tier), int(agent) if agent else None


def escalation_dialog(
    matrix: EscalationMatrix,
    current: Tier,
    agents: Sequence[AgentRow] = (),
    *,
    chosen: str | None = None,
    reason: str = "",
) -> ChoiceDialog | None:
    """For each tier above the ticket's: its queue (with what the tier handles), then its
    agents. None when there is no tier above. chosen and reason: what the agent picked and
    typed last time (an escalation refused for a gap in the note keeps them)."""
    options: list[tuple[str, str]] = []
    for tier in matrix.above(current):
        options.append((tier.value, f"{tier.value} queue (unassigned): {matrix.handles[tier]}"))
        options += [
            (f"{tier.value}:{a.id}", f"   {tier.value} · {a.name} ({a.handle})")
            for a in agents
            if a.tier is tier
        ]
    if not options:
        return None
    return ChoiceDialog(
        "Escalate to a tier's queue or to one of its agents",
        options,
        reason="Reason (required; the receiving team reads it)",
        reason_required=True,
        selected=chosen,
        reason_value=reason,
    )
