"""The escalation matrix: L1 standard fixes, L2 complex/billing/failed verification, L3
engineering/executive; each tier's authority, the time after which an unresolved ticket must
move up (per priority) and the response target at each tier. The words and figures live in
data/escalation.toml; this reads and checks them (problems as file:line, like the shift
files) and says when a ticket has passed its tier's time limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agentdesk.core.errors import BadInput
from agentdesk.core.shift_files import FileProblem, ShiftFileError, _Reader
from agentdesk.core.ticket import Priority, Status, Tier

ESCALATION_SOURCE = "escalation.toml"
_TIER_KEYS = ("handles", "authority", "escalate_after", "response_target")


class EscalationError(BadInput, ValueError):
    """data/escalation.toml is not what it must be; the message says where (file:line)."""

    def __init__(self, problems: list[FileProblem] | str) -> None:
        self.problems = problems if isinstance(problems, list) else []
        super().__init__(
            problems if isinstance(problems, str) else "\n".join(str(p) for p in problems)
        )


@dataclass(frozen=True)
class EscalationMatrix:
    handles: Mapping[Tier, str]
    """What each tier handles, in the matrix's words."""
    authority: Mapping[Tier, str] = field(default_factory=dict)
    """What an agent of the tier may decide alone."""
    escalate_after: Mapping[Tier, Mapping[Priority, int]] = field(default_factory=dict)
    """Minutes at the tier after which an unresolved ticket must move up (top tier: none)."""
    response_target: Mapping[Tier, Mapping[Priority, int]] = field(default_factory=dict)
    """Minutes in which the tier answers a ticket handed to it."""

    def above(self, tier: Tier) -> tuple[Tier, ...]:
        """The tiers a ticket with `tier` can be escalated to, lowest first."""
        order = list(Tier)
        return tuple(order[order.index(tier) + 1 :])

    def limit_minutes(self, tier: Tier, priority: Priority) -> int | None:
        return self.escalate_after.get(tier, {}).get(priority)


def matrix_from_text(text: str, path: str = ESCALATION_SOURCE) -> EscalationMatrix:
    """Parse escalation.toml; every problem is named as path:line: message."""
    try:
        reader = _Reader(text, path)
    except ShiftFileError as error:
        raise EscalationError(error.problems) from None
    matrix = _build(reader.doc, reader.fail, reader.lines)
    if reader.problems:
        raise EscalationError(reader.problems)
    return matrix


def matrix_from_toml(doc: Mapping[str, Any]) -> EscalationMatrix:
    """A parsed document (no line numbers to give)."""
    problems: list[FileProblem] = []

    def fail(line: int, message: str) -> None:
        problems.append(FileProblem(ESCALATION_SOURCE, line, message))

    matrix = _build(doc, fail, [])
    if problems:
        raise EscalationError(problems)
    return matrix


