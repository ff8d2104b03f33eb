"""What a demo run made: the counts generate_demo reports (and the CLI prints)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentdesk.core.ticket import Channel, Priority, Region, Status


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
