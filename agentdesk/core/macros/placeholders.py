"""Placeholders: {{customer.first_name}} in a body becomes the value for the ticket at hand.

The syntax is two braces around a dotted name; spaces inside the braces are allowed
({{ agent.name }}). The names are fixed (PLACEHOLDERS) plus custom.<name> for values the agent
types in when applying. A placeholder with no value stays visible as {{name}} in a preview and
is listed as missing; render_for_customer() refuses to produce text with any left.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from agentdesk.core import sla
from agentdesk.core.errors import Refused

PLACEHOLDERS: dict[str, str] = {
    "customer.first_name": "the customer's first name",
    "agent.name": "your name, as the helpdesk knows you",
    "agent.first_name": "your first name",
    "company": "the company name ([macros] company in the profile)",
    "department": "your department ([macros] department in the profile)",
    "ticket.id": "the ticket number, e.g. #1042",
    "ticket.etr": (
        "the estimated time to resolution you promise (the confirmation's ETR, else typed)"
    ),
    "sla.deadline": "the next SLA time the customer can hold you to, in UTC (never a past one)",
}
CUSTOM_PREFIX = "custom."

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_CUSTOM = re.compile(r"^custom\.[a-z][a-z0-9_]{0,39}$")


class MissingPlaceholders(Refused, ValueError):
    """Text for a customer that still has placeholders without a value."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        listed = ", ".join("{{" + name + "}}" for name in names)
        super().__init__(f"no value for {listed}: fill it in before sending")


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: tuple[str, ...]  # in order of first use, each once

    @property
    def complete(self) -> bool:
        return not self.missing


def is_known(name: str) -> bool:
    return name in PLACEHOLDERS or bool(_CUSTOM.match(name))


def placeholder_names(text: str) -> list[str]:
    """Every placeholder name in text, in order, with repeats."""
    return [match.group(1) for match in _PLACEHOLDER.finditer(text)]


def syntax_problems(text: str) -> list[tuple[str, str]]:
    """(offending snippet, problem) for unknown names and unbalanced braces."""
    problems: list[tuple[str, str]] = []
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        if not is_known(name):
            hint = "; custom fields are {{custom.<name>}}" if "." not in name else ""
            problems.append((match.group(0), f"unknown placeholder {match.group(0)}{hint}"))
    leftover = _PLACEHOLDER.sub("", text)
    for brace in ("{{", "}}"):
        if brace in leftover:
            problems.append((brace, f"unbalanced {brace!r}: placeholders are {{{{name}}}}"))
    return problems


def render(text: str, values: Mapping[str, str]) -> Rendered:
    """Fill every placeholder that has a non-empty value; list (and keep) the others."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name, "").strip()
        if value:
            return value
        if name not in missing:
            missing.append(name)
        return match.group(0)

    return Rendered(_PLACEHOLDER.sub(fill, text), tuple(missing))


def render_for_customer(text: str, values: Mapping[str, str]) -> str:
    """The text with every placeholder filled, or MissingPlaceholders: nothing raw goes out."""
    rendered = render(text, values)
    if rendered.missing:
        raise MissingPlaceholders(rendered.missing)
    # A value that itself looks like a placeholder, or a stray brace pair, is raw too.
    if "{{" in rendered.text or "}}" in rendered.text:
        raise MissingPlaceholders(("a raw '{{' or '}}' in the text",))
    return rendered.text


def ticket_values(
    *,
    ticket_id: int,
    customer_name: str = "",
    agent_name: str = "",
    company: str = "",
    department: str = "",
    sla_due_at: datetime | None = None,
    etr: str = "",
    custom: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The placeholder values for one ticket; an empty value counts as missing."""
    values = {
        "customer.first_name": _first_word(customer_name),
        "agent.name": agent_name.strip(),
        "agent.first_name": _first_word(agent_name),
        "company": company.strip(),
        "department": department.strip(),
        "ticket.id": f"#{ticket_id}",
        "ticket.etr": etr.strip(),
        "sla.deadline": "" if sla_due_at is None else format_deadline(sla_due_at),
    }
    for name, value in (custom or {}).items():
        key = name if name.startswith(CUSTOM_PREFIX) else CUSTOM_PREFIX + name
        values[key] = value.strip()
    return values


def format_deadline(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")


def deadline_to_promise(
    ticket: sla.SlaTicket, policy: sla.SlaPolicy, now: datetime
) -> datetime | str:
    """What {{sla.deadline}} may tell the customer: the nearest SLA due time once this
    message is sent (a reply meets the first response and starts a new P0 update cycle,
    so an overdue first response or update promises the next one, as the SOP would).
    Never a time already past: a string instead, saying why there is none."""
    if not ticket.status.is_open:
        return f"the ticket is {ticket.status.label}: no SLA clock runs"
    sent = replace(ticket, first_response_at=ticket.first_response_at or now, last_update_at=now)
    reading = sla.next_due(sent, policy)
    if reading is None:
        return "no SLA clock runs on this ticket"
    if reading.due_at is None:
        return "the SLA clocks are paused while the ticket is Pending"
    if reading.due_at <= now:
        return (
            f"the {reading.clock.label.lower()} deadline passed on "
            f"{format_deadline(reading.due_at)}: promise a time you can keep instead"
        )
    return reading.due_at


def _first_word(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else ""
