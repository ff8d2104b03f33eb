"""The queue's ⇧ (desk.emergency.tier_limit_check): past the tier's time limit, with
something the tier can do about it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.desk.emergency import tier_limit_check
from agentdesk.store.rows import QueueRow

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)

ROW = QueueRow(
    id=1,
    priority=Priority.P1,
    status=Status.IN_PROGRESS,
    subject="Refund",
    customer="Maria G.",
    channel=Channel.EMAIL,
    region=Region.EMEA,
    assignee="amara",
    sla_clock=None,
    sla_due_at=None,
    sla_at_risk_at=None,
    sla_breached_at=None,
    tier=Tier.L1,
    tier_since=NOW - timedelta(minutes=61),  # the L1 limit of a P1 is 60 minutes
    tier_why_not=False,
)


def test_the_mark_shows_past_the_limit_only() -> None:
    passed = tier_limit_check()
    assert passed(ROW, NOW)
    assert not passed(replace(ROW, tier_since=NOW - timedelta(minutes=59)), NOW)
    assert not passed(replace(ROW, tier_why_not=True), NOW)
    assert not passed(replace(ROW, tier=Tier.L3), NOW)


def test_no_mark_while_the_ticket_waits_on_the_customer() -> None:
    passed = tier_limit_check()
    assert not passed(replace(ROW, status=Status.PENDING), NOW)
    assert passed(replace(ROW, status=Status.NEW), NOW)
