"""desk.emergency on a real temp SQLite store, with a clock the test moves: the SLA-at-risk
path's three steps each recorded with its time, the breach documented in the incident, and
the tier limit's "record why not"."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentdesk.config import Settings
from agentdesk.core.emergency import notify_countdown
from agentdesk.core.errors import ReadOnly, Refused
from agentdesk.core.ticket import Priority, Status, Tier
from agentdesk.desk import Desk, emergency, ticket_work
from agentdesk.desk import queue as desk_queue
from agentdesk.session import Session
from agentdesk.store.engine import Store
from tests.desk.conftest import AMARA
from tests.store.factory import add_people, add_ticket, verified

TICKET = 10


class MovingClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _desk(store: Store, clock: MovingClock, *, read_only: bool = False) -> Desk:
    settings = Settings(
        profile="test",
        config_path=None,
        db_path=store.path,
        cache_dir=Path(store.path).parent / "cache",
        agent_handle=AMARA.handle,
    )
    return Desk(Session(settings, store, AMARA), clock, read_only=read_only)


def _rows(store: Store, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as connection:
        return connection.execute(sql, params).fetchall()


@pytest.fixture
def clock(now: datetime) -> MovingClock:
    return MovingClock(now)


@pytest.fixture
def at_risk(store: Store, now: datetime) -> int:
    """A P1 email ticket in EMEA, 50 minutes old and unanswered: its first response (60 min)
    turned at risk at 45 minutes (sla.toml at_risk_fraction 0.25), 5 minutes ago."""
    add_people(store, now)
    add_ticket(
        store,
        TICKET,
        created_at=now - timedelta(minutes=50),
        priority=Priority.P1,
        status=Status.IN_PROGRESS,
        assignee_id=1,
    )
    verified(store, TICKET, now - timedelta(minutes=20))
    return TICKET


def _workspace(desk: Desk) -> Any:
    opened = ticket_work.read_ticket(desk, TICKET)
    assert opened is not None
    return opened.workspace


def test_the_at_risk_path_end_to_end(store: Store, clock: MovingClock, at_risk: int) -> None:
    desk = _desk(store, clock)
    began = clock.now - timedelta(minutes=5)
    workspace = _workspace(desk)
    found = emergency.urgency(desk, workspace.snapshot, workspace.escalation)
    assert found.at_risk and found.risk_began_at == began
    assert (
        ticket_work.actions_now(desk, workspace.snapshot, workspace.escalation)[
            ticket_work.Action.AT_RISK
        ]
        is None
    )

    view = emergency.at_risk_view(desk, TICKET)
    assert view.manager is not None
    assert (view.manager.name, view.manager.phone) == ("Team Lead EMEA", "+44-20-7946-0101")
    assert [e.role.value for e in view.on_duty] == ["team_lead", "l2_support", "incident_manager"]
    assert view.path.next_step is not None and view.path.next_step.value == "notify"
    assert notify_countdown(view.risk_began_at, clock.now) == "10 min left to notify the manager"

    # Step 1, three minutes later: who, how, when.
    clock.now += timedelta(minutes=3)
    emergency.notify_manager(desk, view, view.manager.name, "team_lead", "phone")
    assert _rows(
        store,
        "SELECT notified_name, notified_via, notified_at, risk_began_at FROM sla_risk_paths",
    ) == [("Team Lead EMEA", "phone", "2026-11-23T14:03:00.000000Z", "2026-11-23T13:55:00.000000Z")]
    view = emergency.at_risk_view(desk, TICKET)
    assert view.path.next_step is not None and view.path.next_step.value == "incident"

    # Step 2: a P0 incident for the same customer, linked as the parent incident.
    clock.now += timedelta(minutes=1)
    incident = emergency.create_incident(desk, view, "Login service failing for many customers")
    assert _rows(
        store, "SELECT priority, status, customer_id FROM tickets WHERE id = ?", incident
    ) == [("P0", "new", 1)]
    assert _rows(store, "SELECT ticket_id, other_ticket_id, kind FROM ticket_links") == [
        (TICKET, incident, "parent_incident")
    ]
    assert _rows(store, "SELECT op FROM outbox WHERE ticket_id = ?", incident) == [("create",)]
    view = emergency.at_risk_view(desk, TICKET)
    assert view.path.incident_ticket_id == incident

    # Step 3: the shipped macro with the ETR filled, sent as a reply.
    preview, missing = emergency.customer_message(desk, TICKET, "today 16:00 UTC")
    assert "today 16:00 UTC" in preview and "{{" not in preview and missing == ()
    clock.now += timedelta(minutes=1)
    emergency.inform_customer(desk, view, "today 16:00 UTC")
    replies = _rows(
        store, "SELECT body FROM messages WHERE ticket_id = ? AND kind = 'reply'", TICKET
    )
    assert len(replies) == 1 and "today 16:00 UTC" in replies[0][0]
    assert _rows(
        store, "SELECT notified_at, incident_at, customer_informed_at, etr FROM sla_risk_paths"
    ) == [
        (
            "2026-11-23T14:03:00.000000Z",
            "2026-11-23T14:04:00.000000Z",
            "2026-11-23T14:05:00.000000Z",
            "today 16:00 UTC",
        )
    ]
    actions = [a for (a,) in _rows(store, "SELECT action FROM audit WHERE action LIKE 'sla_risk%'")]
    assert actions == ["sla_risk_notified", "sla_risk_incident", "sla_risk_customer_informed"]
    view = emergency.at_risk_view(desk, TICKET)
    assert view.path.next_step is None


def test_a_breach_after_the_risk_is_documented_in_the_incident_once(
    store: Store, clock: MovingClock, at_risk: int
) -> None:
    desk = _desk(store, clock)
    view = emergency.at_risk_view(desk, TICKET)
    incident = emergency.create_incident(desk, view, "Login outage")
    # The resolution clock (8 h for P1) passes unmet.
    clock.now += timedelta(hours=9)
    assert desk_queue.record_breaches(desk) >= 1
    assert emergency.document_breaches(desk) == 1
    notes = _rows(
        store, "SELECT body FROM messages WHERE ticket_id = ? AND kind = 'internal_note'", incident
    )
    assert len(notes) == 1 and notes[0][0].startswith(f"SLA breach on #{TICKET}")
    assert emergency.document_breaches(desk) == 0


def test_the_path_is_refused_when_the_sla_is_not_at_risk(
    store: Store, clock: MovingClock, now: datetime
) -> None:
    add_people(store, now)
    add_ticket(store, TICKET, created_at=now - timedelta(minutes=5), priority=Priority.P1)
    with pytest.raises(Refused, match="the SLA is not at risk"):
        emergency.at_risk_view(_desk(store, clock), TICKET)


def test_step_inputs_are_checked(store: Store, clock: MovingClock, at_risk: int) -> None:
    desk = _desk(store, clock)
    view = emergency.at_risk_view(desk, TICKET)
    with pytest.raises(Refused, match="name the manager"):
        emergency.notify_manager(desk, view, " ", "team_lead", "phone")
    with pytest.raises(Refused, match="say how"):
        emergency.notify_manager(desk, view, "Ann", "team_lead", "pigeon")
    with pytest.raises(Refused, match="ETR"):
        emergency.inform_customer(desk, view, "")
    with pytest.raises(Refused, match="not an open P0 incident"):
        emergency.link_open_incident(desk, view, TICKET)
    assert _rows(store, "SELECT count(*) FROM sla_risk_paths") == [(0,)]


def test_the_incident_and_its_link_are_written_together_or_not_at_all(
    store: Store, clock: MovingClock, at_risk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentdesk.store.emergency as store_emergency

    desk = _desk(store, clock)
    view = emergency.at_risk_view(desk, TICKET)
    before = _rows(store, "SELECT count(*) FROM tickets WHERE priority = 'P0'")
    ops = _rows(store, "SELECT count(*) FROM outbox")

    def broken_link(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the link could not be written")

    monkeypatch.setattr(store_emergency, "link_incident", broken_link)
    with pytest.raises(RuntimeError):
        emergency.create_incident(desk, view, "Outage")
    # No unlinked P0 incident is left behind, and no outbox op for one.
    assert _rows(store, "SELECT count(*) FROM tickets WHERE priority = 'P0'") == before
    assert _rows(store, "SELECT count(*) FROM outbox") == ops


def test_linking_an_open_incident_for_the_same_problem(
    store: Store, clock: MovingClock, at_risk: int, now: datetime
) -> None:
    desk = _desk(store, clock)
    first = emergency.create_incident(desk, emergency.at_risk_view(desk, TICKET), "Outage")
    add_ticket(
        store, 20, created_at=now - timedelta(minutes=50), priority=Priority.P1, customer_id=2
    )
    view = emergency.at_risk_view(desk, 20)
    assert view.open_incidents == ((first, f"Incident (SLA at risk) #{TICKET}: Cannot log in"),)
    emergency.link_open_incident(desk, view, first)
    assert emergency.at_risk_view(desk, 20).path.incident_ticket_id == first


def test_a_read_only_desk_refuses_every_step(
    store: Store, clock: MovingClock, at_risk: int
) -> None:
    desk = _desk(store, clock, read_only=True)
    view = emergency.at_risk_view(desk, TICKET)
    for step in (
        lambda: emergency.notify_manager(desk, view, "Ann", "team_lead", "phone"),
        lambda: emergency.create_incident(desk, view, "Outage"),
        lambda: emergency.inform_customer(desk, view, "today"),
        lambda: emergency.document_breaches(desk),
        lambda: emergency.record_why_not(desk, TICKET, "waiting on the vendor"),
    ):
        with pytest.raises(ReadOnly):
            step()


def test_record_why_not_clears_the_tier_limit_for_that_tier(
    store: Store, clock: MovingClock, now: datetime
) -> None:
    add_people(store, now)
    add_ticket(
        store,
        TICKET,
        created_at=now - timedelta(minutes=72),
        priority=Priority.P1,
        status=Status.IN_PROGRESS,
    )
    desk = _desk(store, clock)
    workspace = _workspace(desk)
    found = emergency.urgency(desk, workspace.snapshot, workspace.escalation)
    assert found.tier_limit is not None
    assert found.tier_limit.message == "L1 limit passed 12 min ago: escalate or record why not"
    with pytest.raises(Refused, match="write why #10 stays at L1"):
        emergency.record_why_not(desk, TICKET, "  ")
    assert emergency.record_why_not(desk, TICKET, "customer asked to stay with me") is Tier.L1
    workspace = _workspace(desk)
    assert emergency.urgency(desk, workspace.snapshot, workspace.escalation).tier_limit is None
    assert _rows(store, "SELECT action, field, new_value FROM audit WHERE ticket_id = 10") == [
        ("tier_limit_why_not", "L1", "customer asked to stay with me")
    ]
    with pytest.raises(Refused, match="within its tier's time limit"):
        emergency.record_why_not(desk, TICKET, "again")
