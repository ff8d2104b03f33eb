"""Intake (SOP step 1, "0-2 minutes"): who the customer is, on which channel, how urgent.

Pure: finding the customer among candidates (fuzzy over name, email, phone and account ID),
what each priority means by the SOP and the team's SLA policy, and what a new ticket still
lacks. Verification (step 2) follows intake on the live channels: phone and chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from agentdesk.core.errors import Refused
from agentdesk.core.sla import Clock, SlaPolicy, SlaTarget
from agentdesk.core.text import clean_text
from agentdesk.core.ticket import Channel, Priority, Region

VERIFIED_CHANNELS = frozenset({Channel.PHONE, Channel.CHAT})
"""The live channels: the caller is identified and authenticated before anything else."""

MATCH_THRESHOLD = 70
"""rapidfuzz partial ratio (0-100) below which a candidate is not offered."""

_KIND = {
    Priority.P0: "incident",
    Priority.P1: "priority ticket",
    Priority.P2: "priority ticket",
    Priority.P3: "standard",
    Priority.P4: "low",
}


def _span(target: SlaTarget) -> str:
    minutes = target.minutes
    amount = f"{minutes // 60} h" if minutes >= 60 and minutes % 60 == 0 else f"{minutes} min"
    return f"{amount} business" if target.business_hours else amount


def priority_meaning(priority: Priority, policy: SlaPolicy) -> str:
    """'P0 incident: respond in 15 min, update every 30 min, resolve in 4 h', from the team's
    sla.toml (the same policy the clocks count with)."""
    parts = []
    for clock, words in (
        (Clock.FIRST_RESPONSE, "respond in"),
        (Clock.NEXT_UPDATE, "update every"),
        (Clock.RESOLUTION, "resolve in"),
    ):
        target = policy.target(priority, clock)
        if target is not None:
            parts.append(f"{words} {_span(target)}")
    return f"{priority.value} {_KIND[priority]}: {', '.join(parts)}"


@dataclass(frozen=True)
class CustomerCandidate:
    """A customer as intake searches them: in full, for matching only (never shown)."""

    id: int
    account_id: str
    name: str
    email: str
    phone: str
    region: Region


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def match_score(query: str, customer: CustomerCandidate) -> float:
    """How well what the agent typed names this customer (0-100): the best of name, email,
    account ID (fuzzy, any case) and phone (its digits, so '+1 512 555' finds '+1-512-555')."""
    typed = query.strip().casefold()
    if not typed:
        return 0.0
    scores = [
        fuzz.partial_ratio(typed, value.casefold())
        for value in (customer.name, customer.email, customer.account_id)
        if value
    ]
    if customer.account_id.casefold() == typed or customer.email.casefold() == typed:
        scores.append(100.0)
    digits = _digits(typed)
    if len(digits) >= 4 and customer.phone:
        scores.append(100.0 if digits in _digits(customer.phone) else 0.0)
    return max(scores, default=0.0)


def find_customers(
    query: str, candidates: Iterable[CustomerCandidate], limit: int = 20
) -> list[CustomerCandidate]:
    """The best matches first; ties by name. An empty query finds nobody."""
    if len(query.strip()) < 2:
        return []
    scored = [(match_score(query, c), c) for c in candidates]
    kept = [(score, c) for score, c in scored if score >= MATCH_THRESHOLD]
    kept.sort(key=lambda pair: (-pair[0], pair[1].name.casefold(), pair[1].id))
    return [c for _, c in kept[:limit]]


@dataclass(frozen=True)
class IntakeForm:
    """What the agent filled in; checked by intake_gaps before a ticket is created."""

    customer_id: int | None
    channel: Channel | None
    priority: Priority | None
    subject: str
    first_message: str


def intake_gaps(form: IntakeForm) -> tuple[str, ...]:
    """The fields still empty, in the form's order (the first one gets the focus)."""
    gaps: list[str] = []
    if form.customer_id is None:
        gaps.append("customer")
    if form.channel is None:
        gaps.append("channel")
    if form.priority is None:
        gaps.append("priority")
    if not clean_text(form.subject).strip():
        gaps.append("subject")
    if not clean_text(form.first_message).strip():
        gaps.append("first_message")
    return tuple(gaps)


_GAP_WORDS = {
    "customer": "find the customer or create one",
    "channel": "choose the channel",
    "priority": "choose a priority",
    "subject": "write a subject",
    "first_message": "write the customer's first message",
}


def check_intake(form: IntakeForm) -> None:
    """Raises Refused naming every gap, the first one first."""
    gaps = intake_gaps(form)
    if gaps:
        words = "; ".join(_GAP_WORDS[g] for g in gaps)
        raise Refused(f"the new ticket is not complete: {words}", gaps)


def needs_verification(channel: Channel) -> bool:
    return channel in VERIFIED_CHANNELS


@dataclass(frozen=True)
class NewCustomer:
    name: str
    email: str
    phone: str
    account_id: str
    region: Region | None


def new_customer_gaps(customer: NewCustomer, taken_accounts: Sequence[str] = ()) -> list[str]:
    """What a new customer record lacks, as sentences naming the field."""
    problems = []
    if not customer.name.strip():
        problems.append("name: required")
    email = customer.email.strip()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain):
        problems.append("email: an address like name@example.com")
    if not customer.account_id.strip():
        problems.append("account ID: required")
    elif customer.account_id.strip().casefold() in {a.casefold() for a in taken_accounts}:
        problems.append(f"account ID: {customer.account_id.strip()} is another customer's")
    if customer.region is None:
        problems.append("region: choose Americas, EMEA or APAC")
    return problems
