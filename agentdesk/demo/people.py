"""The demo team and its customers: names, handles, emails, phones and accounts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from agentdesk.core.ticket import Region, Tier
from agentdesk.demo.config import DemoConfig
from agentdesk.demo.draws import allocate, choice, digits, slug
from agentdesk.demo.times import DAY, db_stamp

DEMO_AGENT_HANDLE = "amara.okafor"
"""The L1 agent a demo profile signs in as; always has tickets in every open state."""
_DEMO_AGENT = ("Amara", "Okafor", Tier.L1, Region.EMEA)
_PAYMENT_METHODS = ("Visa card", "Mastercard", "Amex card")


@dataclass
class TeamMember:
    id: int
    handle: str
    name: str
    first: str
    tier: Tier
    region: Region


@dataclass
class DemoCustomer:
    id: int
    name: str
    first: str
    region: Region


def make_team(cfg: DemoConfig, rng: random.Random, tickets: int) -> list[TeamMember]:
    """The demo agent first, then a team sized to the ticket count in the file's tier mix."""
    n_agents = min(cfg.max_agents, max(cfg.min_agents, round(tickets / cfg.tickets_per_agent)))
    first, last, tier, region = _DEMO_AGENT
    handles = {DEMO_AGENT_HANDLE}
    team = [TeamMember(1, DEMO_AGENT_HANDLE, f"{first} {last}", first, tier, region)]
    # The demo agent is one of the L1s, so allocate tiers for the whole team, less one L1.
    tiers = allocate(cfg.agent_tiers, n_agents, rng)
    if Tier.L1 in tiers:
        tiers.remove(Tier.L1)
    else:
        tiers.pop()
    regions = allocate(cfg.regions, n_agents - 1, rng)
    for agent_id, (agent_tier, agent_region) in enumerate(zip(tiers, regions, strict=True), 2):
        for _ in range(20):
            first, last = choice(rng, cfg.first_names), choice(rng, cfg.last_names)
            handle = f"{slug(first)}.{slug(last)}"
            if handle not in handles:
                break
        else:
            handle = f"{handle}{agent_id}"
        handles.add(handle)
        team.append(
            TeamMember(agent_id, handle, f"{first} {last}", first, agent_tier, agent_region)
        )
    return team


def team_rows(team: list[TeamMember]) -> list[tuple[Any, ...]]:
    """agents rows, in the model's column order."""
    return [(a.id, a.handle, a.name, a.tier.value, a.region.value, 1) for a in team]


def make_customers(
    cfg: DemoConfig, rng: random.Random, tickets: int, now: int
) -> tuple[list[DemoCustomer], list[tuple[Any, ...]]]:
    """The customers and their rows (customers, in the model's column order)."""
    n_customers = max(len(Region), round(tickets / cfg.tickets_per_customer))
    accounts = rng.sample(range(10_000_000, 100_000_000), n_customers)
    regions = allocate(cfg.regions, n_customers, rng)
    emails: set[str] = set()
    customers = []
    rows: list[tuple[Any, ...]] = []
    for customer_id, (account, region) in enumerate(zip(accounts, regions, strict=True), 1):
        first, last = choice(rng, cfg.first_names), choice(rng, cfg.last_names)
        name = f"{first} {last}"
        email = _email(cfg, rng, first, last, emails)
        phone = digits(choice(rng, cfg.phones[region]), rng)
        since = now - rng.randrange(31 * DAY, 4 * 365 * DAY)
        # From the account number, not the generator: the rest of the data stays as it was.
        method = _PAYMENT_METHODS[account % len(_PAYMENT_METHODS)]
        rows.append(
            (
                customer_id,
                f"ACC-{account:08d}",
                name,
                email,
                phone,
                region.value,
                db_stamp(since),
                method,
            )
        )
        customers.append(DemoCustomer(customer_id, name, first, region))
    return customers, rows


def _email(cfg: DemoConfig, rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    f, last_slug = slug(first), slug(last)
    patterns = (
        f"{f}.{last_slug}",
        f"{f}{last_slug}",
        f"{f[:1]}{last_slug}",
        f"{f}_{last_slug}",
        f"{last_slug}.{f}",
        f"{f}.{last_slug}{rng.randrange(10, 100)}",
    )
    local = choice(rng, patterns)
    if rng.random() < cfg.work_email_share:
        domain = f"{slug(choice(rng, cfg.companies))}.example"
    else:
        domain = choice(rng, cfg.email_domains)
    email = f"{local}@{domain}"
    suffix = 2
    while email in taken:
        email = f"{local}{suffix}@{domain}"
        suffix += 1
    taken.add(email)
    return email
