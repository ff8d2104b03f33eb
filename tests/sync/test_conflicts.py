"""Conflict rows and their three resolutions, on a real store."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from agentdesk.core.ticket import Priority
from agentdesk.store.conflicts import (
    ConflictError,
    Resolution,
    list_conflicts,
    record_conflict,
    resolve,
)
from tests.store.factory import add_people, add_ticket


@pytest.fixture
def conflict_id(store, now) -> int:
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(hours=1), priority=Priority.P3)
    with store.write() as connection:
        return record_conflict(
            connection,
            ticket_id=1,
            outbox_id=None,
            field="priority",
            base_value="P2",
            local_value="P3",
            remote_value="P0",
            remote_actor="li.wei",
            remote_at=now,
            now=now,
        )


def _ticket(store):
    with store.read() as connection:
        return connection.execute(text("SELECT * FROM tickets WHERE id = 1")).one()


def _outbox(store) -> list[dict]:
    with store.read() as connection:
        return [
            json.loads(row[0])
            for row in connection.execute(text("SELECT payload FROM outbox ORDER BY id"))
        ]


def test_a_second_clash_on_the_same_field_updates_the_open_row(store, conflict_id, now) -> None:
    with store.write() as connection:
        again = record_conflict(
            connection,
            ticket_id=1,
            outbox_id=None,
            field="priority",
            base_value="P3",
            local_value="P4",
            remote_value="P1",
            remote_actor="amara.okafor",
            remote_at=now,
            now=now,
        )
        (only,) = list_conflicts(connection)
    assert again == conflict_id
    assert (only.base_value, only.local_value, only.remote_value) == ("P2", "P4", "P1")


def test_keep_mine_queues_my_value_based_on_theirs(store, conflict_id, now) -> None:
    done = resolve(store, conflict_id, Resolution.KEEP_MINE, actor="amara.okafor", now=now)
    assert done.state == "kept_mine" and not done.is_open
    assert _ticket(store).priority == "P3"
    assert _outbox(store) == [
        {"conflict_id": conflict_id, "fields": {"priority": {"from": "P0", "to": "P3"}}}
    ]


def test_take_theirs_writes_their_value_and_sends_nothing(store, conflict_id, now) -> None:
    resolve(store, conflict_id, Resolution.TAKE_THEIRS, actor="amara.okafor", now=now)
    ticket = _ticket(store)
    assert ticket.priority == "P0" and ticket.sla_due_at is not None
    assert _outbox(store) == []
    with store.read() as connection:
        audit = connection.execute(
            text("SELECT action, old_value, new_value FROM audit WHERE field = 'priority'")
        ).one()
    assert tuple(audit) == ("conflict_took_theirs", "P3", "P0")


def test_edit_sets_a_third_value_and_checks_it(store, conflict_id, now) -> None:
    with pytest.raises(ConflictError, match="'P9' is not a valid priority"):
        resolve(store, conflict_id, Resolution.EDIT, actor="a", now=now, value="P9")
    with pytest.raises(ConflictError, match="needs a value"):
        resolve(store, conflict_id, Resolution.EDIT, actor="a", now=now, value=" ")
    resolve(store, conflict_id, Resolution.EDIT, actor="a", now=now, value="P1")
    assert _ticket(store).priority == "P1"
    assert _outbox(store)[0]["fields"] == {"priority": {"from": "P0", "to": "P1"}}
    with pytest.raises(ConflictError, match="already resolved"):
        resolve(store, conflict_id, Resolution.KEEP_MINE, actor="a", now=now)
    with pytest.raises(ConflictError, match="does not exist"):
        resolve(store, 999, Resolution.KEEP_MINE, actor="a", now=now)
