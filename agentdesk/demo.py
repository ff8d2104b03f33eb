"""A deterministic, realistic demo dataset: customers, agents, tickets, conversations, SLA state.

Everything the generator draws from (names, subjects, message texts, the mix) is in
data/demo.toml. The same file, seed and `now` give byte-identical tables: all randomness comes
from one random.Random(seed), consumed in a fixed order, and nothing reads the clock.

Each ticket is written as a story that ends in its status at `now` (new tickets are young,
closed ones resolved more than 48 hours ago), and its SLA fields and breaches are computed by
core.sla from the timestamps the story produced, exactly as the live app would.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import random
import string
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agentdesk.core import sla
from agentdesk.core.lifecycle import QUALITY_WINDOW
from agentdesk.core.ticket import (
    Channel,
    MessageKind,
    Priority,
    Region,
    Status,
    Tier,
)
from agentdesk.core.verification import Factor
from agentdesk.shipped import DataFileError, load_toml, shipped_dir

if TYPE_CHECKING:
    # Type-only: config imports DEMO_AGENT_HANDLE at start-up, before SQLAlchemy may load.
    from sqlalchemy import Connection

    from agentdesk.store.engine import Store

DEMO_AGENT_HANDLE = "amara.okafor"
"""The L1 agent a demo profile signs in as; always has tickets in every open state."""
_DEMO_AGENT = ("Amara", "Okafor", Tier.L1, Region.EMEA)

# Tickets are generated and written in chunks: bounded memory, batches of a few thousand rows.
_CHUNK = 2_000
_PAYMENT_METHODS = ("Visa card", "Mastercard", "Amex card")
_HOUR = 3600
_DAY = 86_400
_QUALITY_WINDOW = int(QUALITY_WINDOW.total_seconds())
_MICROSECOND = timedelta(microseconds=1)

_T = TypeVar("_T")


# --- configuration (data/demo.toml) --------------------------------------------------------


@dataclass(frozen=True)
class _Issue:
    area: str
    name: str
    priorities: tuple[Priority, ...]
    subjects: tuple[str, ...]
    openings: tuple[str, ...]
    texts: Mapping[str, str]
    """restate, fix, resolution, summary: templates filled per ticket."""
    steps: tuple[str, ...]
    causes: tuple[str, ...]
    next: tuple[str, ...]


@dataclass(frozen=True)
class _Area:
    name: str
    escalate_l2: float
    escalate_l3: float
    requests: tuple[str, ...]
    escalation_reasons: tuple[str, ...]
    issues: tuple[_Issue, ...]


@dataclass(frozen=True)
class DemoConfig:
    """data/demo.toml, checked. Sequences keep the file's order, which keeps output stable."""

    source: str
    days: int
    tickets_per_agent: float
    min_agents: int
    max_agents: int
    tickets_per_customer: float
    channels: tuple[tuple[Channel, float], ...]
    priorities: tuple[tuple[Priority, float], ...]
    statuses: tuple[tuple[Status, float], ...]
    regions: tuple[tuple[Region, float], ...]
    agent_tiers: tuple[tuple[Tier, float], ...]
    pending_spells: tuple[tuple[int, float], ...]
    internal_notes: tuple[tuple[int, float], ...]
    sla_classes: tuple[tuple[str, float], ...]
    late_first_response: float
    late_resolution: float
    business_stretch: float
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    email_domains: tuple[str, ...]
    companies: tuple[str, ...]
    work_email_share: float
    phones: Mapping[Region, tuple[str, ...]]
    cities: Mapping[Region, tuple[str, ...]]
    currency: Mapping[Region, tuple[str, ...]]
    prices: tuple[str, ...]
    placeholders: Mapping[str, tuple[str, ...]]
    replies: Mapping[str, tuple[str, ...]]
    answers: tuple[str, ...]
    chasers: tuple[str, ...]
    note_template: str
    verification: tuple[str, ...]
    escalation_next: tuple[str, ...]
    resolved_next: tuple[str, ...]
    deadline_met: str
    deadline_missed: str
    waiting_next: tuple[str, ...]
    escalation_reasons: tuple[str, ...]
    areas: tuple[_Area, ...]
    topics: Mapping[Priority, tuple[tuple[_Area, _Issue], ...]]
    """What a ticket of each priority can be about."""
    topic_weights: Mapping[Priority, tuple[float, ...]]
    """Cumulative, per priority."""


_ISSUE_TEXTS = ("restate", "fix", "resolution", "summary")
_REPLY_KINDS = ("first", "ask", "update", "escalated", "resolved")
_SLA_CLASSES = ("ok", "at_risk", "breached")
# Filled by the generator itself rather than from [placeholders].
_BUILTIN_SLOTS = frozenset(
    {
        *_ISSUE_TEXTS,
        "amount",
        "date",
        "city",
        "company",
        "request",
        "customer_first",
        "agent_first",
        "ref",
        "etr",
        "tier",
        "reason",
        "steps",
        "cause",
        "next",
        "sla_deadline",
        "clock",
        "due",
    }
)


def load_demo_config(path: Path | None = None) -> DemoConfig:
    """Read and check data/demo.toml (or `path`); DataFileError names the file and key."""
    path = path or shipped_dir("data") / "demo.toml"
    return _parse_config(load_toml(path), str(path))


