"""data/demo.toml, read and checked: the names, texts and mix the generator draws from.

Sequences keep the file's order, which keeps the generated data stable.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.demo.draws import running_totals
from agentdesk.shipped import DataFileError, load_toml, shipped_dir

_T = TypeVar("_T")


@dataclass(frozen=True)
class Issue:
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
class Area:
    name: str
    escalate_l2: float
    escalate_l3: float
    requests: tuple[str, ...]
    escalation_reasons: tuple[str, ...]
    issues: tuple[Issue, ...]


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
    areas: tuple[Area, ...]
    topics: Mapping[Priority, tuple[tuple[Area, Issue], ...]]
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
    return parse_config(load_toml(path), str(path))


def parse_config(doc: Mapping[str, Any], source: str) -> DemoConfig:
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

    areas: list[Area] = []
    topics: dict[Priority, list[tuple[Area, Issue]]] = {p: [] for p in Priority}
    topic_weights: dict[Priority, list[float]] = {p: [] for p in Priority}
    for area_name, area_doc in table(doc, "areas", "").items():
        where = f"areas.{area_name}."
        if not isinstance(area_doc, Mapping):
            raise fail(where[:-1], "must be a table")
        issues: list[tuple[Issue, float]] = []
        for issue_name, issue_doc in table(area_doc, "issues", where).items():
            at = f"{where}issues.{issue_name}."
            if not isinstance(issue_doc, Mapping):
                raise fail(at[:-1], "must be a table")
            try:
                priorities = tuple(Priority(p) for p in issue_doc.get("priorities", ()))
            except ValueError:
                raise fail(f"{at}priorities", "use P0..P4") from None
            issue = Issue(
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
        area = Area(
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
        topic_weights={p: running_totals(topic_weights[p]) for p in Priority},
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
