"""Pull: RT's changed tickets into the store, page by page, never over a pending local edit.

The query is TicketSQL on LastUpdated, written as "N seconds ago": RT reads absolute dates in
the user's time zone (which REST2 does not tell us), but relative ones need only the server's
clock, and the Date header gives its offset. One run pages through tickets updated since
(cursor - overlap) ordered by id: with a lower bound that never moves later, a ticket updated
during the run can only be seen twice, never skipped. Each page is applied and the position
(page number, run start) saved in one transaction, so an interrupted pull resumes where it
stopped; the cursor moves to the run's start only with the last page.

Each page also brings its tickets' new messages (sync/history.py says which tickets, and how
the first sync keeps its cost down): read before the page's write transaction, written in it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from agentdesk.core.changes import TicketSnapshot, sla_fields
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.store.engine import Store
from agentdesk.store.types import from_db, to_db
from agentdesk.sync import state
from agentdesk.sync.apply import agent_id_for, local_values, set_fields
from agentdesk.sync.conflicts import open_fields
from agentdesk.sync.history import HistoryReader, HistoryReport, known_agents, wanted_for_page
from agentdesk.sync.history_apply import apply_history
from agentdesk.sync.mapping import (
    NOBODY,
    RT_FIELD,
    BadRecord,
    RemoteTicket,
    parse_ticket,
    priority_keeps_local,
    status_from_rt,
)
from agentdesk.sync.rt_client import RtClient
from agentdesk.sync.settings import RtSettings

log = logging.getLogger("agentdesk.sync")

BACKEND = "rt"
FIELDS = "Subject,Status,Priority,Owner,Requestor,Queue,Created,LastUpdated,CustomFields"
# The server's Date header has one-second resolution: start the run a little earlier.
_CLOCK_SLACK = timedelta(seconds=2)


@dataclass
class PullReport:
    pulled: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    kept_local: int = 0  # fields not overwritten because of a pending edit or open conflict
    pages: int = 0
    history: HistoryReport = field(default_factory=HistoryReport)


def _queue_clause(queues: tuple[str, ...]) -> str:
    quoted = [("Queue = '" + q.replace("\\", "\\\\").replace("'", "\\'") + "'") for q in queues]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


@dataclass
class Puller:
    store: Store
    client: RtClient
    settings: RtSettings
    clock: Callable[[], datetime]
    # Tests interrupt a pull between pages with this hook.
    after_page: Callable[[int], None] | None = None
    reader: HistoryReader | None = None

    def run(self) -> PullReport:
        report = PullReport()
        scope = self.settings.scope
        with self.store.read() as connection:
            cursor = state.get_cursor(connection, BACKEND, scope) or {}
        if self.client.traffic.requests == 0:
            # Learn the server's clock before speaking in "seconds ago".
            self.client.call("GET", "/queues/all", params={"per_page": 1, "fields": "id"})
        since = cursor.get("since")
        lower: datetime | None
        if "page" in cursor:  # an interrupted run: same bounds, next page
            page = int(cursor["page"])
            run_start = from_db(cursor["run_start"])
            lower = None if cursor.get("lower") is None else from_db(cursor["lower"])
        else:
            page = 1
            run_start = self.client.server_now() - _CLOCK_SLACK
            lower = (
                None
                if since is None
                else from_db(since) - timedelta(seconds=self.settings.overlap_seconds)
            )
        while True:
            query = _queue_clause(self.settings.queues)
            if lower is not None:
                # Rounded up, so the bound only ever moves earlier: never a gap.
                seconds = math.ceil((self.client.server_now() - lower).total_seconds()) + 1
                query += f" AND LastUpdated >= '{max(seconds, 1)} seconds ago'"
            response = self.client.call(
                "GET",
                "/tickets",
                params={
                    "query": query,
                    "fields": FIELDS,
                    "orderby": "id",
                    "order": "ASC",
                    "per_page": self.settings.page_size,
                    "page": page,
                },
            )
            body = response.json()
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise BadRecord(f"RT's search answer has no items list: {str(body)[:200]}")
            pages = body.get("pages")
            last = len(items) < self.settings.page_size or (
                isinstance(pages, int) and page >= pages
            )
            # The conversation of the page's tickets: read now, outside the write transaction.
            if self.reader is None:
                self.reader = HistoryReader(self.client)
            with self.store.read() as connection:
                wanted = wanted_for_page(connection, items, first_sync=lower is None)
                agents = known_agents(connection)
            history = self.reader.read(wanted, agents)
            with self.store.write() as connection:
                for item in items:
                    self._apply(connection, item, report)
                apply_history(
                    connection,
                    history,
                    region_of=_regions(connection, wanted),
                    now=self.clock(),
                    report=report.history,
                    policy=self.store.policy,
                )
                if last:
                    state.set_cursor(connection, BACKEND, scope, {"since": to_db(run_start)})
                else:
                    state.set_cursor(
                        connection,
                        BACKEND,
                        scope,
                        {
                            "since": since,
                            "run_start": to_db(run_start),
                            "lower": None if lower is None else to_db(lower),
                            "page": page + 1,
                        },
                    )
            report.pages += 1
            if self.after_page is not None:
                self.after_page(page)
            if last:
                return report
            page += 1

    # -- one record ---------------------------------------------------------------------------

    def _apply(self, connection: Connection, item: Any, report: PullReport) -> None:
        now = self.clock()
        remote_id = str(item.get("id")) if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise BadRecord(f"a search item is {type(item).__name__}, not an object")
            ticket = parse_ticket(item)
        except BadRecord as error:
            state.reject(connection, BACKEND, remote_id, str(error), item, now)
            log.warning("RT ticket %s set aside: %s", remote_id, error)
            report.rejected += 1
            return
        row = connection.execute(
            text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": ticket.remote_id}
        ).one_or_none()
        if row is None:
            self._insert(connection, ticket, now)
            report.created += 1
            report.pulled += 1
            return
        ticket_id = int(row.id)
        known = state.ticket_sync(connection, ticket_id)
        if known.remote_updated_at == to_db(ticket.updated_at):
            report.unchanged += 1  # the overlap window re-reads recent tickets: nothing new
            return
        dirty = _dirty_fields(connection, ticket_id) | open_fields(connection, ticket_id)
        local = local_values(connection, ticket_id)
        values: dict[str, str] = {}
        for name in RT_FIELD:
            theirs = _local_word(name, ticket, local[name])
            if theirs == local[name]:
                continue
            if name in dirty:
                report.kept_local += 1  # the pending edit goes out on the next push
                continue
            values[name] = theirs
        extra = {}
        subject_now = connection.execute(
            text("SELECT subject FROM tickets WHERE id = :t"), {"t": ticket_id}
        ).scalar_one()
        if subject_now != ticket.subject:
            extra["subject"] = ticket.subject
        set_fields(
            connection,
            ticket_id,
            values,
            actor=f"rt:{ticket.owner}",
            action="sync_pull",
            now=now,
            policy=self.store.policy,
            extra=extra,
        )
        state.save_ticket_sync(
            connection,
            ticket_id,
            BACKEND,
            # Changed since we last read it: the ETag we had is stale, and unknown until a GET.
            etag=None,
            remote_updated_at=ticket.updated_at,
            remote_values={f: ticket.rt_value(f) for f in RT_FIELD},
        )
        report.pulled += 1

    def _insert(self, connection: Connection, ticket: RemoteTicket, now: datetime) -> None:
        region = _enum(Region, ticket.custom_fields.get("Region"), self.settings.default_region)
        channel = _enum(Channel, ticket.custom_fields.get("Channel"), self.settings.default_channel)
        tier = _enum(Tier, ticket.custom_fields.get("Tier"), Tier.L1)
        customer_id = _customer(connection, ticket.requestor, region, ticket.created_at)
        owner = "" if ticket.owner == NOBODY else ticket.owner
        assignee_id = agent_id_for(connection, owner, region)
        status = status_from_rt(ticket.status, None)
        if status is Status.IN_PROGRESS and assignee_id is not None:
            status = Status.ASSIGNED
        priority = priority_keeps_local(ticket.priority, None)
        snapshot = TicketSnapshot(
            id=0,
            subject=ticket.subject,
            priority=priority,
            status=status,
            region=region,
            tier=tier,
            assignee_id=assignee_id,
            created_at=ticket.created_at,
        )
        clock = sla_fields(snapshot, self.store.policy)
        ticket_id = connection.execute(
            text(
                "INSERT INTO tickets (remote_id, subject, customer_id, assignee_id, priority, "
                "status, channel, region, tier, product_area, issue_type, created_at, "
                "updated_at, sla_clock, sla_due_at, sla_at_risk_at) VALUES (:r, :subject, "
                ":customer, :assignee, :priority, :status, :channel, :region, :tier, :area, "
                ":issue, :created, :updated, :clock, :due, :risk) RETURNING id"
            ),
            {
                "r": ticket.remote_id,
                "subject": ticket.subject,
                "customer": customer_id,
                "assignee": assignee_id,
                "priority": priority.value,
                "status": status.value,
                "channel": channel.value,
                "region": region.value,
                "tier": tier.value,
                "area": ticket.custom_fields.get("Product area", ""),
                "issue": ticket.custom_fields.get("Issue type", ""),
                "created": to_db(ticket.created_at),
                "updated": to_db(ticket.updated_at),
                "clock": None if clock.clock is None else clock.clock.value,
                "due": None if clock.due_at is None else to_db(clock.due_at),
                "risk": None if clock.at_risk_at is None else to_db(clock.at_risk_at),
            },
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO audit (ticket_id, actor, action, field, new_value, at) "
                "VALUES (:t, 'sync', 'sync_pull', 'remote_id', :r, :at)"
            ),
            {"t": ticket_id, "r": ticket.remote_id, "at": to_db(now)},
        )
        state.save_ticket_sync(
            connection,
            int(ticket_id),
            BACKEND,
            etag=None,
            remote_updated_at=ticket.updated_at,
            remote_values={f: ticket.rt_value(f) for f in RT_FIELD},
        )


def _regions(connection: Connection, remote_ids: Any) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for remote_id in remote_ids:
        value = connection.execute(
            text("SELECT region FROM tickets WHERE remote_id = :r"), {"r": remote_id}
        ).scalar_one_or_none()
        if value is not None:
            regions[remote_id] = Region(value)
    return regions


def _enum(kind: Any, value: str | None, default: Any) -> Any:
    try:
        return kind(value) if value else default
    except ValueError:
        return default


def _customer(connection: Connection, requestor: str, region: Region, at: datetime) -> int:
    account = f"rt:{requestor or 'unknown'}"
    found = connection.execute(
        text("SELECT id FROM customers WHERE account_id = :a"), {"a": account}
    ).scalar_one_or_none()
    if found is not None:
        return int(found)
    return int(
        connection.execute(
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


def _dirty_fields(connection: Connection, ticket_id: int) -> set[str]:
    """Fields with an edit not yet confirmed by RT: the pull must not overwrite them."""
    import json

    dirty: set[str] = set()
    rows = connection.execute(
        text("SELECT payload FROM outbox WHERE ticket_id = :t AND state IN ('pending', 'parked')"),
        {"t": ticket_id},
    )
    for (payload,) in rows:
        for name in json.loads(payload).get("fields") or {}:
            dirty.add("assignee" if name == "assignee_id" else name)
    return dirty


def _local_word(name: str, ticket: RemoteTicket, local: str) -> str:
    if name == "status":
        return status_from_rt(ticket.status, Status(local)).value
    if name == "priority":
        return priority_keeps_local(ticket.priority, Priority(local)).value
    return "" if ticket.owner == NOBODY else ticket.owner
