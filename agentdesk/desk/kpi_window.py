"""The window of facts desk.kpis.kpi_overview reads (issue 15, at scale), kept by week of
ticket opening, and how a change in the store is found: a week whose fingerprint moved
(store.kpi_reads.slice_fingerprints) compares its tickets' versions with the ones it kept,
then the rows of those that moved and its breaches; new audit rows name their tickets.
Only the tickets that changed are read again; desk.kpi_kept updates the kept facts with
them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from agentdesk.core import kpi
from agentdesk.core.kpi import KpiInputs, ReviewScore, SurveyAnswer, TicketFacts
from agentdesk.desk.kpi_kept import Change, Facts, Touched

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from agentdesk.core.sla import SlaPolicy
    from agentdesk.store.kpi_reads import Row

# The window's facts are kept by this stretch of ticket opening (store.kpi_reads'
# slice_fingerprints): a change reads again only what changed in the weeks it touched.
SLICE = timedelta(days=7)

_ID = attrgetter("id")
_END_AND_TICKET = attrgetter("end", "ticket_id")

# Called each time tickets are read from the store (tests count them): the week's bounds,
# and the tickets read (None: all the week's).
slice_read_hook: Callable[[datetime, datetime, frozenset[int] | None], None] | None = None


@dataclass(frozen=True)
class Slice:
    """The tickets opened in one week of the window: their update stamps and versions, their
    rows as stored, their facts (with the response time, by id) and finished interactions
    (by end, then ticket), read at the slice's fingerprint."""

    key: tuple[object, ...]
    versions: dict[int, tuple[Any, ...]]
    rows: dict[int, Row]
    tickets: list[TicketFacts]
    work: list[kpi.Interaction]
    owner: dict[int, str | None]


