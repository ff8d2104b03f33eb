"""Links between tickets and merging a duplicate: what is allowed and what it changes. Pure.

The kinds are Request Tracker's: a ticket refers to another (RefersTo), depends on another
(DependsOn), or is a member of a parent incident (MemberOf). A merge closes the duplicate as
merged into the other ticket, whose conversation then shows the duplicate's (as RT does).
Whether the ticket may take the action at all is core.actions' answer, the same one the
ticket screen's keys show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from agentdesk.core import actions
from agentdesk.core.actions import Action
from agentdesk.core.errors import Refused
from agentdesk.core.ticket import Status

if TYPE_CHECKING:
    from agentdesk.core.changes import TicketSnapshot
    from agentdesk.core.sla import SlaPolicy


class LinkKind(StrEnum):
    REFERS_TO = "refers_to"
    DEPENDS_ON = "depends_on"
    PARENT_INCIDENT = "parent_incident"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def inverse_label(self) -> str:
        """How the other ticket shows the link."""
        return _INVERSE[self]


_LABELS = {
    LinkKind.REFERS_TO: "refers to",
    LinkKind.DEPENDS_ON: "depends on",
    LinkKind.PARENT_INCIDENT: "member of incident",
}
_INVERSE = {
    LinkKind.REFERS_TO: "referred to by",
    LinkKind.DEPENDS_ON: "depended on by",
    LinkKind.PARENT_INCIDENT: "incident of",
}


def _refuse(ticket: TicketSnapshot, action: Action) -> None:
    refusal = actions.status_refusal(action, ticket.status)
    if refusal is not None:
        raise Refused(f"{ticket.ref}: {refusal}")


def plan_link(ticket: TicketSnapshot, other: TicketSnapshot, kind: LinkKind) -> None:
    """Raise Refused when the ticket may not be linked to the other; else it may."""
    _refuse(ticket, Action.LINK)
    if other.id == ticket.id:
        raise Refused(f"{ticket.ref}: a ticket cannot be linked to itself")


@dataclass(frozen=True)
class MergePlan:
    """The duplicate's new fields (status closed, its SLA clocks stopped) and what is
    audited on each ticket."""

    updates: dict[str, Any]
    duplicate_audit: tuple[str, str]  # (field, new value)
    target_audit: tuple[str, str]


def plan_merge(
    duplicate: TicketSnapshot,
    target: TicketSnapshot,
    *,
    now: datetime,
    policy: SlaPolicy,
    target_merged: bool = False,
) -> MergePlan:
    """Merging the duplicate into the target, or Refused. target_merged: the target is
    itself merged into a third ticket (merge into that one instead)."""
    from agentdesk.core.changes import sla_fields

    _refuse(duplicate, Action.MERGE)
    if target.id == duplicate.id:
        raise Refused(f"{duplicate.ref}: a ticket cannot be merged into itself")
    if target_merged:
        raise Refused(f"{duplicate.ref}: {target.ref} is itself merged into another ticket")
    after = replace(
        duplicate,
        status=Status.CLOSED,
        resolved_at=duplicate.resolved_at or now,
        closed_at=now,
        version=duplicate.version + 1,
    )
    clock = sla_fields(after, policy)
    updates: dict[str, Any] = {
        "status": after.status,
        "resolved_at": after.resolved_at,
        "closed_at": after.closed_at,
        "pending_reason": "",
        "version": after.version,
        "updated_at": now,
        "sla_clock": clock.clock,
        "sla_due_at": clock.due_at,
        "sla_at_risk_at": clock.at_risk_at,
    }
    return MergePlan(
        updates,
        duplicate_audit=("merged_into", target.ref),
        target_audit=("merged_from", duplicate.ref),
    )
