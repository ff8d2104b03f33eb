from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from agentdesk.core.changes import TicketChange
from agentdesk.core.ticket import Status
from agentdesk.store.queries import pending_outbox
from agentdesk.store.writes import apply_change
from agentdesk.sync.local import LocalBackend
from tests.store.factory import add_people, add_ticket


def test_the_local_backend_marks_committed_ops_done(store, now) -> None:
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(minutes=3))
    apply_change(
        store,
        1,
        TicketChange("assign", status=Status.ASSIGNED, assignee_id=1),
        actor="amara.okafor",
        now=now,
    )
    with store.read() as connection:
        assert pending_outbox(connection) == 1
    assert LocalBackend().push(store, now + timedelta(seconds=1)) == 1
    with store.read() as connection:
        assert pending_outbox(connection) == 0
        row = connection.execute(text("SELECT state, done_at FROM outbox")).one()
    assert row.state == "done" and row.done_at is not None
    assert LocalBackend().push(store, now) == 0
