"""Conflicts: the same field changed here and in the helpdesk. Recorded, shown, resolved by hand.

Nothing is lost: the row keeps the value the edit started from, the agent's value and the remote
value with who set it and when. Resolving writes through the same kind of transaction as any
edit: "keep mine" and "edit" queue an outbox op that sends the chosen value (based on the remote
value, so it rebases cleanly); "take theirs" writes the remote value locally and sends nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, text

from agentdesk.core.errors import Refused
from agentdesk.core.ticket import Priority, Status
from agentdesk.store.engine import Store
from agentdesk.store.remote_fields import set_remote_fields
from agentdesk.store.types import from_db, to_db


class Resolution(StrEnum):
    KEEP_MINE = "kept_mine"
    TAKE_THEIRS = "took_theirs"
    EDIT = "edited"


@dataclass(frozen=True)
class Conflict:
    id: int
    ticket_id: int
    field: str  # status, priority or assignee
    base_value: str | None  # what the local edit started from
    local_value: str | None  # the agent's value
    remote_value: str | None  # the helpdesk's value
    remote_actor: str
    remote_at: datetime | None
    state: str
    created_at: datetime

    @property
    def is_open(self) -> bool:
        return self.state == "open"


class ConflictError(Refused, ValueError):
    """A resolution that cannot be applied; the message says which conflict and why."""


def record_conflict(
    connection: Connection,
    *,
    ticket_id: int,
    outbox_id: int | None,
    field: str,
    base_value: str | None,
    local_value: str | None,
    remote_value: str | None,
    remote_actor: str,
    remote_at: datetime | None,
    now: datetime,
) -> int:
    """One open conflict per ticket and field: a newer clash updates it instead of piling up."""
    existing = connection.execute(
        text(
            "SELECT id FROM sync_conflicts WHERE ticket_id = :t AND field = :f AND state = 'open'"
        ),
        {"t": ticket_id, "f": field},
    ).scalar_one_or_none()
    params = {
        "t": ticket_id,
        "o": outbox_id,
        "f": field,
        "base": base_value,
        "local": local_value,
        "remote": remote_value,
        "actor": remote_actor,
        "at": None if remote_at is None else to_db(remote_at),
        "now": to_db(now),
    }
    if existing is not None:
        connection.execute(
            text(
                "UPDATE sync_conflicts SET local_value = :local, remote_value = :remote, "
                "remote_actor = :actor, remote_at = :at, outbox_id = :o WHERE id = :id"
            ),
            {**params, "id": existing},
        )
        return int(existing)
    return int(
        connection.execute(
            text(
                "INSERT INTO sync_conflicts (ticket_id, outbox_id, field, base_value, "
                "local_value, remote_value, remote_actor, remote_at, created_at) VALUES "
                "(:t, :o, :f, :base, :local, :remote, :actor, :at, :now) RETURNING id"
            ),
            params,
        ).scalar_one()
    )


def _conflict(row: object) -> Conflict:
    return Conflict(
        id=row.id,  # type: ignore[attr-defined]
        ticket_id=row.ticket_id,  # type: ignore[attr-defined]
        field=row.field,  # type: ignore[attr-defined]
        base_value=row.base_value,  # type: ignore[attr-defined]
        local_value=row.local_value,  # type: ignore[attr-defined]
        remote_value=row.remote_value,  # type: ignore[attr-defined]
        remote_actor=row.remote_actor,  # type: ignore[attr-defined]
        remote_at=None if row.remote_at is None else from_db(row.remote_at),  # type: ignore[attr-defined]
        state=row.state,  # type: ignore[attr-defined]
        created_at=from_db(row.created_at),  # type: ignore[attr-defined]
    )


def list_conflicts(connection: Connection, *, open_only: bool = True) -> list[Conflict]:
    where = "WHERE state = 'open'" if open_only else ""
    rows = connection.execute(text(f"SELECT * FROM sync_conflicts {where} ORDER BY id"))
    return [_conflict(row) for row in rows]


def open_fields(connection: Connection, ticket_id: int) -> set[str]:
    rows = connection.execute(
        text("SELECT field FROM sync_conflicts WHERE ticket_id = :t AND state = 'open'"),
        {"t": ticket_id},
    )
    return {row[0] for row in rows}


def _check_value(field: str, value: str) -> str:
    try:
        if field == "status":
            return Status(value).value
        if field == "priority":
            return Priority(value).value
    except ValueError:
        raise ConflictError(f"{value!r} is not a valid {field}") from None
    return value.strip()


def resolve(
    store: Store,
    conflict_id: int,
    resolution: Resolution,
    *,
    actor: str,
    now: datetime,
    value: str | None = None,
) -> Conflict:
    """Keep mine, take theirs, or edit (value required). Returns the resolved conflict."""
    with store.write() as connection:
        row = connection.execute(
            text("SELECT * FROM sync_conflicts WHERE id = :id"), {"id": conflict_id}
        ).one_or_none()
        if row is None:
            raise ConflictError(f"conflict {conflict_id} does not exist")
        conflict = _conflict(row)
        if not conflict.is_open:
            raise ConflictError(f"conflict {conflict_id} is already resolved ({conflict.state})")
        if resolution is Resolution.EDIT:
            if value is None or not value.strip():
                raise ConflictError(f"conflict {conflict_id}: editing needs a value")
            chosen: str | None = _check_value(conflict.field, value)
        elif resolution is Resolution.KEEP_MINE:
            chosen = conflict.local_value
        else:
            chosen = conflict.remote_value
        field_values = {conflict.field: chosen or ""}
        set_remote_fields(
            connection,
            conflict.ticket_id,
            field_values,
            actor=actor,
            action=f"conflict_{resolution.value}",
            now=now,
            policy=store.policy,
        )
        if resolution is not Resolution.TAKE_THEIRS and chosen != conflict.remote_value:
            # Sent as an edit from the remote value: the push rebases it like any other.
            payload = {
                "fields": {conflict.field: {"from": conflict.remote_value, "to": chosen}},
                "conflict_id": conflict_id,
            }
            connection.execute(
                text(
                    "INSERT INTO outbox (ticket_id, op, payload, created_at) "
                    "VALUES (:t, 'resolve_conflict', :p, :at)"
                ),
                {
                    "t": conflict.ticket_id,
                    "p": json.dumps(payload, sort_keys=True),
                    "at": to_db(now),
                },
            )
        connection.execute(
            text(
                "UPDATE sync_conflicts SET state = :s, resolved_value = :v, resolved_by = :by, "
                "resolved_at = :at WHERE id = :id"
            ),
            {
                "s": resolution.value,
                "v": chosen,
                "by": actor,
                "at": to_db(now),
                "id": conflict_id,
            },
        )
        updated = connection.execute(
            text("SELECT * FROM sync_conflicts WHERE id = :id"), {"id": conflict_id}
        ).one()
    return _conflict(updated)


class ConflictRows:
    """The conflict half of the sync port (see store/sync_port.py)."""

    connection: Connection

    def record_conflict(
        self,
        *,
        ticket_id: int,
        outbox_id: int | None,
        field: str,
        base_value: str | None,
        local_value: str | None,
        remote_value: str | None,
        remote_actor: str,
        remote_at: datetime | None,
        now: datetime,
    ) -> int:
        return record_conflict(
            self.connection,
            ticket_id=ticket_id,
            outbox_id=outbox_id,
            field=field,
            base_value=base_value,
            local_value=local_value,
            remote_value=remote_value,
            remote_actor=remote_actor,
            remote_at=remote_at,
            now=now,
        )

    def open_conflict_fields(self, ticket_id: int) -> set[str]:
        return open_fields(self.connection, ticket_id)
