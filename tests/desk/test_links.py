"""Links between tickets and merging a duplicate, on a real temp SQLite store."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest

from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.links import LinkKind
from agentdesk.core.ticket import Status
from agentdesk.desk import Desk, ticket_work
from agentdesk.desk.links import link_tickets, merge_into, ticket_number
from agentdesk.store.engine import Store
from tests.store.factory import add_ticket, replied


def _rows(store: Store, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as connection:
        return connection.execute(sql, params).fetchall()


@pytest.fixture
def tickets(desk: Desk, store: Store, now: datetime) -> Desk:
    add_ticket(store, 1, created_at=now - timedelta(hours=3), subject="Parcel lost")
    add_ticket(store, 2, created_at=now - timedelta(hours=1), subject="Parcel lost (again)")
    add_ticket(store, 3, created_at=now - timedelta(hours=1), subject="Courier outage")
    replied(store, 1, now - timedelta(hours=2), "We asked the courier.")
    replied(store, 2, now - timedelta(minutes=30), "Same parcel as before?")
    return desk


def test_a_link_is_written_with_its_audit_and_outbox_op(tickets: Desk, store: Store) -> None:
    link_tickets(tickets, 1, 3, LinkKind.PARENT_INCIDENT)
    assert _rows(
        store, "SELECT ticket_id, other_ticket_id, kind, created_by FROM ticket_links"
    ) == [(1, 3, "parent_incident", "amara.okafor")]
    ((op, payload),) = _rows(store, "SELECT op, payload FROM outbox WHERE ticket_id = 1")
    assert (op, json.loads(payload)) == (
        "link",
        {"link": {"kind": "parent_incident", "other_ticket_id": 3}},
    )
    assert _rows(store, "SELECT ticket_id, new_value FROM audit WHERE action = 'link'") == [
        (1, "#3"),
        (3, "#1 (from)"),
    ]
    opened = ticket_work.read_ticket(tickets, 3)
    assert opened is not None
    ((link),) = opened.workspace.links
    assert (link.kind, link.outgoing, link.other_id, link.subject) == (
        "parent_incident",
        False,
        1,
        "Parcel lost",
    )


def test_a_link_twice_to_itself_or_to_nothing_is_refused(tickets: Desk) -> None:
    link_tickets(tickets, 1, 2, LinkKind.REFERS_TO)
    with pytest.raises(Refused, match="#1 already refers to #2"):
        link_tickets(tickets, 1, 2, LinkKind.REFERS_TO)
    with pytest.raises(Refused, match="cannot be linked to itself"):
        link_tickets(tickets, 1, 1, LinkKind.DEPENDS_ON)
    with pytest.raises(Refused, match="no ticket #99 in this store"):
        link_tickets(tickets, 1, 99, LinkKind.DEPENDS_ON)


def test_a_merged_duplicate_is_closed_and_its_conversation_shows_on_the_target(
    tickets: Desk, store: Store, now: datetime
) -> None:
    merge_into(tickets, 2, 1)
    status, closed_at, clock = _rows(
        store, "SELECT status, closed_at, sla_clock FROM tickets WHERE id = 2"
    )[0]
    assert (status, clock) == ("closed", None) and closed_at is not None
    ((op, payload),) = _rows(store, "SELECT op, payload FROM outbox WHERE ticket_id = 2")
    assert (op, json.loads(payload)) == ("merge", {"merge": {"into_ticket_id": 1}})
    target = ticket_work.read_ticket(tickets, 1)
    assert target is not None
    assert [m.body for m in target.workspace.detail.messages] == [
        "We asked the courier.",
        "Same parcel as before?",
    ]
    assert [(link.kind, link.other_id) for link in target.workspace.links] == [("merged_from", 2)]
    duplicate = ticket_work.read_ticket(tickets, 2)
    assert duplicate is not None
    assert duplicate.workspace.snapshot.status is Status.CLOSED
    assert [(link.kind, link.other_id) for link in duplicate.workspace.links] == [
        ("merged_into", 1)
    ]
    # Closed now: not merged again, and nothing is merged into it either.
    with pytest.raises(Refused, match="the ticket is Closed: cannot merge it"):
        merge_into(tickets, 2, 3)
    with pytest.raises(Refused, match="#2 is itself merged into another ticket"):
        merge_into(tickets, 3, 2)


def test_a_ticket_is_not_merged_into_itself(tickets: Desk) -> None:
    with pytest.raises(Refused, match="cannot be merged into itself"):
        merge_into(tickets, 2, 2)


@pytest.mark.parametrize(("typed", "number"), [("#12", 12), (" 12 ", 12), ("# 7", 7)])
def test_the_other_ticket_is_typed_as_a_number(typed: str, number: int) -> None:
    assert ticket_number(typed) == number


@pytest.mark.parametrize("typed", ["", "#", "twelve", "12a", "0", "-3"])
def test_a_wrong_ticket_number_names_what_was_typed(typed: str) -> None:
    with pytest.raises(BadInput, match="is not a ticket number like #123"):
        ticket_number(typed)
