"""desk.macros on a real temp SQLite store: apply and undo, and the refusals that write
nothing (the Pilot tests keep the picker's search, preview and the composer)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest

from agentdesk.core.errors import Refused
from agentdesk.core.lifecycle import TransitionRefused
from agentdesk.core.macros import Macro
from agentdesk.core.ticket import Priority, Status, Tier
from agentdesk.desk import Desk, macros, ticket_work
from agentdesk.store.engine import Store
from agentdesk.store.rows import AgentRow
from tests.desk.conftest import make_desk
from tests.store.factory import add_ticket, complete_note

TICKET = 20


def _rows(store: Store, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as connection:
        return connection.execute(sql, params).fetchall()


def _macro(desk: Desk, macro_id: str) -> Macro:
    view = macros.macro_view(desk, TICKET)
    assert view is not None
    found = view.library.get(macro_id)
    assert found is not None, macro_id
    return found


def _values(desk: Desk) -> dict[str, str]:
    view = macros.macro_view(desk, TICKET)
    assert view is not None
    return view.values


def _ticket(store: Store, now: datetime, status: Status) -> None:
    add_ticket(store, TICKET, created_at=now - timedelta(hours=2), status=status, assignee_id=1)


def test_the_view_fills_placeholders_from_the_ticket(
    desk: Desk, store: Store, now: datetime
) -> None:
    _ticket(store, now, Status.IN_PROGRESS)
    view = macros.macro_view(desk, TICKET)
    assert view is not None and len(view.library.macros) >= 40
    assert view.values["customer.first_name"] == "Maria"
    assert view.values["agent.name"] == "Amara Okafor" and view.values["ticket.id"] == "#20"
    # Nothing changed in the folders: nothing to reload.
    assert macros.macro_view(desk, TICKET, unless=view.library) is None


def test_the_etr_comes_from_the_confirmation_and_no_past_deadline_is_offered(
    desk: Desk, store: Store, now: datetime
) -> None:
    """Issue 12 item 15: {{ticket.etr}} is the ETR the customer agreed to; {{sla.deadline}}
    of an overdue ticket is not a past time: it is asked for, saying why."""
    from agentdesk.core.quality import Confirmation
    from agentdesk.store.notes import record_confirmation

    add_ticket(
        store,
        TICKET,
        created_at=now - timedelta(hours=9),
        status=Status.IN_PROGRESS,
        assignee_id=1,
        priority=Priority.P1,
        first_response_at=now - timedelta(hours=8),
    )
    view = macros.macro_view(desk, TICKET)
    assert view is not None
    assert view.values["ticket.etr"] == ""
    assert view.values["sla.deadline"] == ""  # resolution was due at 13:00: not promised
    assert "resolution deadline passed on 23 Nov 2026 13:00 UTC" in view.why_missing["sla.deadline"]
    record_confirmation(
        store,
        TICKET,
        Confirmation("Cannot log in", "New reset link", "today 16:00 UTC", True, now),
        agent="amara.okafor",
    )
    assert _values(desk)["ticket.etr"] == "today 16:00 UTC"


def test_apply_a_macro_then_undo_it(desk: Desk, store: Store, now: datetime) -> None:
    _ticket(store, now, Status.IN_PROGRESS)
    ticket_work.save_note(desk, TICKET, complete_note())
    version = _rows(store, "SELECT version FROM tickets WHERE id = ?", TICKET)[0][0]
    outbox = _rows(store, "SELECT count(*) FROM outbox")[0][0]
    applied = macros.apply_macro(desk, TICKET, _macro(desk, "verification-reminder"), _values(desk))
    assert applied.macro_id == "verification-reminder" and len(applied.written) == 3
    assert _rows(store, "SELECT status, pending_reason FROM tickets WHERE id = ?", TICKET) == [
        ("pending", "waiting_on_customer")
    ]
    assert _rows(store, "SELECT label FROM ticket_labels WHERE ticket_id = ?", TICKET) == [
        ("awaiting-verification",)
    ]
    assert _rows(store, "SELECT count(*) FROM outbox")[0][0] == outbox + 3

    undone = macros.undo_last_macro(desk, TICKET)
    assert undone.macro_id == "verification-reminder" and undone.withdrawn_messages == 1
    status, after = _rows(store, "SELECT status, version FROM tickets WHERE id = ?", TICKET)[0]
    assert status == "in_progress" and after > version
    assert _rows(store, "SELECT label FROM ticket_labels WHERE ticket_id = ?", TICKET) == []
    # The reply never left: withdrawn; the field edits have a compensating outbox op.
    assert _rows(store, "SELECT count(*) FROM outbox")[0][0] == outbox + 2 + 1

    with pytest.raises(Refused, match="already undone"):
        macros.undo_last_macro(desk, TICKET)


def test_undo_with_no_macro_is_refused(desk: Desk, store: Store, now: datetime) -> None:
    _ticket(store, now, Status.IN_PROGRESS)
    with pytest.raises(Refused, match="no macro has been applied"):
        macros.undo_last_macro(desk, TICKET)


def test_only_the_agent_who_applied_it_undoes_it(desk: Desk, store: Store, now: datetime) -> None:
    _ticket(store, now, Status.IN_PROGRESS)
    ticket_work.save_note(desk, TICKET, complete_note())
    macros.apply_macro(desk, TICKET, _macro(desk, "verification-reminder"), _values(desk))
    li = make_desk(store, now, agent=AgentRow(2, "li.wei", "Li Wei", Tier.L2))
    with pytest.raises(Refused, match=r"applied by amara\.okafor; only they can undo it"):
        macros.undo_last_macro(li, TICKET)


def test_a_macro_the_lifecycle_refuses_writes_nothing(
    desk: Desk, store: Store, now: datetime
) -> None:
    _ticket(store, now, Status.NEW)
    # A reply, then Resolved: New cannot go to Resolved, so not even the reply goes.
    with pytest.raises(TransitionRefused, match="cannot move from New to Resolved"):
        macros.apply_macro(desk, TICKET, _macro(desk, "closing-no-response"), _values(desk))
    assert _rows(store, "SELECT count(*) FROM outbox") == [(0,)]
    assert _rows(store, "SELECT count(*) FROM messages") == [(0,)]
    assert _rows(store, "SELECT status FROM tickets WHERE id = ?", TICKET) == [("new",)]


def test_a_resolving_macro_without_the_note_is_refused(
    desk: Desk, store: Store, now: datetime
) -> None:
    _ticket(store, now, Status.IN_PROGRESS)
    with pytest.raises(Refused, match="resolving needs the structured note") as refused:
        macros.apply_macro(desk, TICKET, _macro(desk, "closing-no-response"), _values(desk))
    assert refused.value.missing  # the screen shows these under their fields
    assert _rows(store, "SELECT count(*) FROM outbox") == [(0,)]


def test_a_canned_reply_counts_a_use(desk: Desk, store: Store, now: datetime) -> None:
    macros.record_use(desk, "closing-thank-you")
    macros.record_use(desk, "closing-thank-you")
    assert _rows(store, "SELECT uses FROM macro_usage WHERE macro_id = 'closing-thank-you'") == [
        (2,)
    ]
    found = macros.find_macros(desk, "double charge", 3)
    assert found[0].id == "payment-double-charge"
