"""Local rows named by the helpdesk: remote ids of tickets, agents by handle, requestors, and
a ticket first seen remotely. Each method runs in the caller's transaction (SyncPort)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, text

from agentdesk.core.changes import TicketSnapshot, sla_fields
from agentdesk.core.sla import SlaPolicy
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.history_rows import chunks
from agentdesk.store.types import to_db


@dataclass(frozen=True)
class PulledTicket:
    """A ticket the helpdesk has and this store does not, in agentdesk's words."""

    remote_id: str
    subject: str
    customer_account: str  # the requestor's account id here, e.g. "rt:ann@example.org"
    requestor: str  # the requestor's address or name; "" when none
    owner: str  # the owner's helpdesk handle; "" when unowned
    status: Status
    priority: Priority
    channel: Channel
    region: Region
    tier: Tier
    product_area: str
    issue_type: str
    created_at: datetime
    updated_at: datetime


_REGIONS = text("SELECT remote_id, region FROM tickets WHERE remote_id IN :r").bindparams(
    bindparam("r", expanding=True)
)
_BY_REMOTE = text("SELECT remote_id, id FROM tickets WHERE remote_id IN :r").bindparams(
    bindparam("r", expanding=True)
)


def agent_id_for(connection: Connection, handle: str, region: Region) -> int | None:
    """The local agent with this helpdesk handle, created (L1) on first sight. "" -> None."""
    if not handle:
        return None
    found = connection.execute(
        text("SELECT id FROM agents WHERE handle = :h"), {"h": handle}
    ).scalar_one_or_none()
    if found is not None:
        return int(found)
    return int(
        connection.execute(
            text(
                "INSERT INTO agents (handle, name, tier, region) VALUES (:h, :h, 'L1', :r) "
                "RETURNING id"
            ),
            {"h": handle, "r": region.value},
        ).scalar_one()
    )


def handle_for(connection: Connection, agent_id: int | str | None) -> str:
    if agent_id in (None, "", "None"):
        return ""
    found = connection.execute(
        text("SELECT handle FROM agents WHERE id = :id"), {"id": int(str(agent_id))}
    ).scalar_one_or_none()
    return "" if found is None else str(found)


