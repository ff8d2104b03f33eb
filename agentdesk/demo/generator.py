"""The demo generator: what each ticket is and how long each step took; then its story.

All randomness comes from one random.Random(seed), consumed in a fixed order, and nothing
reads the clock, so the same data/demo.toml, seed and `now` give byte-identical tables.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core import sla
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.demo.config import DemoConfig, load_demo_config
from agentdesk.demo.draws import allocate, below, choice, pick, unzip_weights
from agentdesk.demo.people import DemoCustomer, TeamMember, make_customers, make_team, team_rows
from agentdesk.demo.spans import ClockSpans
from agentdesk.demo.stories import Story
from agentdesk.demo.summary import DemoSummary
from agentdesk.demo.times import DAY, HOUR, QUALITY_SECONDS, as_datetime, as_seconds
from agentdesk.demo.writer import DemoRows, insert_rows

if TYPE_CHECKING:
    # Type-only: importing agentdesk.demo must not load SQLAlchemy (see demo/__init__.py).
    from sqlalchemy import Connection

    from agentdesk.store.engine import Store

# Tickets are generated and written in chunks: bounded memory, batches of a few thousand rows.
_CHUNK = 2_000
_MAX_MESSAGES = 8
# Worked tickets routed to L2 / L3 at intake (beside the areas' escalation rates).
ROUTED_L2 = 0.1
ROUTED_L3 = 0.03


@dataclass
class TicketPlan:
    """What is decided for a ticket before its story is told."""

    id: int
    status: Status
    priority: Priority
    channel: Channel
    region: Region
    sla_class: str
    demo_agent: bool


class Generator(ClockSpans):
    def __init__(
        self, config: DemoConfig, policy: sla.SlaPolicy, tickets: int, seed: int, now: datetime
    ) -> None:
        from agentdesk.store.types import to_db

        self.to_db = to_db
        self.cfg = config
        self.policy = policy
        self.n = tickets
        self.rng = random.Random(seed)
        self.seed = seed
        # Whole seconds, rounded down: every generated time is <= the caller's now.
        self.now = as_seconds(now)
        self.now_dt = as_datetime(self.now)
        self.start = self.now - config.days * DAY
        self.agents: list[TeamMember] = []
        self.pools: dict[tuple[Tier, Region], list[TeamMember]] = {}
        self.tier_pools: dict[Tier, list[TeamMember]] = {}
        self.customers: dict[Region, list[DemoCustomer]] = {}
        self.rows = DemoRows()
        self.dues: dict[tuple[Region, datetime, int], int] = {}
        self.spell_mix = unzip_weights(config.pending_spells)
        self.note_mix = unzip_weights(config.internal_notes)
        self.open_breached = 0
        self.open_at_risk = 0
        self.breached_tickets = 0
        # Agents on a contact at `now` (demo/shifts.py: on shift and available), given one.
        self.on_contact: set[int] = set()
        # Targets in seconds and whether they count business hours only, per priority.
        self.targets: dict[tuple[Priority, sla.Clock], tuple[int, bool]] = {}
        for priority in Priority:
            for clock in sla.Clock:
                target = policy.target(priority, clock)
                if target is not None:
                    self.targets[priority, clock] = (int(target.seconds), target.business_hours)

    # -- people --

    def people(self, connection: Connection) -> tuple[int, int]:
        self.agents = make_team(self.cfg, self.rng, self.n)
        for agent in self.agents:
            self.pools.setdefault((agent.tier, agent.region), []).append(agent)
            self.tier_pools.setdefault(agent.tier, []).append(agent)
        insert_rows(connection, "agents", team_rows(self.agents))
        customers, rows = make_customers(self.cfg, self.rng, self.n, self.now)
        for customer in customers:
            self.customers.setdefault(customer.region, []).append(customer)
        insert_rows(connection, "customers", rows)
        return len(customers), len(self.agents)

    def on_contact_now(self, agent: TeamMember) -> bool:
        """True once per agent who is on a contact now: their ticket's session runs."""
        from agentdesk.demo.shifts import on_a_contact

        if agent.id in self.on_contact or agent is self.agents[0] or not on_a_contact(agent.handle):
            return False
        self.on_contact.add(agent.id)
        return True

    # -- tickets --

    def plans(self) -> list[TicketPlan]:
        cfg, rng, n = self.cfg, self.rng, self.n
        statuses = allocate(cfg.statuses, n, rng)
        priorities = allocate(cfg.priorities, n, rng)
        channels = allocate(cfg.channels, n, rng)
        regions = allocate(cfg.regions, n, rng)
        # Pending tickets are paused; the other open ones have a clock running at `now`.
        running = [i for i, s in enumerate(statuses) if s.is_open and s is not Status.PENDING]
        sla_class = dict(zip(running, allocate(cfg.sla_classes, len(running), rng), strict=True))
        # The demo agent gets the first few tickets of every state an agent holds, plus one
        # breached and one at-risk ticket in progress, so "Mine" shows the whole workflow.
        demo: set[int] = set()
        for status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED):
            demo.update([i for i, s in enumerate(statuses) if s is status][:3])
        for wanted in ("breached", "at_risk"):
            demo.update(
                [
                    i
                    for i in running
                    if statuses[i] is Status.IN_PROGRESS and sla_class[i] == wanted
                ][:1]
            )
        return [
            TicketPlan(
                id=i + 1,
                status=statuses[i],
                priority=priorities[i],
                channel=channels[i],
                region=regions[i],
                sla_class=sla_class.get(i, "ok"),
                demo_agent=i in demo,
            )
            for i in range(n)
        ]

    def agent_for(self, tier: Tier, region: Region) -> TeamMember:
        pool = self.pools.get((tier, region)) or self.tier_pools.get(tier) or self.agents
        return choice(self.rng, pool)

    def ticket(self, plan: TicketPlan) -> None:
        """One ticket: pick what it is about and how long each step took, then tell it."""
        cfg, rng = self.cfg, self.rng
        status, priority = plan.status, plan.priority
        worked = status not in (Status.NEW, Status.ASSIGNED)

        area, issue = pick(rng, cfg.topics[priority], cfg.topic_weights[priority])
        pool = self.customers.get(plan.region) or [c for cs in self.customers.values() for c in cs]
        # Skewed: a few customers open many tickets, most open one or two.
        customer = pool[int(len(pool) * rng.random() ** 1.7)]

        # Most tickets start with L1; some worked ones escalate to L2 or L3. A few are routed
        # to L2 or L3 from the start (the escalation matrix's own work: a billing dispute, an
        # outage) and resolved there on first contact: a team's L2 and L3 agents have a first
        # contact resolution too. The same roll decides both, so no later draw moves.
        tier, escalated = Tier.L1, False
        if worked and not plan.demo_agent:
            roll = rng.random()
            l3 = 0.5 if priority is Priority.P0 else area.escalate_l3
            if roll < l3:
                tier, escalated = Tier.L3, True
            elif roll < l3 + area.escalate_l2:
                tier, escalated = Tier.L2, True
            elif roll < l3 + area.escalate_l2 + ROUTED_L2:
                tier = Tier.L2
            elif roll < l3 + area.escalate_l2 + ROUTED_L2 + ROUTED_L3:
                tier = Tier.L3
        routed = tier if tier is not Tier.L1 and not escalated else Tier.L1
        agent = self.agents[0] if plan.demo_agent else self.agent_for(routed, plan.region)

        story = Story(self, plan, issue, area, customer, agent)
        if not worked:
            story.unworked()
            return

        # How many of each step, within the SOP's 1-8 conversation entries.
        spells = pick(rng, *self.spell_mix)
        if status is Status.PENDING:
            spells = 1 if spells == 2 else 0  # closed spells before the open one
        elif status is Status.IN_PROGRESS and (priority is Priority.P0 or plan.sla_class != "ok"):
            spells = 0  # a pause would move the deadline this ticket is meant to sit at
        notes = pick(rng, *self.note_mix)
        final = {Status.PENDING: 1, Status.IN_PROGRESS: int(priority is Priority.P0)}.get(status, 2)
        fixed = 2 + 2 * escalated + final
        while fixed + 2 * spells + notes > _MAX_MESSAGES:
            if notes:
                notes -= 1
            else:
                spells -= 1
        pauses = [
            min(4 * DAY, max(600, round(rng.expovariate(1 / (10 * HOUR))))) for _ in range(spells)
        ]

        # How long: the active (unpaused) time from opening to the story's end, then anchored
        # so that the end falls where the status says (now, or the resolve time).
        gap = 0
        if status is Status.IN_PROGRESS:
            if priority is Priority.P0:
                # Incidents run on the 30-minute update cadence; that is the clock at stake.
                gap = self.span(plan, sla.Clock.NEXT_UPDATE, self.fraction(plan.sla_class))
                total = max(self.span(plan, sla.Clock.RESOLUTION, self.fraction("ok")), gap + 600)
            else:
                total = self.span(
                    plan, sla.Clock.RESOLUTION, self.fraction(plan.sla_class), exact_until=self.now
                )
            while pauses and total - sum(pauses) < total // 2:
                pauses.pop()
            active = total - sum(pauses)
            created = self.now - total
        elif status is Status.PENDING:
            active = self.span(plan, sla.Clock.RESOLUTION, self.fraction("ok"))
            # The customer has not answered the last question yet: pending since then.
            waiting = min(8 * DAY, max(900, round(rng.expovariate(1 / (30 * HOUR)))))
            created = self.now - active - sum(pauses) - waiting
        else:
            if rng.random() < cfg.late_resolution:
                frac = rng.uniform(1.05, 1.5)
            else:
                frac = 0.05 + 0.8 * rng.random() ** 1.5
            active = self.span(plan, sla.Clock.RESOLUTION, frac)
            duration = active + sum(pauses)
            if status is Status.RESOLVED:
                resolve = self.now - 60 - below(rng, QUALITY_SECONDS - 120)
            else:
                latest = self.now - QUALITY_SECONDS - 60
                room = latest - (self.start + duration)
                resolve = latest - below(rng, max(room, 6 * HOUR))
            created = resolve - duration

        # The first public reply: phone calls are answered live; otherwise a share of the
        # target, sometimes late, always leaving room for the rest of the story.
        if plan.channel is Channel.PHONE:
            first = 60 + below(rng, 840)
        else:
            late = rng.random() < cfg.late_first_response
            frac = rng.uniform(1.05, 1.6) if late else 0.05 + 0.75 * rng.random() ** 1.5
            first = self.span(plan, sla.Clock.FIRST_RESPONSE, frac)
        last_reply = active - gap if gap else active
        if first > last_reply * 0.6:
            first = max(30, round(last_reply * rng.uniform(0.2, 0.6)))
        # Incidents get public updates on the 30-minute cadence, as many as the thread holds.
        updates = 0
        if priority is Priority.P0:
            room = _MAX_MESSAGES - fixed - 2 * len(pauses) - notes
            updates = max(0, min(room, (last_reply - first) // 1500))
        story.worked(
            created, first, active, last_reply, pauses, notes, updates, tier, escalated=escalated
        )


def generate_demo(store: Store, *, tickets: int, seed: int, now: datetime) -> DemoSummary:
    """Fill an empty store with `tickets` demo tickets opened over the weeks before `now`.

    Deterministic: the same data/demo.toml, seed and now give byte-identical tables. One
    transaction: on any error the store is left as it was. Raises ValueError if the store
    already holds tickets, customers or agents.
    """
    if tickets < 1:
        raise ValueError(f"tickets must be at least 1, got {tickets}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")
    started = time.perf_counter()
    config = load_demo_config()
    gen = Generator(config, store.policy, tickets, seed, now)
    with store.write() as connection:
        for table in ("tickets", "customers", "agents"):
            count = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            if count:
                raise ValueError(
                    f"{store.path} already has {count} {table}; demo data only goes into an "
                    f"empty store (give a new database path)"
                )
        n_customers, n_agents = gen.people(connection)
        plans = gen.plans()
        for plan in plans:
            gen.ticket(plan)
            if len(gen.rows.tickets) >= _CHUNK:
                gen.rows.flush(connection)
        gen.rows.flush(connection)
        from agentdesk.demo.surveys import add_survey_answers

        add_survey_answers(connection, seed, now)  # issue 15: CSAT and NPS have data
    by_status = {s: 0 for s in Status}
    by_priority = {p: 0 for p in Priority}
    by_channel = {c: 0 for c in Channel}
    by_region = {r: 0 for r in Region}
    for plan in plans:
        by_status[plan.status] += 1
        by_priority[plan.priority] += 1
        by_channel[plan.channel] += 1
        by_region[plan.region] += 1
    return DemoSummary(
        customers=n_customers,
        agents=n_agents,
        tickets=tickets,
        messages=gen.rows.message_id,
        audit=gen.rows.audit_id,
        breaches=gen.rows.breach_id,
        breached_tickets=gen.breached_tickets,
        open_breached=gen.open_breached,
        open_at_risk=gen.open_at_risk,
        by_status=by_status,
        by_priority=by_priority,
        by_channel=by_channel,
        by_region=by_region,
        seconds=time.perf_counter() - started,
    )
