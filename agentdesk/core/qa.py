"""QA (issue 15): the monthly sample of each agent's interactions, and the rubric's score.

The sample is deterministic and stable for a month: a ticket is in an agent's sample when
sha256("agent|YYYY-MM|ticket id") falls below the sampling rate, so every reviewer, every
run and every machine picks the same tickets, and nobody can steer which ones. 5 % of the
interactions, 10 % for agents in their first 8 weeks (data/qa_rubric.toml).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from agentdesk.core.errors import BadInput

QA_RUBRIC = "qa_rubric.toml"
ITEM_ORDER = (
    "greeting",
    "verification",
    "resolution_accuracy",
    "communication_clarity",
    "compliance",
    "closure",
)


@dataclass(frozen=True)
class RubricItem:
    key: str
    label: str
    weight: float
    critical: bool = False


@dataclass(frozen=True)
class Rubric:
    items: tuple[RubricItem, ...]
    sample_percent: float = 5.0
    new_agent_percent: float = 10.0
    new_agent_weeks: int = 8

    def item(self, key: str) -> RubricItem:
        for item in self.items:
            if item.key == key:
                return item
        raise BadInput(f"QA rubric item {key!r}: not in the rubric ({', '.join(self.keys)})")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.items)


def rubric_from_toml(doc: Mapping[str, Any], where: str = QA_RUBRIC) -> Rubric:
    items_doc = doc.get("items")
    if not isinstance(items_doc, dict) or not items_doc:
        raise BadInput(f"{where}: [items.<name>] tables are missing")
    items: list[RubricItem] = []
    for key, table in items_doc.items():
        if not isinstance(table, dict):
            raise BadInput(f"{where}: items.{key} must be a table")
        weight = table.get("weight", 1)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise BadInput(f"{where}: items.{key}.weight must be a positive number")
        items.append(
            RubricItem(
                key,
                str(table.get("label", key)),
                float(weight),
                bool(table.get("critical", False)),
            )
        )
    items.sort(key=lambda i: ITEM_ORDER.index(i.key) if i.key in ITEM_ORDER else len(ITEM_ORDER))
    return Rubric(
        tuple(items),
        float(doc.get("sample_percent", 5)),
        float(doc.get("new_agent_percent", 10)),
        int(doc.get("new_agent_weeks", 8)),
    )


def start_dates_from_roster(doc: Mapping[str, Any]) -> dict[str, date]:
    """[agents."handle"] start_date = 2026-10-05 (a TOML date): when each agent started."""
    found: dict[str, date] = {}
    agents = doc.get("agents", {})
    for handle, entry in agents.items() if isinstance(agents, dict) else ():
        value = entry.get("start_date") if isinstance(entry, dict) else None
        if isinstance(value, date):
            found[handle] = value
        elif value is not None:
            raise BadInput(f"roster.toml: agents.{handle}.start_date must be a date (2026-10-05)")
    return found


def sampling_percent(rubric: Rubric, started: date | None, month_start: date) -> float:
    """10 % while any of the month falls in the agent's first 8 weeks, else 5 %."""
    if started is not None and month_start < started + timedelta(weeks=rubric.new_agent_weeks):
        return rubric.new_agent_percent
    return rubric.sample_percent


def in_sample(agent: str, month: str, ticket_id: int, percent: float) -> bool:
    digest = hashlib.sha256(f"{agent}|{month}|{ticket_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < percent / 100 * 2**64


def monthly_sample(agent: str, month: str, ticket_ids: Iterable[int], percent: float) -> list[int]:
    """The agent's interactions (tickets) of the month that QA reviews, in id order."""
    return sorted(t for t in set(ticket_ids) if in_sample(agent, month, t, percent))


@dataclass(frozen=True)
class ReviewResult:
    score: float
    critical_failed: tuple[str, ...]


def score_review(rubric: Rubric, marks: Mapping[str, bool]) -> ReviewResult:
    """Weighted share of items met; a failed critical item makes it 0. Every item is marked."""
    unknown = sorted(set(marks) - set(rubric.keys))
    missing = [k for k in rubric.keys if k not in marks]
    if unknown or missing:
        parts = []
        if missing:
            parts.append("not marked: " + ", ".join(missing))
        if unknown:
            parts.append("not in the rubric: " + ", ".join(unknown))
        raise BadInput("QA review: " + "; ".join(parts))
    failed = tuple(i.key for i in rubric.items if i.critical and not marks[i.key])
    if failed:
        return ReviewResult(0.0, failed)
    total = sum(i.weight for i in rubric.items)
    met = sum(i.weight for i in rubric.items if marks[i.key])
    return ReviewResult(met / total, ())


# The internal comment a review travels in, so the team sees it through the helpdesk and
# every agentdesk's pull records it: a first line, then one "key: yes|no" line per item.
REVIEW_HEADER = "[agentdesk QA review]"


def review_body(
    rubric: Rubric,
    agent: str,
    month: str,
    marks: Mapping[str, bool],
    comment: str,
    result: ReviewResult,
) -> str:
    lines = [
        REVIEW_HEADER,
        f"agent: {agent}",
        f"month: {month}",
        f"score: {result.score * 100:.0f}%",
    ]
    if result.critical_failed:
        lines.append(f"critical failed: {', '.join(result.critical_failed)}")
    lines += [f"{i.key}: {'yes' if marks[i.key] else 'no'}" for i in rubric.items]
    if comment.strip():
        lines.append(f"comment: {' '.join(comment.split())}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ParsedReview:
    agent: str
    month: str
    marks: dict[str, bool]
    comment: str
    score: float
    """0..1, as the reviewer's agentdesk scored it."""
    critical_failed: tuple[str, ...] = ()


def parse_review_body(body: str) -> ParsedReview | None:
    """A pulled internal comment that is a QA review, or None for any other comment."""
    lines = [line.strip() for line in body.strip().splitlines()]
    if not lines or lines[0] != REVIEW_HEADER:
        return None
    fields: dict[str, str] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    agent, month = fields.pop("agent", ""), fields.pop("month", "")
    shown = fields.pop("score", "").rstrip("%").strip()
    critical = tuple(c.strip() for c in fields.pop("critical failed", "").split(",") if c.strip())
    comment = fields.pop("comment", "")
    marks = {k: v.lower() == "yes" for k, v in fields.items() if v.lower() in ("yes", "no")}
    if not agent or not month or not marks or not shown.isdigit() or int(shown) > 100:
        return None
    return ParsedReview(agent, month, marks, comment, int(shown) / 100, critical)


QA_ROLE = "qa"


def review_refusal(role: str) -> str | None:
    """Scoring is a write of the QA role's: an agent does not score their own work, and a
    supervisor's monitoring desk writes nothing."""
    if role != QA_ROLE:
        return f'QA reviews are recorded by the QA role (this profile\'s role is "{role}")'
    return None
