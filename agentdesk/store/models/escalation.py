"""The escalation room: tier limits, the SLA-at-risk path, links, merges, alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from agentdesk.store.models.base import _default, _one_of, _when

# Issue 14 (h14c): links between tickets and merges. The full-text index (the
# ticket_search FTS5 table, its view and triggers) is not a SQLModel table: see V_H14C.


# V_ESCALATION (issue 14): the tier limit's "why not", the SLA-at-risk path, ticket links,
# the alerts already announced.


class TierLimitReason(SQLModel, table=True):
    __tablename__ = "tier_limit_reasons"
    __table_args__ = (
        _one_of("tier", "L1", "L2", "L3"),
        Index("ix_tier_limit_reasons_ticket", "ticket_id", "tier"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    tier: str
    reason: str
    actor: str
    at: datetime = Field(sa_column=_when())


class SlaRiskPath(SQLModel, table=True):
    __tablename__ = "sla_risk_paths"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "risk_began_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id")
    clock: str
    risk_began_at: datetime = Field(sa_column=_when())
    started_at: datetime = Field(sa_column=_when())
    started_by: str
    notified_name: str = _default("")
    notified_role: str = _default("")
    notified_via: str = _default("")
    notified_at: datetime | None = Field(default=None, sa_column=_when(True))
    incident_ticket_id: int | None = Field(default=None, foreign_key="tickets.id")
    incident_at: datetime | None = Field(default=None, sa_column=_when(True))
    customer_informed_at: datetime | None = Field(default=None, sa_column=_when(True))
    etr: str = _default("")
    breach_noted_at: datetime | None = Field(default=None, sa_column=_when(True))


class TicketLink(SQLModel, table=True):
    __tablename__ = "ticket_links"
    __table_args__ = (
        _one_of("kind", "refers_to", "depends_on", "parent_incident"),
        Index("ix_ticket_links_other", "other_ticket_id"),
    )
    ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    other_ticket_id: int = Field(foreign_key="tickets.id", primary_key=True)
    kind: str = Field(primary_key=True)
    created_at: datetime = Field(sa_column=_when())
    created_by: str = _default("")


class TicketMerge(SQLModel, table=True):
    __tablename__ = "ticket_merges"
    __table_args__ = (Index("ix_ticket_merges_into", "into_ticket_id"),)
    ticket_id: int | None = Field(default=None, foreign_key="tickets.id", primary_key=True)
    into_ticket_id: int = Field(foreign_key="tickets.id")
    merged_at: datetime = Field(sa_column=_when())
    merged_by: str = _default("")


class AlertAnnouncement(SQLModel, table=True):
    __tablename__ = "alert_announcements"
    kind: str = Field(primary_key=True)
    ref: str = Field(primary_key=True)
    state: str = Field(primary_key=True)
    announced_at: datetime = Field(sa_column=_when())