def _line(lines: list[str], key: str, start: int = 1) -> int:
    """The first line from start on that sets key or opens table key; 0 without lines."""
    pattern = re.compile(rf"\s*(\[{re.escape(key)}\]|{re.escape(key)}\s*=)")
    for number in range(max(start, 1), len(lines) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return start if lines else 0


def _build(
    doc: Mapping[str, Any], fail: Callable[[int, str], None], lines: list[str]
) -> EscalationMatrix:
    tiers = doc.get("tiers")
    for key in doc:
        if key != "tiers":
            fail(_line(lines, key), f"unknown key {key!r}; the matrix goes under [tiers.L1] ...")
    if not isinstance(tiers, Mapping):
        fail(1, "missing table [tiers]")
        return EscalationMatrix({})
    handles: dict[Tier, str] = {}
    authority: dict[Tier, str] = {}
    after: dict[Tier, dict[Priority, int]] = {}
    response: dict[Tier, dict[Priority, int]] = {}
    top = list(Tier)[-1]
    for name in tiers:
        if name not in {t.value for t in Tier}:
            fail(_line(lines, f"tiers.{name}"), f"[tiers]: {name!r} is not L1, L2 or L3")
    for tier in Tier:
        entry = tiers.get(tier.value)
        where = _line(lines, f"tiers.{tier.value}")

        def line_of(key: str, where: int = where) -> int:
            return _line(lines, key, where)

        if not isinstance(entry, Mapping):
            fail(where, f"[tiers.{tier.value}] handles: must say what it handles")
            continue
        for key in entry:
            if key not in _TIER_KEYS:
                fail(
                    line_of(key),
                    f"[tiers.{tier.value}] unknown key {key!r}; the keys are: "
                    + ", ".join(_TIER_KEYS),
                )
        text = entry.get("handles")
        if not isinstance(text, str) or not text.strip():
            fail(where, f"[tiers.{tier.value}] handles: must say what it handles")
        else:
            handles[tier] = text.strip()
        power = entry.get("authority", "")
        if not isinstance(power, str):
            fail(line_of("authority"), f"[tiers.{tier.value}] authority must be a string")
        elif power.strip():
            authority[tier] = power.strip()
        for key, target, required in (
            ("escalate_after", after, tier is not top),
            ("response_target", response, False),
        ):
            table = entry.get(key)
            if table is None:
                if required:
                    fail(where, f"[tiers.{tier.value}] {key} is missing (minutes per P0-P4)")
                continue
            if tier is top and key == "escalate_after":
                fail(line_of(key), f"[tiers.{tier.value}] the top tier has no {key}")
                continue
            minutes = _minutes(table, f"[tiers.{tier.value}] {key}", fail, line_of(key))
            if minutes is not None:
                target[tier] = minutes
    return EscalationMatrix(handles, authority, after, response)


def _minutes(
    table: Any, what: str, fail: Callable[[int, str], None], where: int
) -> dict[Priority, int] | None:
    if not isinstance(table, Mapping):
        fail(where, f"{what} must be {{ P0 = 15, P1 = 60, ... }} (minutes)")
        return None
    found: dict[Priority, int] = {}
    for key, value in table.items():
        if key not in {p.value for p in Priority}:
            fail(where, f"{what}: {key!r} is not a priority P0-P4")
        elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            fail(where, f"{what}.{key} must be a whole number of minutes above 0, not {value!r}")
        else:
            found[Priority(key)] = value
    missing = [p.value for p in Priority if p not in found and p.value not in table]
    if missing:
        fail(where, f"{what}: missing {', '.join(missing)}")
        return None
    return found


# The time limit of a tier


@dataclass(frozen=True)
class TierLimit:
    """A ticket past its tier's time limit: it must move up, or the agent records why not."""

    tier: Tier
    limit_at: datetime
    passed_by: timedelta

    @property
    def message(self) -> str:
        ago = format_ago(self.passed_by)
        return f"{self.tier.value} limit passed {ago}: escalate or record why not"


def tier_limit_at(
    matrix: EscalationMatrix, tier: Tier, priority: Priority, tier_since: datetime
) -> datetime | None:
    """When a ticket that reached `tier` at tier_since must have moved up; None at the top."""
    minutes = matrix.limit_minutes(tier, priority)
    return None if minutes is None else tier_since + timedelta(minutes=minutes)


def tier_limit(
    matrix: EscalationMatrix,
    *,
    tier: Tier,
    priority: Priority,
    status: Status,
    tier_since: datetime,
    now: datetime,
    why_not_recorded: bool = False,
) -> TierLimit | None:
    """The passed limit of an unresolved ticket at its tier, or None (resolved, top tier,
    within the limit, or the agent recorded why it stays at this tier)."""
    if not status.is_open or why_not_recorded:
        return None
    limit_at = tier_limit_at(matrix, tier, priority, tier_since)
    if limit_at is None or now < limit_at:
        return None
    return TierLimit(tier, limit_at, now - limit_at)


def format_ago(delta: timedelta) -> str:
    """'0 min ago', '12 min ago', '2 h 05 min ago', '3 d 4 h ago' (whole minutes down)."""
    minutes = max(int(delta.total_seconds()) // 60, 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h ago"
    if hours:
        return f"{hours} h {mins:02d} min ago"
    return f"{mins} min ago"
