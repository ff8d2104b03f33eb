"""The three-step confirmation at the desk: recorded with its conversation entry, outbox and
audit rows in one transaction, a decline's reason kept, a resolve waiting on agreement."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from agentdesk.core.changes import ChangeRefused, TicketChange
from agentdesk.core.confirmation import render_entry
from agentdesk.core.errors import ReadOnly
from agentdesk.core.quality import Confirmation
from agentdesk.core.ticket import Status
from agentdesk.desk.confirmation import record_confirmation
from agentdesk.store.engine import Store
from agentdesk.store.writes import apply_change
from tests.conftest import FIXED_NOW
from tests.desk.verify_fixtures import Clock, desk_for, rows, stamp
from tests.store.factory import add_people, add_ticket, complete_note, replied, verified

RESOLVE = TicketChange("resolve", status=Status.RESOLVED, note=complete_note())


def _documented(store: Store, clock: Clock) -> None:
    """The structured note, then a public reply after it (the 48-hour quality check)."""
    apply_change(store, 1, TicketChange("note", note=complete_note()), actor="a", now=clock())
    replied(store, 1, clock())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(store: Store) -> Store:
    add_people(store, FIXED_NOW)
    add_ticket(store, 1, created_at=FIXED_NOW - timedelta(hours=1), status=Status.IN_PROGRESS)
    verified(store, 1, FIXED_NOW)
    return store


def _agreed(clock: Clock, solution: str = "Send a new reset link") -> Confirmation:
    return Confirmation("Cannot log in", solution, "Mon 23 Nov, 16:00 UTC", True, clock())


def test_an_agreement_is_recorded_with_its_entry_outbox_and_audit(
    people: Store, clock: Clock
) -> None:
    confirmation = _agreed(clock, "Call back at 16:00 with a link")
    record_confirmation(desk_for(people, clock), 1, confirmation, ["wants a call back instead"])
    assert rows(
        people,
        "SELECT restated_issue, proposed_solution, etr, customer_agreed, agent, recorded_at "
        "FROM confirmations",
    ) == [
        (
            "Cannot log in",
            "Call back at 16:00 with a link",
            "Mon 23 Nov, 16:00 UTC",
            1,
            "amara.okafor",
            stamp(0),
        )
    ]
    entry = render_entry(confirmation, ["wants a call back instead"])
    assert "Declined proposal 1: wants a call back instead" in entry
    assert rows(people, "SELECT kind, author, agent_id, body FROM messages") == [
        ("internal_note", "Amara Okafor", 1, entry)
    ]
    assert rows(people, "SELECT op, payload FROM outbox") == [
        (
            "confirm",
            json.dumps({"message": {"body": entry, "kind": "internal_note"}}, sort_keys=True),
        )
    ]
    assert rows(
        people,
        "SELECT actor, action, field, old_value, new_value, at FROM audit WHERE action = 'confirm'",
    ) == [("amara.okafor", "confirm", "confirmation", None, "agreed", stamp(0))]


def test_the_resolve_waits_for_the_agreement(people: Store, clock: Clock) -> None:
    _documented(people, clock)
    with pytest.raises(ChangeRefused, match="three-step confirmation missing"):
        apply_change(people, 1, RESOLVE, actor="amara.okafor", now=clock())
    record_confirmation(desk_for(people, clock), 1, _agreed(clock))
    clock.advance(minutes=1)
    assert apply_change(people, 1, RESOLVE, actor="amara.okafor", now=clock()).after.status is (
        Status.RESOLVED
    )


def test_a_confirmation_without_agreement_is_kept_and_resolves_nothing(
    people: Store, clock: Clock
) -> None:
    declined = Confirmation("Cannot log in", "Send a reset link", "2h", False, clock())
    record_confirmation(desk_for(people, clock), 1, declined, ["wants a call back"])
    assert rows(people, "SELECT new_value FROM audit WHERE action = 'confirm'") == [("not agreed",)]
    body = rows(people, "SELECT body FROM messages")[0][0]
    assert body.endswith("3. No agreement.") and "Declined proposal 1: wants a call back" in body
    clock.advance(minutes=1)
    with pytest.raises(ChangeRefused, match="three-step confirmation missing"):
        apply_change(people, 1, RESOLVE, actor="amara.okafor", now=clock())


def test_a_confirmation_before_a_reopen_belongs_to_the_earlier_interaction(
    people: Store, clock: Clock
) -> None:
    desk = desk_for(people, clock)
    _documented(people, clock)
    record_confirmation(desk, 1, _agreed(clock))
    apply_change(people, 1, RESOLVE, actor="amara.okafor", now=clock.advance(minutes=1))
    reopen = TicketChange("reopen", status=Status.IN_PROGRESS)
    apply_change(people, 1, reopen, actor="amara.okafor", now=clock.advance(minutes=1))
    verified(people, 1, clock.advance(minutes=1))
    with pytest.raises(ChangeRefused, match="belongs to the earlier interaction"):
        apply_change(people, 1, RESOLVE, actor="amara.okafor", now=clock())
    record_confirmation(desk, 1, _agreed(clock, "A new device link"))
    clock.advance(minutes=1)
    apply_change(people, 1, RESOLVE, actor="amara.okafor", now=clock())


def test_without_an_agent_record_the_desks_actor_is_named(people: Store, clock: Clock) -> None:
    desk = desk_for(people, clock, None)
    record_confirmation(desk, 1, _agreed(clock))
    handle = desk.actor.handle
    assert rows(people, "SELECT agent FROM confirmations") == [(handle,)]
    assert rows(people, "SELECT author, agent_id FROM messages") == [(handle, None)]


def test_a_read_only_desk_records_no_confirmation(people: Store, clock: Clock) -> None:
    with pytest.raises(ReadOnly, match="cannot record the three-step confirmation"):
        record_confirmation(desk_for(people, clock, read_only=True), 1, _agreed(clock))
    assert rows(people, "SELECT count(*) FROM confirmations") == [(0,)]
    assert rows(people, "SELECT count(*) FROM messages") == [(0,)]