def _parse_config(doc: Mapping[str, Any], source: str) -> DemoConfig:
    def fail(key: str, problem: str) -> DataFileError:
        return DataFileError(f"{source} {key}: {problem}")

    def table(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = parent.get(key)
        if not isinstance(value, Mapping):
            raise fail(f"{where}{key}", "missing table")
        return value

    def texts(parent: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = parent.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise fail(f"{where}{key}", "must be a non-empty list of strings")
        return tuple(value)

    def text(parent: Mapping[str, Any], key: str, where: str) -> str:
        value = parent.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{where}{key}", "must be a non-empty string")
        return value

    def number(parent: Mapping[str, Any], key: str, where: str, low: float = 0.0) -> float:
        value = parent.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            raise fail(f"{where}{key}", f"must be a number >= {low}")
        return float(value)

    def weights(
        parent: Mapping[str, Any], key: str, convert: Callable[[str], _T]
    ) -> tuple[tuple[_T, float], ...]:
        found = table(parent, key, "mix.")
        out: list[tuple[_T, float]] = []
        for name, weight in found.items():
            try:
                item = convert(name)
            except ValueError:
                raise fail(f"mix.{key}.{name}", "unknown name") from None
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                raise fail(f"mix.{key}.{name}", "weight must be a number >= 0")
            out.append((item, float(weight)))
        if not out or sum(w for _, w in out) <= 0:
            raise fail(f"mix.{key}", "needs at least one positive weight")
        return tuple(out)

    def per_region(
        parent: Mapping[str, Any], key: str, where: str
    ) -> dict[Region, tuple[str, ...]]:
        found = table(parent, key, where)
        return {r: texts(found, r.value, f"{where}{key}.") for r in Region}

    def sla_class(name: str) -> str:
        if name not in _SLA_CLASSES:
            raise ValueError(name)
        return name

    mix = table(doc, "mix", "")
    people = table(doc, "people", "")
    slots = table(doc, "placeholders", "")
    replies = table(doc, "replies", "")
    customer = table(doc, "customer", "")
    notes = table(doc, "notes", "")
    sla_mix = table(mix, "sla", "mix.")

    placeholders: dict[str, tuple[str, ...]] = {}
    for key in slots:
        if key not in ("currency", "prices"):
            placeholders[key] = texts(slots, key, "placeholders.")

    areas: list[_Area] = []
    topics: dict[Priority, list[tuple[_Area, _Issue]]] = {p: [] for p in Priority}
    topic_weights: dict[Priority, list[float]] = {p: [] for p in Priority}
    for area_name, area_doc in table(doc, "areas", "").items():
        where = f"areas.{area_name}."
        if not isinstance(area_doc, Mapping):
            raise fail(where[:-1], "must be a table")
        issues: list[tuple[_Issue, float]] = []
        for issue_name, issue_doc in table(area_doc, "issues", where).items():
            at = f"{where}issues.{issue_name}."
            if not isinstance(issue_doc, Mapping):
                raise fail(at[:-1], "must be a table")
            try:
                priorities = tuple(Priority(p) for p in issue_doc.get("priorities", ()))
            except ValueError:
                raise fail(f"{at}priorities", "use P0..P4") from None
            issue = _Issue(
                area=area_name,
                name=issue_name,
                priorities=priorities,
                subjects=texts(issue_doc, "subjects", at),
                openings=texts(issue_doc, "openings", at),
                texts={key: text(issue_doc, key, at) for key in _ISSUE_TEXTS},
                steps=texts(issue_doc, "steps", at),
                causes=texts(issue_doc, "causes", at),
                next=texts(issue_doc, "next", at),
            )
            issues.append((issue, number(issue_doc, "weight", at)))
        area = _Area(
            name=area_name,
            escalate_l2=number(area_doc, "escalate_l2", where),
            escalate_l3=number(area_doc, "escalate_l3", where),
            requests=texts(area_doc, "requests", where),
            escalation_reasons=texts(area_doc, "escalation_reasons", where),
            issues=tuple(issue for issue, _ in issues),
        )
        areas.append(area)
        area_weight = number(area_doc, "weight", where)
        # The area's weight is shared among the issues a priority may use, so every area
        # keeps its share of the tickets at each priority it has issues for.
        for priority in Priority:
            eligible = [
                (issue, weight)
                for issue, weight in issues
                if (
                    priority in issue.priorities
                    if issue.priorities
                    else priority is not Priority.P0
                )
            ]
            total = sum(weight for _, weight in eligible)
            for issue, weight in eligible if total > 0 else ():
                topics[priority].append((area, issue))
                topic_weights[priority].append(area_weight * weight / total)
    for priority in Priority:
        if not topics[priority]:
            hint = (
                ' (P0 needs an issue with priorities = ["P0", ...])'
                if priority is Priority.P0
                else ""
            )
            raise fail("areas", f"no issue can be used for {priority.value}{hint}")

    config = DemoConfig(
        source=source,
        days=int(number(mix, "days", "mix.", 3)),
        tickets_per_agent=number(mix, "tickets_per_agent", "mix.", 1),
        min_agents=int(number(mix, "min_agents", "mix.", 4)),
        max_agents=int(number(mix, "max_agents", "mix.", 4)),
        tickets_per_customer=number(mix, "tickets_per_customer", "mix.", 1),
        channels=weights(mix, "channels", Channel),
        priorities=weights(mix, "priorities", Priority),
        statuses=weights(mix, "statuses", Status),
        regions=weights(mix, "regions", Region),
        agent_tiers=weights(mix, "agent_tiers", Tier),
        pending_spells=weights(mix, "pending_spells", int),
        internal_notes=weights(mix, "internal_notes", int),
        sla_classes=tuple(
            (name, number(sla_mix, name, "mix.sla.")) for name in map(sla_class, _SLA_CLASSES)
        ),
        late_first_response=number(sla_mix, "late_first_response", "mix.sla.") / 100,
        late_resolution=number(sla_mix, "late_resolution", "mix.sla.") / 100,
        business_stretch=number(sla_mix, "business_stretch", "mix.sla.", 1),
        first_names=texts(people, "first_names", "people."),
        last_names=texts(people, "last_names", "people."),
        email_domains=texts(people, "email_domains", "people."),
        companies=texts(people, "companies", "people."),
        work_email_share=number(people, "work_email_share", "people."),
        phones=per_region(people, "phones", "people."),
        cities=per_region(people, "cities", "people."),
        currency=per_region(slots, "currency", "placeholders."),
        prices=texts(slots, "prices", "placeholders."),
        placeholders=placeholders,
        replies={kind: texts(replies, kind, "replies.") for kind in _REPLY_KINDS},
        answers=texts(customer, "answers", "customer."),
        chasers=texts(customer, "chasers", "customer."),
        note_template=text(notes, "template", "notes."),
        verification=texts(notes, "verification", "notes."),
        escalation_next=texts(notes, "escalation_next", "notes."),
        resolved_next=texts(notes, "resolved_next", "notes."),
        deadline_met=text(notes, "deadline_met", "notes."),
        deadline_missed=text(notes, "deadline_missed", "notes."),
        waiting_next=texts(notes, "waiting_next", "notes."),
        escalation_reasons=texts(notes, "escalation_reasons", "notes."),
        areas=tuple(areas),
        topics={p: tuple(topics[p]) for p in Priority},
        topic_weights={p: _cumulative(topic_weights[p]) for p in Priority},
    )
    if config.max_agents < config.min_agents:
        raise fail("mix.max_agents", "must be >= mix.min_agents")
    for n, _ in (*config.pending_spells, *config.internal_notes):
        if not 0 <= n <= 2:
            raise fail("mix.pending_spells/internal_notes", "counts must be 0, 1 or 2")
    _check_placeholders(config)
    return config


def _check_placeholders(config: DemoConfig) -> None:
    """An unknown {name} would fail mid-generation; say which file and text instead."""
    known = _BUILTIN_SLOTS | set(config.placeholders)
    templates: list[str] = [
        config.note_template,
        *config.answers,
        *config.chasers,
        *config.verification,
        *config.escalation_next,
        *config.resolved_next,
        config.deadline_met,
        config.deadline_missed,
        *config.waiting_next,
    ]
    for values in config.replies.values():
        templates.extend(values)
    for area in config.areas:
        templates.extend(area.requests)
        for issue in area.issues:
            templates.extend((*issue.subjects, *issue.openings, *issue.texts.values()))
            templates.extend((*issue.steps, *issue.causes, *issue.next))
    for template in templates:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as error:
            raise DataFileError(f"{config.source}: {template!r}: {error}") from error
        for name in fields:
            if name not in known:
                raise DataFileError(
                    f"{config.source}: {template!r} uses {{{name}}}, which is not a placeholder "
                    f"(add it to [placeholders] or use one of: {', '.join(sorted(known))})"
                )


# --- small helpers -------------------------------------------------------------------------


def _cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return tuple(out)


def _pick(rng: random.Random, items: Sequence[_T], cumulative: Sequence[float]) -> _T:
    index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
    return items[min(index, len(items) - 1)]


def _allocate(mix: Sequence[tuple[_T, float]], n: int, rng: random.Random) -> list[_T]:
    """n items in the mix's proportions, shuffled: exact counts rather than n draws, so a small
    dataset still has every category (each gets at least one when n allows)."""
    total = sum(w for _, w in mix)
    exact = [n * w / total for _, w in mix]
    counts = [math.floor(x) for x in exact]
    if n >= len(mix):
        counts = [max(1, c) if w > 0 else c for c, (_, w) in zip(counts, mix, strict=True)]
    order = sorted(range(len(mix)), key=lambda i: (counts[i] - exact[i], i))
    i = 0
    while sum(counts) < n:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > n:
        largest = max(range(len(mix)), key=lambda j: (counts[j], -j))
        counts[largest] -= 1
    out = [item for (item, _), count in zip(mix, counts, strict=True) for _ in range(count)]
    rng.shuffle(out)
    return out


def _choice(rng: random.Random, items: Sequence[_T]) -> _T:
    """rng.choice without its rejection sampling: one draw, about twice as fast."""
    return items[int(rng.random() * len(items))]


def _below(rng: random.Random, n: int) -> int:
    """A random int in [0, n): one float draw, cheaper than randrange's rejection loop."""
    return int(rng.random() * n)


@functools.lru_cache(maxsize=256)
def _digit_pattern(pattern: str) -> tuple[str, int]:
    return pattern.replace("{", "{{").replace("}", "}}").replace("#", "{}"), pattern.count("#")


def _digits(pattern: str, rng: random.Random) -> str:
    """Replace each '#' with a random digit."""
    template, count = _digit_pattern(pattern)
    if not count:
        return pattern
    return template.format(*f"{_below(rng, 10**count):0{count}d}")


_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "đ": "d",
        "ł": "l",
        "Ł": "L",
        "\u0131": "i",
    }
)