class Window:
    """One window's facts, kept by week of ticket opening: after a change only the tickets
    that changed are read again, and only the KPI sets whose share holds a changed item are
    computed again."""

    def __init__(self, since: datetime, until: datetime) -> None:
        self.bounds = [since]
        while self.bounds[-1] + SLICE < until:
            self.bounds.append(self.bounds[-1] + SLICE)
        self.bounds.append(until)
        self.slices: list[Slice] = []
        self.audit_top = 0
        self.agents: dict[str, str] = {}
        self.facts: Facts | None = None
        self.fresh_at: tuple[object, ...] | None = None
        self.rest: tuple[list[SurveyAnswer], list[ReviewScore], list[datetime]] = ([], [], [])
        self.rest_key: tuple[object, ...] = ()

    def _slice_of(self, created: datetime) -> int | None:
        k = bisect_right(self.bounds, created) - 1
        return k if 0 <= k < len(self.bounds) - 1 else None

    def refresh(
        self, connection: Connection, key: tuple[object, ...], policy: SlaPolicy, now: datetime
    ) -> Facts:
        from agentdesk.store import kpi_reads

        if self.facts is not None and self.fresh_at == key:
            return self.facts
        # The audit's top first: a row landing after it is read again next time, not lost.
        audit_top = kpi_reads.audit_max_id(connection)
        agents = kpi_reads.read_agents(connection)
        # The breaches' parts of the weeks' keys are read again only when the breaches
        # table moved (a join over every breach, the costlier half).
        last = self.fresh_at
        if (
            last is not None
            and self.slices
            and kpi_reads.breach_parts(key) == kpi_reads.breach_parts(last)
        ):
            breaches = [part.key[4:6] for part in self.slices]
            keys = kpi_reads.slice_fingerprints(connection, self.bounds, breaches)
        else:
            keys = kpi_reads.slice_fingerprints(connection, self.bounds)
        before = self.facts if self.slices and agents == self.agents else None
        changes: dict[int, Change] = {}
        if before is None:
            slices = [
                self._read(connection, k, key_, agents, policy, now) for k, key_ in enumerate(keys)
            ]
        else:
            slices = self._changed(connection, keys, audit_top, agents, policy, now, changes)
        # The answers, reviews and breach moments: read again when their tables moved, or
        # a ticket's agent did (an answer is its ticket's agent's).
        rest_key = kpi_reads.rest_of(key)
        moved = {n for n, c in changes.items() if c.owner_moved}
        owners_moved = bool(moved) and any(a.ticket_id in moved for a in self.rest[0])
        if before is None or rest_key != self.rest_key or owners_moved:
            owner: dict[int, str | None] = {}
            for part in slices:
                owner.update(part.owner)
            rest = kpi_reads.read_window_rest(connection, self.bounds[0], self.bounds[-1], owner)
        else:
            rest = self.rest
        touched = Touched()
        for c in changes.values():
            touched.change(c)
        # In place while the answers and reviews are the same (new breaches move only the
        # heatmap's moments).
        same_items = rest is self.rest or (rest[0] == self.rest[0] and rest[1] == self.rest[1])
        if before is not None and same_items and before.updated(changes.values(), touched):
            facts = before
            if rest[2] != before.breach_moments:
                facts.breach_moments = rest[2]
                facts.sections.clear()
        else:
            answers, reviews, breach_moments = rest
            # read_window's orders: tickets by id; interactions as core.kpi.interactions
            # sorts them (a ticket's all come from its one slice, so ties keep their order).
            inputs = KpiInputs(
                tickets=sorted((t for p in slices for t in p.tickets), key=_ID),
                work=sorted((w for p in slices for w in p.work), key=_END_AND_TICKET),
                answers=answers,
                reviews=reviews,
            )
            if before is not None and rest is not self.rest:
                touched.items(self.rest[0], answers)
                touched.items(self.rest[1], reviews)
            facts = Facts(inputs, breach_moments, before, touched if before else None)
        self.facts = facts
        self.slices, self.audit_top, self.agents, self.fresh_at = slices, audit_top, agents, key
        self.rest, self.rest_key = rest, rest_key
        return facts

    def _read(
        self,
        connection: Connection,
        k: int,
        key: tuple[object, ...],
        agents: dict[str, str],
        policy: SlaPolicy,
        now: datetime,
    ) -> Slice:
        """Week k read whole."""
        from agentdesk.store import kpi_reads

        since, until = self.bounds[k], self.bounds[k + 1]
        if slice_read_hook is not None:
            slice_read_hook(since, until, None)
        # The versions first: a write landing between the two reads moves a version next
        # time, and that ticket is compared again.
        versions = kpi_reads.ticket_versions(connection, since, until)
        part = kpi_reads.read_ticket_slice(connection, since, until, agents)
        return Slice(
            key,
            versions,
            part.rows,
            kpi.with_response_seconds(part.tickets, policy),
            kpi.interactions(part.audit, part.channels, agents, now),
            part.owner,
        )

    def _changed(
        self,
        connection: Connection,
        keys: list[tuple[object, ...]],
        audit_top: int,
        agents: dict[str, str],
        policy: SlaPolicy,
        now: datetime,
        changes: dict[int, Change],
    ) -> list[Slice]:
        """The kept weeks with the tickets that changed read again; `changes` gets what
        changed, ticket by ticket."""
        from agentdesk.store import kpi_reads

        dirty: dict[int, set[int]] = {}
        if audit_top != self.audit_top:
            for ticket_id, created in kpi_reads.audit_tickets_since(connection, self.audit_top):
                k = self._slice_of(created)
                if k is not None:
                    dirty.setdefault(k, set()).add(ticket_id)
        fetched: dict[int, tuple[dict[int, tuple[Any, ...]], dict[int, Row]]] = {}
        for k, slice_key in enumerate(keys):
            old = self.slices[k]
            if old.key == slice_key:
                continue
            since, until = self.bounds[k], self.bounds[k + 1]
            # Every ticket write bumps its version: the tickets whose (stamp, version) moved
            # (or that came or went) are the ones whose rows may differ; of those, the ones
            # whose rows do are read again.
            versions = kpi_reads.ticket_versions(connection, since, until)
            moved = {n for n, _ in versions.items() ^ old.versions.items()}
            rows = kpi_reads.ticket_rows(connection, since, until, moved)
            fetched[k] = (versions, rows)
            ids = dirty.setdefault(k, set())
            ids.update(n for n in moved if rows.get(n) != old.rows.get(n))
            if slice_key[4:] != old.key[4:]:  # its breaches
                was = {t.id for t in old.tickets if t.breached}
                ids.update(was ^ kpi_reads.breached_tickets(connection, since, until))
        slices = list(self.slices)
        for k, ids in dirty.items():
            old = self.slices[k]
            versions, rows = fetched.get(k, (old.versions, {}))
            if not ids:  # the rows that moved are the same
                slices[k] = Slice(keys[k], versions, old.rows, old.tickets, old.work, old.owner)
                continue
            since, until = self.bounds[k], self.bounds[k + 1]
            if slice_read_hook is not None:
                slice_read_hook(since, until, frozenset(ids))
            part = kpi_reads.read_ticket_slice(connection, since, until, agents, only=ids)
            fresh = kpi.with_response_seconds(part.tickets, policy)
            work = kpi.interactions(part.audit, part.channels, agents, now)
            for t in old.tickets:
                if t.id in ids:
                    changes.setdefault(t.id, Change()).old = t
            for t in fresh:
                changes.setdefault(t.id, Change()).new = t
            for w in old.work:
                if w.ticket_id in ids:
                    c = changes.setdefault(w.ticket_id, Change())
                    c.old_work = [*(c.old_work or ()), w]
            for w in work:
                c = changes.setdefault(w.ticket_id, Change())
                c.new_work = [*(c.new_work or ()), w]
            # The rows read with the facts win: they are of the same read.
            rows = {**old.rows, **rows, **part.rows}
            owner = {n: who for n, who in old.owner.items() if n not in ids} | part.owner
            slices[k] = Slice(
                keys[k],
                versions,
                {n: row for n, row in rows.items() if n in owner},
                sorted([*(t for t in old.tickets if t.id not in ids), *fresh], key=_ID),
                sorted(
                    [*(w for w in old.work if w.ticket_id not in ids), *work],
                    key=_END_AND_TICKET,
                ),
                owner,
            )
        for ticket_id in sorted(changes):  # by id: a ticket new to the store goes last
            c = changes.pop(ticket_id)
            if not c.moves_nothing:
                changes[ticket_id] = c
        return slices
