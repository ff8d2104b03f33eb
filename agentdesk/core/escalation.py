"""The escalation matrix: L1 standard fixes, L2 complex/billing/failed verification, L3
engineering/executive. The words live in data/escalation.toml; this reads and checks them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentdesk.core.errors import BadInput
from agentdesk.core.ticket import Tier

ESCALATION_SOURCE = "escalation.toml"


class EscalationError(BadInput, ValueError):
    """data/escalation.toml is not what it must be; the message says where."""


@dataclass(frozen=True)
class EscalationMatrix:
    handles: Mapping[Tier, str]
    """What each tier handles, in the matrix's words."""

    def above(self, tier: Tier) -> tuple[Tier, ...]:
        """The tiers a ticket with `tier` can be escalated to, lowest first."""
        order = list(Tier)
        return tuple(order[order.index(tier) + 1 :])


def matrix_from_toml(doc: Mapping[str, Any]) -> EscalationMatrix:
    tiers = doc.get("tiers")
    if not isinstance(tiers, Mapping):
        raise EscalationError(f"{ESCALATION_SOURCE}: missing table [tiers]")
    handles: dict[Tier, str] = {}
    for tier in Tier:
        entry = tiers.get(tier.value)
        text = entry.get("handles") if isinstance(entry, Mapping) else None
        if not isinstance(text, str) or not text.strip():
            raise EscalationError(
                f"{ESCALATION_SOURCE} [tiers.{tier.value}] handles: must say what it handles"
            )
        handles[tier] = text.strip()
    unknown = sorted(set(tiers) - {t.value for t in Tier})
    if unknown:
        raise EscalationError(f"{ESCALATION_SOURCE} [tiers]: {unknown[0]!r} is not L1, L2 or L3")
    return EscalationMatrix(handles)
