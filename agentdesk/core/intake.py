"""Intake (SOP step 1, "0-2 minutes"): who the customer is, on which channel, how urgent.

Pure: finding the customer among candidates (fuzzy over name, email, phone and account ID),
what each priority means by the SOP and the team's SLA policy, and what a new ticket still
lacks. Verification (step 2) follows intake on the live channels: phone and chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

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


class CustomerIndex:
    """The customers, ready to search as the agent types (built once per intake form).

    Cheap matches first: an exact or starting account ID or email, the start of a name, a
    word of it, the phone's digits. Only when those do not fill the list does rapidfuzz score
    each field for typos (in C, over the whole list at once): at 50,000 customers a fuzzy
    pass is about 100 ms a field, a cheap one a few tens.
    """

    def __init__(self, candidates: Iterable[CustomerCandidate]) -> None:
        self.candidates = list(candidates)
        self._names = [c.name.casefold() for c in self.candidates]
        self._emails = [c.email.casefold() for c in self.candidates]
        self._accounts = [c.account_id.casefold() for c in self.candidates]
        self._digits = [_digits(c.phone) for c in self.candidates]

    def __len__(self) -> int:
        return len(self.candidates)

    def find(self, query: str, limit: int = 20) -> list[CustomerCandidate]:
        """The best matches first; ties by name. Fewer than two letters find nobody."""
        typed = query.strip().casefold()
        if len(typed) < 2:
            return []
        scores: dict[int, float] = {}
        digits = _digits(typed)
        phone = len(digits) >= 4 and len(digits) * 2 >= len(typed.replace(" ", ""))
        for i, (account, email, name) in enumerate(
            zip(self._accounts, self._emails, self._names, strict=True)
        ):
            if typed in (account, email):
                scores[i] = 100.0
            elif account.startswith(typed) or email.startswith(typed) or name.startswith(typed):
                scores[i] = 99.0
            elif typed in name or typed in email or typed in account:
                scores[i] = 95.0
            elif phone and digits in self._digits[i]:
                scores[i] = 100.0
        if len(scores) < limit:
            for choices in (self._names, self._emails, self._accounts):
                for _, score, index in process.extract(
                    typed,
                    choices,
                    scorer=fuzz.partial_ratio,
                    score_cutoff=MATCH_THRESHOLD,
                    limit=None,
                ):
                    scores[index] = max(scores.get(index, 0.0), float(score))
        ranked = sorted(
            scores.items(),
            key=lambda pair: (-pair[1], self._names[pair[0]], self.candidates[pair[0]].id),
        )
        return [self.candidates[i] for i, _ in ranked[:limit]]


def find_customers(
    query: str, candidates: Iterable[CustomerCandidate], limit: int = 20
) -> list[CustomerCandidate]:
    """CustomerIndex(candidates).find(query): for a one-off search."""
    return CustomerIndex(candidates).find(query, limit)


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