@functools.lru_cache(maxsize=1024)
def _slug(name: str) -> str:
    """ASCII, lower case, letters and digits only: 'Søren' -> 'soren', "O'Brien" -> 'obrien'."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD))
    return "".join(c for c in folded.encode("ascii", "ignore").decode().lower() if c.isalnum())


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# to_db() text for whole seconds from two lookups: it is called ~20 times per ticket, and
# strftime or an f-string with format specs would be a tenth of the whole run.
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}.000000Z" for m in range(60) for s in range(60))
_hour_prefix: dict[int, str] = {}


def _stamp(seconds: int) -> str:
    """store.types.to_db() of a whole UTC second."""
    hour, rest = divmod(seconds, _HOUR)
    prefix = _hour_prefix.get(hour)
    if prefix is None:
        day = date.fromordinal(_EPOCH_ORDINAL + hour // 24).isoformat()
        prefix = _hour_prefix[hour] = f"{day}T{hour % 24:02d}:"
    return prefix + _MINUTES_SECONDS[rest]


def _when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seconds(value: datetime) -> int:
    return math.floor(value.timestamp())


@functools.lru_cache(maxsize=4096)
def _human(seconds: int) -> str:
    """'Tue 24 Nov, 16:00 UTC', without strftime's locale dependence."""
    value = _when(seconds)
    return (
        f"{_WEEKDAYS[value.weekday()]} {value.day} {_MONTHS[value.month]}, "
        f"{value.hour:02d}:{value.minute:02d} UTC"
    )


