"""Alerts: what the agent is told even while a search or another screen is open, and the
rule that keeps it to one alert per ticket per state change.

An alert has a key (kind, ref, state). A ticket that turns at risk is (sla, "#12",
"at_risk@<moment the risk began>"); its breach is a new state ("breached@<due>"), so it is
announced again; a later risk of the same ticket (the next P0 update) is another. New tickets
arriving by sync are (new_ticket, "#id", "new"), handovers (handover, message id, "new").
The store keeps the keys announced; this module decides what is new and how it is said.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from agentdesk.core.sla import Risk

MAX_PER_KIND = 3
"""More alerts of one kind at once than this become one summary notification."""


class AlertKind(StrEnum):
    NEW_TICKET = "new_ticket"
    SLA = "sla"
    HANDOVER = "handover"


AlertKey = tuple[str, str, str]


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    ref: str
    state: str
    message: str
    severity: str = "information"

    @property
    def key(self) -> AlertKey:
        return (self.kind.value, self.ref, self.state)


@dataclass(frozen=True)
class Notice:
    """One notification as the app shows it."""

    title: str
    message: str
    severity: str


def sla_state(level: Risk, at_risk_at: datetime | None, due_at: datetime | None) -> str | None:
    """The SLA state an alert is about, or None (on track, paused)."""
    if level is Risk.BREACHED and due_at is not None:
        return f"breached@{due_at.isoformat()}"
    if level is Risk.AT_RISK and at_risk_at is not None:
        return f"at_risk@{at_risk_at.isoformat()}"
    return None


def to_announce(candidates: Iterable[Alert], announced: set[AlertKey]) -> list[Alert]:
    """The candidates not announced before, each key once, in the order given."""
    seen = set(announced)
    fresh: list[Alert] = []
    for alert in candidates:
        if alert.key not in seen:
            seen.add(alert.key)
            fresh.append(alert)
    return fresh


_TITLES = {
    AlertKind.NEW_TICKET: ("New ticket", "new tickets arrived"),
    AlertKind.SLA: ("SLA", "tickets turned at risk or breached"),
    AlertKind.HANDOVER: ("Handover", "handovers are addressed to you"),
}


def notices(alerts: Sequence[Alert], limit: int = MAX_PER_KIND) -> list[Notice]:
    """The notifications for these alerts: one each, or one summary for a kind with more
    than `limit` (a first start with many tickets at risk must not bury the screen)."""
    shown: list[Notice] = []
    for kind in AlertKind:
        group = [a for a in alerts if a.kind is kind]
        if not group:
            continue
        title, many = _TITLES[kind]
        severity = "error" if any(a.severity == "error" for a in group) else group[0].severity
        if len(group) > limit:
            refs = ", ".join(a.ref for a in group[:limit])
            shown.append(Notice(title, f"{len(group)} {many}: {refs}, …", severity))
        else:
            shown.extend(Notice(title, a.message, a.severity) for a in group)
    return shown
