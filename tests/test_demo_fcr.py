"""The demo's L2 and L3 agents resolve some tickets on first contact: a share of the team's
work is routed to them at intake (demo/generator.py ROUTED_L2 / ROUTED_L3), beside the
tickets escalated to them. Before, every ticket an L2/L3 agent held had been escalated, so
the KPI board showed their first contact resolution as 0 %, which no real team has."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from agentdesk.core import kpi
from agentdesk.core.ticket import Tier
from agentdesk.demo import generate_demo
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.kpi_rows import read_facts

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_l2_and_l3_agents_resolve_some_tickets_on_first_contact(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    store = open_store(path, load_sla_policy())
    try:
        generate_demo(store, tickets=2_000, seed=1, now=NOW)
        with store.read() as connection:
            facts = read_facts(connection, NOW - timedelta(days=400), NOW)
            tiers = {
                str(r.handle): Tier(r.tier)
                for r in connection.execute(text("SELECT handle, tier FROM agents"))
            }
    finally:
        store.close()
    period = kpi.Period(NOW - timedelta(days=400), NOW, "demo")
    by_tier: dict[Tier, list[kpi.TicketFacts]] = defaultdict(list)
    for ticket in facts.tickets:
        if ticket.agent is not None:
            by_tier[tiers[ticket.agent]].append(ticket)
    fcr = {tier: kpi.first_contact_resolution(found, period) for tier, found in by_tier.items()}
    for tier in (Tier.L2, Tier.L3):
        value = fcr[tier].value
        assert value is not None and 0.1 < value < fcr[Tier.L1].value, (tier, fcr[tier])  # type: ignore[operator]
    # The escalations are still there: most of an L2/L3 agent's tickets came up from L1.
    assert all(fcr[tier].value < 0.5 for tier in (Tier.L2, Tier.L3))  # type: ignore[operator]
