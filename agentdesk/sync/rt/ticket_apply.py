"""One RT ticket as RT holds it, into its local ticket: the pull's rules, in one place.

Both the pull and the push's read-back after a PUT come here, so whatever RT holds reaches
the local store the same way, whoever read it: a field with a pending local edit or an open
conflict is kept (the edit goes out on the next push, whose rebase raises the conflict if RT
moved it), every other field takes RT's value. The push saves RT's LastUpdated after its PUT;
were the colleague's changes it saw not applied with it, the pull would skip the ticket as
unchanged and they would never arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agentdesk.core.ticket import Priority, Status
from agentdesk.store.stamps import to_db
from agentdesk.store.sync_port import SyncRows
from agentdesk.sync.rt.mapping import (
    NOBODY,
    RT_FIELD,
    RemoteTicket,
    priority_keeps_local,
    status_from_rt,
)

BACKEND = "rt"


@dataclass(frozen=True)
class Applied:
    changed: bool  # some local field or the subject took RT's value
    kept_local: int  # fields RT differs on, kept for a pending edit or an open conflict
    unchanged: bool  # RT's copy is the one already known, and local agrees with it


def apply_remote_ticket(
    rows: SyncRows,
    ticket_id: int,
    ticket: RemoteTicket,
    *,
    etag: str | None,
    now: datetime,
) -> Applied:
    """RT's copy of the ticket into the local one. etag: the ETag that came with this copy
    (a GET), or None when unknown (a search)."""
    known = rows.ticket_sync(ticket_id)
    same_version = known.remote_updated_at == to_db(ticket.updated_at)
    dirty = rows.dirty_fields(ticket_id) | rows.open_conflict_fields(ticket_id)
    local = rows.local_values(ticket_id)
    values: dict[str, str] = {}
    kept = 0
    for name in RT_FIELD:
        theirs = local_word(name, ticket, local[name])
        if theirs == local[name]:
            continue
        if name in dirty:
            kept += 1  # the pending edit goes out on the next push
            continue
        values[name] = theirs
    extra = {}
    if rows.subject_of(ticket_id) != ticket.subject:
        extra["subject"] = ticket.subject
    if same_version and not values and not extra:
        # The overlap window re-reads recent tickets: nothing new, and the ETag still holds.
        if etag is not None and etag != known.etag:
            _save(rows, ticket_id, ticket, etag)
        return Applied(changed=False, kept_local=kept, unchanged=True)
    rows.set_remote_fields(
        ticket_id, values, actor=f"rt:{ticket.owner}", action="sync_pull", now=now, extra=extra
    )
    # A search brings no ETag: if RT's copy moved since we last read it, the one we had is stale.
    _save(rows, ticket_id, ticket, etag if etag is not None or not same_version else known.etag)
    return Applied(changed=bool(values or extra), kept_local=kept, unchanged=False)


def _save(rows: SyncRows, ticket_id: int, ticket: RemoteTicket, etag: str | None) -> None:
    rows.save_ticket_sync(
        ticket_id,
        BACKEND,
        etag=etag,
        remote_updated_at=ticket.updated_at,
        remote_values={f: ticket.rt_value(f) for f in RT_FIELD},
    )


def local_word(name: str, ticket: RemoteTicket, local: str) -> str:
    """RT's value of a synced field in agentdesk's words, keeping the local one when RT's
    vocabulary cannot tell them apart (open: assigned or in progress; 90: P0)."""
    if name == "status":
        return status_from_rt(ticket.status, Status(local)).value
    if name == "priority":
        return priority_keeps_local(ticket.priority, Priority(local)).value
    return "" if ticket.owner == NOBODY else ticket.owner