class _Slots(dict[str, str]):
    """Placeholder values of one ticket, made on first use so each ticket draws only what its
    texts need (and the same {order} appears in its subject, messages and notes)."""

    def __init__(self, make: Callable[[str], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> str:
        value = self[key] = self._make(key)
        return value


# --- the result ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    agents: int
    tickets: int
    messages: int
    audit: int
    breaches: int
    """sla_breaches rows."""
    breached_tickets: int
    """Tickets with sla_breached_at, open or not."""
    open_breached: int
    """Open tickets whose running clock is past due at `now` (top of the queue)."""
    open_at_risk: int
    by_status: Mapping[Status, int]
    by_priority: Mapping[Priority, int]
    by_channel: Mapping[Channel, int]
    by_region: Mapping[Region, int]
    seconds: float

    def lines(self) -> list[str]:
        """A short human-readable report, for the CLI."""

        def counts(mapping: Mapping[Any, int]) -> str:
            return ", ".join(f"{key.value} {value}" for key, value in mapping.items())

        return [
            f"{self.tickets} tickets, {self.customers} customers, {self.agents} agents, "
            f"{self.messages} messages, {self.audit} audit rows in {self.seconds:.1f} s",
            f"status: {counts(self.by_status)}",
            f"priority: {counts(self.by_priority)}",
            f"SLA: {self.open_breached} open tickets breached and {self.open_at_risk} at risk "
            f"now; {self.breaches} breaches recorded on {self.breached_tickets} tickets",
        ]


# --- the generator -------------------------------------------------------------------------


@dataclass
class _Agent:
    id: int
    handle: str
    name: str
    first: str
    tier: Tier
    region: Region


@dataclass
class _Customer:
    id: int
    name: str
    first: str
    region: Region


@dataclass
class _Plan:
    """What is decided for a ticket before its story is told."""

    id: int
    status: Status
    priority: Priority
    channel: Channel
    region: Region
    sla_class: str
    demo_agent: bool


_CUSTOMER_COLUMNS = (
    "id",
    "account_id",
    "name",
    "email",
    "phone",
    "region",
    "created_at",
    "payment_method",
)
_AGENT_COLUMNS = ("id", "handle", "name", "tier", "region", "active")
_TICKET_COLUMNS = (
    "id",
    "subject",
    "customer_id",
    "assignee_id",
    "priority",
    "status",
    "channel",
    "region",
    "tier",
    "product_area",
    "issue_type",
    "created_at",
    "updated_at",
    "first_response_at",
    "last_update_at",
    "resolved_at",
    "closed_at",
    "sla_pauses",
    "sla_clock",
    "sla_due_at",
    "sla_at_risk_at",
    "sla_breached_at",
    "version",
    "pending_reason",
)
_MESSAGE_COLUMNS = ("id", "ticket_id", "kind", "author", "agent_id", "body", "created_at")
_AUDIT_COLUMNS = ("id", "ticket_id", "actor", "action", "field", "old_value", "new_value", "at")
_BREACH_COLUMNS = ("id", "ticket_id", "clock", "due_at", "recorded_at")
_NOTE_COLUMNS = (
    "id",
    "ticket_id",
    "message_id",
    "issue_summary",
    "steps_taken",
    "root_cause",
    "next_steps",
    "sla_deadline",
    "author",
    "created_at",
)
_TAG_COLUMNS = ("ticket_id", "name", "value")
_CONFIRMATION_COLUMNS = (
    "id",
    "ticket_id",
    "restated_issue",
    "proposed_solution",
    "etr",
    "customer_agreed",
    "agent",
    "recorded_at",
)

_MAX_MESSAGES = 8
_LIVE_CHANNELS = (Channel.PHONE, Channel.CHAT)
_Entry = tuple[str, str | None, str | None]
"""An audit entry: field, old value, new value."""
_TO_PENDING: tuple[_Entry, ...] = (("status", "in_progress", "pending"),)
_FROM_PENDING: tuple[_Entry, ...] = (("status", "pending", "in_progress"),)
_TO_RESOLVED: tuple[_Entry, ...] = (("status", "in_progress", "resolved"),)
# How far ahead an agent promises a resolution (ETR), by priority.
_ETR_HOURS = {Priority.P0: 1, Priority.P1: 4, Priority.P2: 12, Priority.P3: 36, Priority.P4: 60}
_DEADLINE_MARK = "\x00deadline\x00"
# Enum .value is a descriptor call; this is a dict lookup (five per ticket row).
_VALUES: dict[StrEnum, str] = {
    m: m.value for e in (Priority, Status, Channel, Region, Tier) for m in e
}
_CUSTOMER_KIND = MessageKind.CUSTOMER.value
_REPLY_KIND = MessageKind.REPLY.value
_NOTE_KIND = MessageKind.INTERNAL_NOTE.value


# Rows per INSERT statement: multi-row VALUES saves ~20% of SQLite's per-row cost here, and
# staying under 999 variables keeps old SQLite builds (before 3.32) happy.
_MAX_VARIABLES = 999


def _insert(connection: Connection, table: str, columns: Sequence[str], rows: list[Any]) -> None:
    """Plain tuples straight to the driver: the values are already the stored text, so
    SQLAlchemy's per-value type processing (store.writes.bulk_insert) would only add time."""
    if not rows:
        return
    one = "(" + ", ".join("?" * len(columns)) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    per = max(1, _MAX_VARIABLES // len(columns))
    whole = len(rows) - len(rows) % per
    if whole:
        flat = [value for row in rows[:whole] for value in row]
        step = per * len(columns)
        connection.exec_driver_sql(
            head + ", ".join([one] * per),
            [tuple(flat[i : i + step]) for i in range(0, len(flat), step)],
        )
    if whole < len(rows):
        connection.exec_driver_sql(head + one, rows[whole:])


class _Generator:
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
        self.now = _seconds(now)
        self.now_dt = _when(self.now)
        self.start = self.now - config.days * _DAY
        self.agents: list[_Agent] = []
        self.pools: dict[tuple[Tier, Region], list[_Agent]] = {}
        self.tier_pools: dict[Tier, list[_Agent]] = {}
        self.customers: dict[Region, list[_Customer]] = {}
        self.message_id = 0
        self.audit_id = 0
        self.breach_id = 0
        self.ticket_rows: list[tuple[Any, ...]] = []
        self.message_rows: list[tuple[Any, ...]] = []
        self.audit_rows: list[tuple[Any, ...]] = []
        self.breach_rows: list[tuple[Any, ...]] = []
        self.note_rows: list[tuple[Any, ...]] = []
        self.tag_rows: list[tuple[Any, ...]] = []
        self.confirmation_rows: list[tuple[Any, ...]] = []
        self.note_id = 0
        self.confirmation_id = 0
        self.dues: dict[tuple[Region, datetime, int], int] = {}
        self.spell_mix = _unzip(config.pending_spells)
        self.note_mix = _unzip(config.internal_notes)
        self.open_breached = 0
        self.open_at_risk = 0
        self.breached_tickets = 0
        # Targets in seconds and whether they count business hours only, per priority.
        self.targets: dict[tuple[Priority, sla.Clock], tuple[int, bool]] = {}
        for priority in Priority:
            for clock in sla.Clock:
                target = policy.target(priority, clock)
                if target is not None:
                    self.targets[priority, clock] = (int(target.seconds), target.business_hours)

    # -- people --

    def people(self, connection: Connection) -> tuple[int, int]:
        cfg, rng = self.cfg, self.rng
        n_agents = min(cfg.max_agents, max(cfg.min_agents, round(self.n / cfg.tickets_per_agent)))
        first, last, tier, region = _DEMO_AGENT
        handles = {DEMO_AGENT_HANDLE}
        self.agents.append(_Agent(1, DEMO_AGENT_HANDLE, f"{first} {last}", first, tier, region))
        # The demo agent is one of the L1s, so allocate tiers for the whole team, less one L1.
        tiers = _allocate(cfg.agent_tiers, n_agents, rng)
        if Tier.L1 in tiers:
            tiers.remove(Tier.L1)
        else:
            tiers.pop()
        regions = _allocate(cfg.regions, n_agents - 1, rng)
        for agent_id, (agent_tier, agent_region) in enumerate(zip(tiers, regions, strict=True), 2):
            for _ in range(20):
                first, last = _choice(rng, cfg.first_names), _choice(rng, cfg.last_names)
                handle = f"{_slug(first)}.{_slug(last)}"
                if handle not in handles:
                    break
            else:
                handle = f"{handle}{agent_id}"
            handles.add(handle)
            self.agents.append(
                _Agent(agent_id, handle, f"{first} {last}", first, agent_tier, agent_region)
            )
        for agent in self.agents:
            self.pools.setdefault((agent.tier, agent.region), []).append(agent)
            self.tier_pools.setdefault(agent.tier, []).append(agent)
        _insert(
            connection,
            "agents",
            _AGENT_COLUMNS,
            [(a.id, a.handle, a.name, a.tier.value, a.region.value, 1) for a in self.agents],
        )

        n_customers = max(len(Region), round(self.n / cfg.tickets_per_customer))
        accounts = rng.sample(range(10_000_000, 100_000_000), n_customers)
        regions = _allocate(cfg.regions, n_customers, rng)
        emails: set[str] = set()
        rows = []
        for customer_id, (account, region) in enumerate(zip(accounts, regions, strict=True), 1):
            first, last = _choice(rng, cfg.first_names), _choice(rng, cfg.last_names)
            name = f"{first} {last}"
            email = self.email(first, last, emails)
            phone = _digits(_choice(rng, cfg.phones[region]), rng)
            since = self.now - rng.randrange(31 * _DAY, 4 * 365 * _DAY)
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
                    _stamp(since),
                    method,
                )
            )
            self.customers.setdefault(region, []).append(
                _Customer(customer_id, name, first, region)
            )
        _insert(connection, "customers", _CUSTOMER_COLUMNS, rows)
        return n_customers, len(self.agents)

    def email(self, first: str, last: str, taken: set[str]) -> str:
        rng, cfg = self.rng, self.cfg
        f, last_slug = _slug(first), _slug(last)
        patterns = (
            f"{f}.{last_slug}",
            f"{f}{last_slug}",
            f"{f[:1]}{last_slug}",
            f"{f}_{last_slug}",
            f"{last_slug}.{f}",
            f"{f}.{last_slug}{rng.randrange(10, 100)}",
        )
        local = _choice(rng, patterns)
        if rng.random() < cfg.work_email_share:
            domain = f"{_slug(_choice(rng, cfg.companies))}.example"
        else:
            domain = _choice(rng, cfg.email_domains)
        email = f"{local}@{domain}"
        suffix = 2
        while email in taken:
            email = f"{local}{suffix}@{domain}"
            suffix += 1
        taken.add(email)
        return email

    # -- tickets --

    def plans(self) -> list[_Plan]:
        cfg, rng, n = self.cfg, self.rng, self.n
        statuses = _allocate(cfg.statuses, n, rng)
        priorities = _allocate(cfg.priorities, n, rng)
        channels = _allocate(cfg.channels, n, rng)
        regions = _allocate(cfg.regions, n, rng)
        # Pending tickets are paused; the other open ones have a clock running at `now`.
        running = [i for i, s in enumerate(statuses) if s.is_open and s is not Status.PENDING]
        sla_class = dict(zip(running, _allocate(cfg.sla_classes, len(running), rng), strict=True))
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
            _Plan(
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

    def business_due(self, region: Region, start: int, seconds: int) -> int:
        """calendar.add(start, seconds), shared by tickets opened in the same closed period:
        the clock only starts at the next opening, so their deadlines are the same (and most
        tickets are opened outside a region's business hours)."""
        calendar = self.policy.calendars[region]
        opening = calendar.add(_when(start), 1e-6) - _MICROSECOND
        key = (region, opening, seconds)
        due = self.dues.get(key)
        if due is None:
            due = self.dues[key] = _seconds(calendar.add(opening, seconds))
        return due

    def agent_for(self, tier: Tier, region: Region) -> _Agent:
        pool = self.pools.get((tier, region)) or self.tier_pools.get(tier) or self.agents
        return _choice(self.rng, pool)

    def fraction(self, sla_class: str) -> float:
        """How much of its target a clock has used, by class."""
        rng = self.rng
        if sla_class == "at_risk":
            return rng.uniform(0.78, 0.97)
        if sla_class == "breached":
            return rng.uniform(1.05, 1.3)
        return 0.02 + 0.68 * math.pow(rng.random(), 1.3)

    def span(
        self, plan: _Plan, clock: sla.Clock, frac: float, *, exact_until: int | None = None
    ) -> int:
        """Calendar seconds in which `frac` of the clock's target elapses.

        24x7 targets are exact. A business-hours target is stretched by a fixed factor, which
        stays clear of the deadline however the weekends fall. An at-risk or breached ticket
        must land in its band at `exact_until` (now): its span is found by bisection.
        """
        seconds, business = self.targets[plan.priority, clock]
        wanted = frac * seconds
        if not business:
            return max(60, round(wanted))
        if exact_until is None or plan.sla_class == "ok":
            return max(60, round(wanted * self.cfg.business_stretch))
        calendar = self.policy.calendars[plan.region]
        end = _when(exact_until)
        # Business time never runs faster than the wall clock, and a whole week holds at
        # least a day of it (a holiday week); the bracket keeps the bisection short.
        low, high = max(60, round(wanted)), round(wanted * 7) + 7 * _DAY
        if calendar.seconds_between(_when(exact_until - high), end) < wanted:
            high = 60 * _DAY  # a calendar with very few open hours
        while high - low > 30:
            middle = (low + high) // 2
            if calendar.seconds_between(_when(exact_until - middle), end) >= wanted:
                high = middle
            else:
                low = middle
        return high

    def ticket(self, plan: _Plan) -> None:
        """One ticket: pick what it is about and how long each step took, then tell it."""
        cfg, rng = self.cfg, self.rng
        status, priority = plan.status, plan.priority
        worked = status not in (Status.NEW, Status.ASSIGNED)

        area, issue = _pick(rng, cfg.topics[priority], cfg.topic_weights[priority])
        pool = self.customers.get(plan.region) or [c for cs in self.customers.values() for c in cs]
        # Skewed: a few customers open many tickets, most open one or two.
        customer = pool[int(len(pool) * rng.random() ** 1.7)]

        # Every ticket starts with L1; some worked ones escalate to L2 or L3.
        tier = Tier.L1
        if worked and not plan.demo_agent:
            roll = rng.random()
            l3 = 0.5 if priority is Priority.P0 else area.escalate_l3
            if roll < l3:
                tier = Tier.L3
            elif roll < l3 + area.escalate_l2:
                tier = Tier.L2
        agent = self.agents[0] if plan.demo_agent else self.agent_for(Tier.L1, plan.region)

        story = _Story(self, plan, issue, area, customer, agent)
        if not worked:
            story.unworked()
            return

        # How many of each step, within the SOP's 1-8 conversation entries.
        spells = _pick(rng, *self.spell_mix)
        if status is Status.PENDING:
            spells = 1 if spells == 2 else 0  # closed spells before the open one
        elif status is Status.IN_PROGRESS and (priority is Priority.P0 or plan.sla_class != "ok"):
            spells = 0  # a pause would move the deadline this ticket is meant to sit at
        notes = _pick(rng, *self.note_mix)
        final = {Status.PENDING: 1, Status.IN_PROGRESS: int(priority is Priority.P0)}.get(status, 2)
        fixed = 2 + 2 * (tier is not Tier.L1) + final
        while fixed + 2 * spells + notes > _MAX_MESSAGES:
            if notes:
                notes -= 1
            else:
                spells -= 1
        pauses = [
            min(4 * _DAY, max(600, round(rng.expovariate(1 / (10 * _HOUR))))) for _ in range(spells)
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
            waiting = min(8 * _DAY, max(900, round(rng.expovariate(1 / (30 * _HOUR)))))
            created = self.now - active - sum(pauses) - waiting
        else:
            if rng.random() < cfg.late_resolution:
                frac = rng.uniform(1.05, 1.5)
            else:
                frac = 0.05 + 0.8 * rng.random() ** 1.5
            active = self.span(plan, sla.Clock.RESOLUTION, frac)
            duration = active + sum(pauses)
            if status is Status.RESOLVED:
                resolve = self.now - 60 - _below(rng, _QUALITY_WINDOW - 120)
            else:
                latest = self.now - _QUALITY_WINDOW - 60
                room = latest - (self.start + duration)
                resolve = latest - _below(rng, max(room, 6 * _HOUR))
            created = resolve - duration

        # The first public reply: phone calls are answered live; otherwise a share of the
        # target, sometimes late, always leaving room for the rest of the story.
        if plan.channel is Channel.PHONE:
            first = 60 + _below(rng, 840)
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
        story.worked(created, first, active, last_reply, pauses, notes, updates, tier)


def _unzip(pairs: Sequence[tuple[_T, float]]) -> tuple[tuple[_T, ...], tuple[float, ...]]:
    return tuple(item for item, _ in pairs), _cumulative([weight for _, weight in pairs])


class _Story:
    """Writes one ticket's conversation, audit trail, SLA state and row, in time order."""

    def __init__(
        self,
        gen: _Generator,
        plan: _Plan,
        issue: _Issue,
        area: _Area,
        customer: _Customer,
        agent: _Agent,
    ) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.plan = plan
        self.id = plan.id
        self.issue = issue
        self.area = area
        self.customer = customer
        self.agent = agent
        self.created = 0
        self.last = 0
        self.actions = 0
        self.messages = 0
        self.first_response: int | None = None
        self.last_update: int | None = None
        self.pauses: list[tuple[int, int | None]] = []
        self.due: int | None = None
        self.closing_note: int | None = None
        # Structured notes: (message id, at, summary, steps, cause, next, deadline).
        self.notes: list[list[Any]] = []
        self.note_parts: tuple[str, ...] | None = None
        self.etr = _ETR_HOURS[plan.priority]
        self.slots = _Slots(self.make)
        self.slots["customer_first"] = customer.first
        self.slots["ref"] = f"#{plan.id}"

    # -- texts --

    def make(self, key: str) -> str:
        """A placeholder's value for this ticket (see data/demo.toml)."""
        cfg, rng = self.gen.cfg, self.rng
        if key in self.issue.texts:
            return self.issue.texts[key].format_map(self.slots)
        if key == "amount":
            return _choice(rng, cfg.currency[self.plan.region]) + _choice(rng, cfg.prices)
        if key == "date":
            day = _when(self.created - (1 + _below(rng, 10)) * _DAY)
            return f"{day.day} {_MONTHS[day.month]}"
        if key == "city":
            return _choice(rng, cfg.cities[self.plan.region])
        if key == "company":
            return _choice(rng, cfg.companies)
        if key == "request":
            return _choice(rng, self.area.requests).format_map(self.slots)
        return _digits(_choice(rng, cfg.placeholders[key]), rng)

    def text(self, templates: Sequence[str], at: int, etr_hours: float = 0) -> str:
        self.slots["agent_first"] = self.agent.first
        if etr_hours:
            # Whole hours, as an agent would promise them.
            etr = at + round(etr_hours * _HOUR)
            self.slots["etr"] = _human(etr - etr % _HOUR + _HOUR)
        return templates[int(self.rng.random() * len(templates))].format_map(self.slots)

    def note(
        self,
        at: int,
        steps: str,
        next_steps: Sequence[str],
        *,
        etr_hours: float = 0,
        closing: bool = False,
    ) -> str:
        rng, slots = self.rng, self.slots
        slots["steps"] = steps
        slots["cause"] = _choice(rng, self.issue.causes).format_map(slots)
        slots["next"] = self.text(next_steps, at, etr_hours or self.etr)
        # A closing note says whether the SLA was met, which is known once core.sla has
        # judged the finished ticket (finish() fills it in).
        slots["sla_deadline"] = _DEADLINE_MARK if closing else self.deadline()
        text = self.gen.cfg.note_template.format_map(slots)
        # Kept as the structured fields too (ticket_notes), once post() knows the message id.
        self.note_parts = (
            slots["summary"],
            steps,
            slots["cause"],
            slots["next"],
            slots["sla_deadline"],
        )
        return text

    def deadline(self) -> str:
        """The resolution deadline as the first note's author saw it (pauses so far moved it).

        Worked out once per ticket: a business-hours deadline is a calendar walk over weeks.
        """
        if self.due is None:
            gen = self.gen
            seconds, business = gen.targets[self.plan.priority, sla.Clock.RESOLUTION]
            if business and self.pauses:
                calendar = gen.policy.calendars[self.plan.region]
                pauses = tuple((_when(a), None if b is None else _when(b)) for a, b in self.pauses)
                self.due = _seconds(calendar.add(_when(self.created), seconds, pauses))
            elif business:
                self.due = gen.business_due(self.plan.region, self.created, seconds)
            else:
                due = self.created + seconds
                for start, end in self.pauses:
                    if end is not None and start < due:
                        due += end - start
                self.due = due
        return f"resolution due {_human(self.due)}"

    # -- rows --

    def say(self, at: int, body: str) -> None:
        """The customer's first message (part of creating the ticket, not a change)."""
        gen = self.gen
        gen.message_id += 1
        gen.message_rows.append(
            (gen.message_id, self.id, _CUSTOMER_KIND, self.customer.name, None, body, _stamp(at))
        )
        self.messages += 1
        self.last = at

    def post(
        self, at: int, kind: str, body: str, action: str, entries: tuple[_Entry, ...] = ()
    ) -> None:
        """A message and the change it was part of: one version, an audit row per field.

        The audit gets the field changes only: the body is in messages already, and a row per
        message would be a third of all rows written, the slowest part of a big run.
        """
        gen = self.gen
        stamp = _stamp(at)
        gen.message_id += 1
        if kind == _CUSTOMER_KIND:
            author, agent_id, actor = self.customer.name, None, "customer"
        else:
            agent = self.agent
            author, agent_id, actor = agent.name, agent.id, agent.handle
            if kind == _REPLY_KIND:
                if self.first_response is None:
                    self.first_response = at
                self.last_update = at
        gen.message_rows.append((gen.message_id, self.id, kind, author, agent_id, body, stamp))
        if kind == _NOTE_KIND and self.note_parts is not None:
            self.notes.append([gen.message_id, at, *self.note_parts])
            self.note_parts = None
        for field, old, new in entries:
            gen.audit_id += 1
            gen.audit_rows.append((gen.audit_id, self.id, actor, action, field, old, new, stamp))
        self.messages += 1
        self.actions += 1
        if at > self.last:
            self.last = at

    def log(self, at: int, actor: str, action: str, *entries: _Entry) -> None:
        """A change without a message: one version, an audit row per field."""
        gen = self.gen
        stamp = _stamp(at)
        for field, old, new in entries:
            gen.audit_id += 1
            gen.audit_rows.append((gen.audit_id, self.id, actor, action, field, old, new, stamp))
        self.actions += 1
        if at > self.last:
            self.last = at

    # -- the story --

    def opened(self, created: int) -> str:
        rng, issue, plan = self.rng, self.issue, self.plan
        self.created = self.last = created
        subject = _choice(rng, issue.subjects).format_map(self.slots)
        self.say(created, _choice(rng, issue.openings).format_map(self.slots))
        self.log(created, "system", "created", ("channel", None, plan.channel.value))
        self.actions = 0  # creating is version 1, not a change
        return subject

    def assign(self, at: int) -> None:
        self.log(
            at,
            self.agent.handle,
            "assign",
            ("status", Status.NEW.value, Status.ASSIGNED.value),
            ("assignee_id", None, str(self.agent.id)),
        )

    def unworked(self) -> None:
        """New (unassigned) or assigned tickets: nobody has replied yet."""
        gen, rng, plan = self.gen, self.rng, self.plan
        age = gen.span(
            plan, sla.Clock.FIRST_RESPONSE, gen.fraction(plan.sla_class), exact_until=gen.now
        )
        created = gen.now - age
        subject = self.opened(created)
        assigned = None
        if plan.status is Status.ASSIGNED:
            assigned = created + round(age * rng.uniform(0.05, 0.7))
            self.assign(assigned)
        if age > 2 * _HOUR and rng.random() < 0.3:
            chased = created + round(age * rng.uniform(0.5, 0.95))
            self.post(chased, _CUSTOMER_KIND, _choice(rng, gen.cfg.chasers), "customer_message")
        self.finish(subject, None if assigned is None else self.agent, Tier.L1)

    def worked(
        self,
        created: int,
        first: int,
        active: int,
        last_reply: int,
        pauses: list[int],
        notes: int,
        updates: int,
        tier: Tier,
    ) -> None:
        """In progress, pending, resolved or closed: the whole workflow up to its status.

        Offsets are seconds of active (unpaused) time after `created`; each closed pause of
        `pauses` shifts everything after it.
        """
        gen, rng, cfg, plan = self.gen, self.rng, self.gen.cfg, self.plan
        status = plan.status
        subject = self.opened(created)
        assigned = created + round(first * rng.uniform(0.05, 0.5))
        if plan.channel in _LIVE_CHANNELS:
            # A call or chat is picked up and worked at once: one change, new -> in progress.
            self.log(
                assigned,
                self.agent.handle,
                "take",
                ("status", "new", "in_progress"),
                ("assignee_id", None, str(self.agent.id)),
            )
        else:
            started = assigned + round((created + first - assigned) * rng.uniform(0.0, 0.7))
            self.assign(assigned)
            self.log(started, self.agent.handle, "start", ("status", "assigned", "in_progress"))
        at = created + first
        self.post(at, _REPLY_KIND, self.text(cfg.replies["first"], at, self.etr), "reply")

        # The middle: pending spells, notes, an escalation, incident updates, in random order.
        beats: list[tuple[str, int]] = [("spell", d) for d in pauses]
        beats += [("note", 0)] * notes
        if tier is not Tier.L1:
            beats.append(("escalate", 0))
        beats += [("update", 0)] * updates
        rng.shuffle(beats)
        # Public beats come before the last reply (the P0 cadence runs from it).
        width = max(1, last_reply - first - 1)
        points = sorted(first + 1 + _below(rng, width) for _ in beats)
        points.append(last_reply)  # where the beats must end, for the escalation's reply
        shift = 0
        noted = False
        for index, (kind, pause) in enumerate(beats):
            at = created + points[index] + shift
            if kind == "spell":
                self.slots.pop("request", None)  # a new question each time
                self.post(
                    at, _REPLY_KIND, self.text(cfg.replies["ask"], at), "pending", _TO_PENDING
                )
                shift += pause
                self.pauses.append((at, at + pause))
                answer = _choice(rng, cfg.answers)
                self.post(at + pause, _CUSTOMER_KIND, answer, "customer_reply", _FROM_PENDING)
            elif kind == "note":
                steps = self.steps(verify=not noted, count=2)
                noted = True
                self.post(at, _NOTE_KIND, self.note(at, steps, self.issue.next), "note")
            elif kind == "update":
                etr = 0.5 if plan.priority is Priority.P0 else 24
                self.post(at, _REPLY_KIND, self.text(cfg.replies["update"], at, etr), "reply")
            else:
                tier_before = self.agent
                new_agent = gen.agent_for(tier, plan.region)
                self.slots["tier"] = tier.value
                self.slots["reason"] = reason = _choice(
                    rng, (*self.area.escalation_reasons, *cfg.escalation_reasons)
                )
                steps = self.steps(verify=not noted, count=1)
                noted = True
                # The note and the reply that follows it promise the customer the same ETR.
                etr = 1.0 if plan.priority is Priority.P0 else 24.0
                note = self.note(at, steps, cfg.escalation_next, etr_hours=etr)
                self.post(at, _NOTE_KIND, note, "note")
                # Told a few minutes later, but before whatever comes next.
                following = created + points[index + 1] + shift
                told = at + min(30 + _below(rng, 270), max(0, following - at - 1))
                told_text = self.text(cfg.replies["escalated"], at, etr)
                self.post(told, _REPLY_KIND, told_text, "reply")
                self.agent = new_agent
                self.log(
                    told,
                    tier_before.handle,
                    "escalate",
                    ("tier", Tier.L1.value, tier.value),
                    ("assignee_id", str(tier_before.id), str(new_agent.id)),
                    ("reason", None, reason),
                )

        end = created + active + shift
        resolved = closed = None
        if status is Status.IN_PROGRESS:
            if plan.priority is Priority.P0:
                at = created + last_reply + shift
                self.post(at, _REPLY_KIND, self.text(cfg.replies["update"], at, 0.5), "reply")
        elif status is Status.PENDING:
            if not noted:
                # Pending needs the structured note: written just before the last question.
                self.side_note(max(self.last, end - 60), cfg.waiting_next)
            self.slots.pop("request", None)
            self.post(end, _REPLY_KIND, self.text(cfg.replies["ask"], end), "pending", _TO_PENDING)
            self.pauses.append((end, None))
        else:
            noted_at = max(self.last, end - 60 - _below(rng, 540))
            steps = self.steps(verify=not noted, count=2)
            closing = self.note(noted_at, steps, cfg.resolved_next, closing=True)
            self.post(noted_at, _NOTE_KIND, closing, "note")
            self.closing_note = len(gen.message_rows) - 1
            resolved = end
            resolution = self.text(cfg.replies["resolved"], end)
            self.post(end, _REPLY_KIND, resolution, "resolve", _TO_RESOLVED)
            self.confirm(noted_at)
            if status is Status.CLOSED:
                closed = end + _QUALITY_WINDOW
                self.log(closed, "system", "auto_close", ("status", "resolved", "closed"))
        # A pending ticket's open pause runs from `end` (its last question) to now.
        self.finish(subject, self.agent, tier, resolved=resolved, closed=closed)

    def side(self) -> random.Random:
        """Draws for what the ticket workspace added (notes on every Pending ticket,
        confirmations): a generator of their own, so every other row stays as it was."""
        return random.Random(self.gen.seed * 1_000_003 + self.id)

    def side_note(self, at: int, next_steps: Sequence[str]) -> None:
        main, self.rng = self.rng, self.side()
        try:
            steps = self.steps(verify=True, count=2)
            self.post(at, _NOTE_KIND, self.note(at, steps, next_steps), "note")
        finally:
            self.rng = main

    def confirm(self, at: int) -> None:
        """The three-step confirmation the resolve relied on."""
        main, self.rng = self.rng, self.side()
        try:
            restated, fix = self.slots["restate"], self.slots["fix"]
        finally:
            self.rng = main
        gen = self.gen
        gen.confirmation_id += 1
        etr = _human(at - at % _HOUR + _HOUR)
        gen.confirmation_rows.append(
            (gen.confirmation_id, self.id, restated, fix, etr, 1, self.agent.handle, _stamp(at))
        )

    def steps(self, *, verify: bool, count: int) -> str:
        rng, slots = self.rng, self.slots
        # A run of consecutive steps: the file lists them in the order they are done.
        steps = self.issue.steps
        first = _below(rng, max(1, len(steps) - count + 1))
        parts = [s.format_map(slots) for s in steps[first : first + count]]
        if verify:
            parts.insert(0, _choice(rng, self.gen.cfg.verification))
        return " ".join(parts)

    def finish(
        self,
        subject: str,
        assignee: _Agent | None,
        tier: Tier,
        *,
        resolved: int | None = None,
        closed: int | None = None,
    ) -> None:
        """Compute the SLA fields and breaches with core.sla and write the ticket row."""
        gen, plan = self.gen, self.plan
        when_pauses = tuple((_when(a), None if b is None else _when(b)) for a, b in self.pauses)
        ticket = sla.SlaTicket(
            priority=plan.priority,
            region=plan.region,
            status=plan.status,
            created_at=_when(self.created),
            first_response_at=None if self.first_response is None else _when(self.first_response),
            last_update_at=None if self.last_update is None else _when(self.last_update),
            resolved_at=None if resolved is None else _when(resolved),
            pauses=when_pauses,
        )
        clock = due = at_risk = None
        if plan.status.is_open:
            reading = sla.next_due(ticket, gen.policy)
            if reading is not None:
                clock = reading.clock.value
                if reading.due_at is not None:
                    due = gen.to_db(reading.due_at)
                    if reading.due_at <= gen.now_dt:
                        gen.open_breached += 1
                    elif reading.at_risk_at is not None and reading.at_risk_at <= gen.now_dt:
                        gen.open_at_risk += 1
                if reading.at_risk_at is not None:
                    at_risk = gen.to_db(reading.at_risk_at)
        breached_at = None
        found = sla.breaches(ticket, gen.policy, gen.now_dt)
        verdict = gen.cfg.deadline_met
        if self.closing_note is not None:
            row = gen.message_rows[self.closing_note]
            if found:
                first = min(found, key=lambda b: b.due_at)
                verdict = gen.cfg.deadline_missed.format(
                    clock=first.clock.label.lower(), due=_human(_seconds(first.due_at))
                )
            else:
                verdict = gen.cfg.deadline_met
            gen.message_rows[self.closing_note] = (
                *row[:5],
                row[5].replace(_DEADLINE_MARK, verdict),
                row[6],
            )
        for message_id, at, *parts, deadline in self.notes:
            if deadline == _DEADLINE_MARK:
                deadline = verdict
            gen.note_id += 1
            gen.note_rows.append(
                (gen.note_id, plan.id, message_id, *parts, deadline, self.agent.name, _stamp(at))
            )
        if self.notes:
            for name, value in (
                ("product_area", self.issue.area),
                ("issue_type", self.issue.name),
                ("priority", _VALUES[plan.priority]),
                ("channel", _VALUES[plan.channel]),
            ):
                gen.tag_rows.append((plan.id, name, value))
        for breach in found:
            # Recorded when the deadline passed, as the breach monitor would have.
            stamp = gen.to_db(breach.due_at)
            gen.breach_id += 1
            gen.breach_rows.append((gen.breach_id, plan.id, breach.clock.value, stamp, stamp))
            gen.audit_id += 1
            gen.audit_rows.append(
                (gen.audit_id, plan.id, "sla", "sla_breach", breach.clock.value, None, stamp, stamp)
            )
            breached_at = stamp if breached_at is None else min(breached_at, stamp)
        if breached_at is not None:
            gen.breached_tickets += 1
        pauses = "[]"
        if self.pauses:
            # store.writes.pauses_to_json's format, from whole seconds.
            pauses = json.dumps(
                [[_stamp(a), None if b is None else _stamp(b)] for a, b in self.pauses]
            )
        gen.ticket_rows.append(
            (
                plan.id,
                subject,
                self.customer.id,
                None if assignee is None else assignee.id,
                _VALUES[plan.priority],
                _VALUES[plan.status],
                _VALUES[plan.channel],
                _VALUES[plan.region],
                _VALUES[tier],
                self.issue.area,
                self.issue.name,
                _stamp(self.created),
                _stamp(self.last),
                None if self.first_response is None else _stamp(self.first_response),
                None if self.last_update is None else _stamp(self.last_update),
                None if resolved is None else _stamp(resolved),
                None if closed is None else _stamp(closed),
                pauses,
                clock,
                due,
                at_risk,
                breached_at,
                1 + self.actions,
                "waiting_on_customer" if plan.status is Status.PENDING else "",
            )
        )


def _flush(gen: _Generator, connection: Connection) -> None:
    # Tickets first: messages, audit and breaches reference them (foreign keys are on).
    _insert(connection, "tickets", _TICKET_COLUMNS, gen.ticket_rows)
    _insert(connection, "messages", _MESSAGE_COLUMNS, gen.message_rows)
    _insert(connection, "audit", _AUDIT_COLUMNS, gen.audit_rows)
    _insert(connection, "sla_breaches", _BREACH_COLUMNS, gen.breach_rows)
    _insert(connection, "ticket_notes", _NOTE_COLUMNS, gen.note_rows)
    _insert(connection, "ticket_tags", _TAG_COLUMNS, gen.tag_rows)
    _insert(connection, "confirmations", _CONFIRMATION_COLUMNS, gen.confirmation_rows)
    gen.ticket_rows, gen.message_rows, gen.audit_rows, gen.breach_rows = [], [], [], []
    gen.note_rows, gen.tag_rows, gen.confirmation_rows = [], [], []


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
    gen = _Generator(config, store.policy, tickets, seed, now)
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
            if len(gen.ticket_rows) >= _CHUNK:
                _flush(gen, connection)
        _flush(gen, connection)
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
        messages=gen.message_id,
        audit=gen.audit_id,
        breaches=gen.breach_id,
        breached_tickets=gen.breached_tickets,
        open_breached=gen.open_breached,
        open_at_risk=gen.open_at_risk,
        by_status=by_status,
        by_priority=by_priority,
        by_channel=by_channel,
        by_region=by_region,
        seconds=time.perf_counter() - started,
    )


def demo_answers(account_id: str) -> dict[Factor, str]:
    """A demo customer's verification answers, worked out from the account number.

    Nothing stores them: the store keeps keyed hashes, and demo mode shows these (marked as
    demo data) so a new user can try the verification wizard.
    """
    account = int(account_id.removeprefix("ACC-"))
    born = date(1950, 1, 1) + timedelta(days=account * 31 % (50 * 365))
    return {
        Factor.PAYMENT_LAST4: f"{account * 7919 % 10_000:04d}",
        Factor.DATE_OF_BIRTH: born.isoformat(),
        Factor.PIN: f"{account * 104_729 % 1_000_000:06d}",
    }


def add_demo_verifiers(store: Store, key: bytes) -> int:
    """Verifiers for every demo customer who has none yet; returns how many customers."""
    from sqlalchemy import text

    from agentdesk.store.verification import verifier_rows

    with store.write() as connection:
        customers = connection.execute(
            text(
                "SELECT id, account_id FROM customers WHERE id NOT IN "
                "(SELECT customer_id FROM customer_verifiers)"
            )
        ).all()
        rows = [
            row
            for customer_id, account_id in customers
            for row in verifier_rows(key, customer_id, demo_answers(account_id))
        ]
        if rows:
            connection.execute(
                text(
                    "INSERT INTO customer_verifiers (customer_id, factor, salt, digest) "
                    "VALUES (:customer_id, :factor, :salt, :digest)"
                ),
                rows,
            )
        # The demo's stories say the caller was verified before the ticket was pended or
        # resolved: record that pass, as the wizard would have.
        connection.execute(
            text(
                "INSERT INTO verification_attempts "
                "(ticket_id, customer_id, agent_id, actor, outcome, factors, at) "
                "SELECT t.id, t.customer_id, t.assignee_id, coalesce(a.handle, 'demo'), "
                "'passed', 'account_id,payment_last4,pin', "
                "coalesce(t.first_response_at, t.created_at) "
                "FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id "
                "WHERE t.status IN ('pending', 'resolved', 'closed') "
                "AND t.id NOT IN (SELECT ticket_id FROM verification_attempts)"
            )
        )
    return len(customers)
