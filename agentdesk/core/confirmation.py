"""The three-step confirmation: restate the issue, propose a solution with an ETR, get the
customer's explicit agreement. A decline goes back to the proposal, its reason kept."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agentdesk.core.errors import BadInput
from agentdesk.core.quality import Confirmation

_UNITS = {"m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86_400, "day": 86_400, "days": 86_400}


class EtrError(BadInput, ValueError):
    """An ETR that cannot be read; the message says what is accepted."""


def parse_etr(text: str, now: datetime) -> datetime:
    """When the fix is expected: a duration ("2h", "90m", "1d") or a UTC time ("16:00",
    "2026-11-24 16:00"). A time already past today means tomorrow."""
    value = text.strip().lower()
    duration = re.fullmatch(r"(\d+)\s*(m|min|h|hr|d|day|days)", value)
    if duration:
        seconds = int(duration.group(1)) * _UNITS[duration.group(2)]
        if seconds <= 0:
            raise EtrError("The ETR must be in the future.")
        return now + timedelta(seconds=seconds)
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    try:
        if clock:
            due = now.astimezone(UTC).replace(
                hour=int(clock.group(1)), minute=int(clock.group(2)), second=0, microsecond=0
            )
            return due if due > now else due + timedelta(days=1)
        due = datetime.fromisoformat(value.replace(" ", "T")).replace(tzinfo=UTC)
    except ValueError:
        raise EtrError(
            "Give the ETR as a duration (2h, 90m, 1d) or a UTC time (16:00, 2026-11-24 16:00)."
        ) from None
    if due <= now:
        raise EtrError("The ETR must be in the future.")
    return due


def format_due(due: datetime) -> str:
    return due.astimezone(UTC).strftime("%a %d %b, %H:%M UTC")


@dataclass(frozen=True)
class DeclinedProposal:
    """A proposal the customer turned down: what was proposed, by when, and why not."""

    solution: str
    etr: str
    reason: str

    def describe(self) -> str:
        return (
            f"{self.solution.strip()} (ETR {self.etr}); "
            f"the customer declined: {self.reason.strip()}"
        )


def render_entry(
    confirmation: Confirmation, declined: Sequence[DeclinedProposal | str] = ()
) -> str:
    """The confirmation as one entry of the conversation. declined: the proposals turned
    down first, in order (a bare string is a reason without its proposal)."""
    lines = [
        "Three-step confirmation",
        f"1. Restated issue: {confirmation.restated_issue.strip()}",
        f"2. Proposed solution: {confirmation.proposed_solution.strip()} (ETR {confirmation.etr})",
    ]
    for number, proposal in enumerate(declined, 1):
        text = proposal.describe() if isinstance(proposal, DeclinedProposal) else proposal
        lines.append(f"   Declined proposal {number}: {text.strip()}")
    lines.append("3. The customer agreed." if confirmation.customer_agreed else "3. No agreement.")
    return "\n".join(lines)
