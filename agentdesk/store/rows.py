"""Plain objects the store's queries return and take. Cheap to import: no SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from agentdesk.core.sla import Clock
from agentdesk.core.ticket import (
    OPEN_STATUSES,
    Channel,
    MessageKind,
    Priority,
    Region,
    Status,
    Tier,
)


class View(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    ALL = "all"
    TIER = "tier"
    """The tickets at the agent's tier (an escalated ticket waits here for that tier)."""

    @property
    def label(self) -> str:
        return {"mine": "Mine", "unassigned": "Unassigned", "all": "All", "tier": "My tier"}[
            self.value
        ]


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. An empty set means "any"."""

    view: View = View.ALL
    agent_id: int | None = None
    tier: Tier | None = None
    """The agent's tier, for View.TIER (unknown: the view is empty)."""
    statuses: frozenset[Status] = frozenset(OPEN_STATUSES)
    priorities: frozenset[Priority] = frozenset()
    channels: frozenset[Channel] = frozenset()
    regions: frozenset[Region] = frozenset()
    tiers: frozenset[Tier] = frozenset()


@dataclass(frozen=True)
class QueueRow:
    id: int
    priority: Priority
    status: Status
    subject: str
    customer: str  # masked
    channel: Channel
    region: Region
    assignee: str  # agent handle, "" when unassigned
    sla_clock: Clock | None
    sla_due_at: datetime | None
    sla_at_risk_at: datetime | None
    sla_breached_at: datetime | None
    # The escalation matrix's time limit (issue 14): the tier, since when, and whether the
    # agent recorded why the ticket stays there.
    tier: Tier = Tier.L1
    tier_since: datetime | None = None
    tier_why_not: bool = False


@dataclass(frozen=True)
class MessageRow:
    id: int
    kind: MessageKind
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class AuditLine:
    actor: str
    action: str
    field: str
    old_value: str | None
    new_value: str | None
    at: datetime


@dataclass(frozen=True)
class TicketDetail:
    id: int
    subject: str
    priority: Priority
    status: Status
    channel: Channel
    region: Region
    tier: Tier
    assignee: str
    customer_name: str  # masked
    customer_email: str  # masked
    account_id: str
    product_area: str
    issue_type: str
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla_clock: Clock | None
    sla_due_at: datetime | None
    sla_at_risk_at: datetime | None
    sla_breached_at: datetime | None
    messages: tuple[MessageRow, ...] = field(default=())


@dataclass(frozen=True)
class AgentRow:
    id: int
    handle: str
    name: str
    tier: Tier