class RemoteRows:
    connection: Connection
    policy: SlaPolicy

    # -- tickets by remote id -------------------------------------------------------------

    def remote_id_of(self, ticket_id: int) -> str | None:
        value = self.connection.execute(
            text("SELECT remote_id FROM tickets WHERE id = :id"), {"id": ticket_id}
        ).scalar_one()
        return None if value is None else str(value)

    def set_remote_id(self, ticket_id: int, remote_id: str) -> None:
        self.connection.execute(
            text("UPDATE tickets SET remote_id = :r WHERE id = :id"),
            {"r": remote_id, "id": ticket_id},
        )

    def known_remote_ids(self) -> set[str]:
        rows = self.connection.execute(
            text("SELECT remote_id FROM tickets WHERE remote_id IS NOT NULL")
        )
        return {str(row[0]) for row in rows}

    def ticket_id_for_remote(self, remote_id: str) -> int | None:
        found = self.connection.execute(
            text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
        ).scalar_one_or_none()
        return None if found is None else int(found)

    def ticket_ids_for_remotes(self, remote_ids: Iterable[str]) -> dict[str, int]:
        """ticket_id_for_remote of many at once: remote id -> local id, for those known."""
        found: dict[str, int] = {}
        wanted = list(remote_ids)
        for start in range(0, len(wanted), 500):
            rows = self.connection.execute(_BY_REMOTE, {"r": wanted[start : start + 500]})
            found.update((str(remote), int(local)) for remote, local in rows)
        return found

    def regions_of_remotes(self, remote_ids: Iterable[str]) -> dict[str, Region]:
        """region_of_remote of many tickets at once (a pull page's): one statement a chunk."""
        found: dict[str, Region] = {}
        for batch in chunks(remote_ids):
            for remote_id, region in self.connection.execute(_REGIONS, {"r": batch}):
                found[str(remote_id)] = Region(region)
        return found

    def region_of_remote(self, remote_id: str) -> Region | None:
        value = self.connection.execute(
            text("SELECT region FROM tickets WHERE remote_id = :r"), {"r": remote_id}
        ).scalar_one_or_none()
        return None if value is None else Region(value)

    def subject_of(self, ticket_id: int) -> str:
        return str(
            self.connection.execute(
                text("SELECT subject FROM tickets WHERE id = :t"), {"t": ticket_id}
            ).scalar_one()
        )

    # -- agents ---------------------------------------------------------------------------

    def agent_id_for(self, handle: str, region: Region) -> int | None:
        return agent_id_for(self.connection, handle, region)

    def handle_for(self, agent_id: int | str | None) -> str:
        return handle_for(self.connection, agent_id)

    def agents_by_handle(self) -> dict[str, tuple[int, str]]:
        """Every local agent: handle -> (id, name)."""
        rows = self.connection.execute(text("SELECT handle, id, name FROM agents"))
        return {str(handle): (int(agent), str(name)) for handle, agent, name in rows}

    def agent_handles(self) -> set[str]:
        return set(self.connection.execute(text("SELECT handle FROM agents")).scalars())

    def is_agent_handle(self, handle: str) -> bool:
        return (
            self.connection.execute(
                text("SELECT 1 FROM agents WHERE handle = :h"), {"h": handle}
            ).one_or_none()
            is not None
        )

    def agent_name(self, agent_id: int) -> str:
        return str(
            self.connection.execute(
                text("SELECT name FROM agents WHERE id = :id"), {"id": agent_id}
            ).scalar_one()
        )

    # -- a ticket first seen remotely -----------------------------------------------------

    def insert_pulled_ticket(self, ticket: PulledTicket, now: datetime) -> int:
        """The ticket, its requestor (created on first sight), its owner, its SLA clock and
        an audit row naming the remote id. Returns the local id."""
        customer_id = self._customer(
            ticket.customer_account, ticket.requestor, ticket.region, ticket.created_at
        )
        assignee_id = self.agent_id_for(ticket.owner, ticket.region)
        snapshot = TicketSnapshot(
            id=0,
            subject=ticket.subject,
            priority=ticket.priority,
            status=ticket.status,
            region=ticket.region,
            tier=ticket.tier,
            assignee_id=assignee_id,
            created_at=ticket.created_at,
        )
        clock = sla_fields(snapshot, self.policy)
        ticket_id = int(
            self.connection.execute(
                text(
                    "INSERT INTO tickets (remote_id, subject, customer_id, assignee_id, "
                    "priority, status, channel, region, tier, product_area, issue_type, "
                    "created_at, updated_at, sla_clock, sla_due_at, sla_at_risk_at) VALUES "
                    "(:r, :subject, :customer, :assignee, :priority, :status, :channel, "
                    ":region, :tier, :area, :issue, :created, :updated, :clock, :due, :risk) "
                    "RETURNING id"
                ),
                {
                    "r": ticket.remote_id,
                    "subject": ticket.subject,
                    "customer": customer_id,
                    "assignee": assignee_id,
                    "priority": ticket.priority.value,
                    "status": ticket.status.value,
                    "channel": ticket.channel.value,
                    "region": ticket.region.value,
                    "tier": ticket.tier.value,
                    "area": ticket.product_area,
                    "issue": ticket.issue_type,
                    "created": to_db(ticket.created_at),
                    "updated": to_db(ticket.updated_at),
                    "clock": None if clock.clock is None else clock.clock.value,
                    "due": None if clock.due_at is None else to_db(clock.due_at),
                    "risk": None if clock.at_risk_at is None else to_db(clock.at_risk_at),
                },
            ).scalar_one()
        )
        audit = AuditRecord(
            ticket_id, "sync", "sync_pull", "remote_id", None, ticket.remote_id, now
        )
        write_audit(self.connection, [audit])
        return ticket_id

    def _customer(self, account: str, requestor: str, region: Region, at: datetime) -> int:
        found = self.connection.execute(
            text("SELECT id FROM customers WHERE account_id = :a"), {"a": account}
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
        return int(
            self.connection.execute(
                text(
                    "INSERT INTO customers (account_id, name, email, region, created_at) "
                    "VALUES (:a, :n, :e, :r, :at) RETURNING id"
                ),
                {
                    "a": account,
                    "n": requestor or "Unknown requestor",
                    "e": requestor if "@" in requestor else "",
                    "r": region.value,
                    "at": to_db(at),
                },
            ).scalar_one()
        )
