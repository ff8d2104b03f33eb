"""The one write path: change + audit + outbox in one transaction, and nothing lost on kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.changes import ChangeRefused, NewMessage, PendingReason, TicketChange
from agentdesk.core.lifecycle import TransitionRefused
from agentdesk.core.ticket import MessageKind, Priority, Status
from agentdesk.store.engine import Store, open_store
from agentdesk.store.types import from_db
from agentdesk.store.writes import TicketNotFound, apply_change, load_snapshot, record_breaches
from tests.store.factory import add_people, add_ticket, complete_note, verified


@pytest.fixture(params=[None, bytes(range(32))], ids=["plain", "encrypted"])
def store(request: pytest.FixtureRequest, tmp_path: Path, policy) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    """Issue 16: every test here runs on a plain and on a SQLCipher-encrypted store."""
    opened = open_store(tmp_path / "agentdesk.db", policy, key=request.param)
    yield opened
    opened.close()


def _count(store, table: str) -> int:
    with store.read() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def ticket(store, now):
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(minutes=10), priority=Priority.P2)
    return 1


def test_a_change_writes_ticket_audit_and_outbox_together(store, now, ticket) -> None:
    apply_change(
        store,
        ticket,
        TicketChange("assign", status=Status.ASSIGNED, assignee_id=1),
        actor="amara.okafor",
        now=now,
    )
    with store.read() as connection:
        row = connection.execute(text("SELECT status, assignee_id, version FROM tickets")).one()
        audit = connection.execute(
            text("SELECT actor, action, field, old_value, new_value FROM audit ORDER BY field")
        ).all()
        outbox = connection.execute(text("SELECT op, payload, state FROM outbox")).one()
    assert tuple(row) == ("assigned", 1, 2)
    assert [tuple(a) for a in audit] == [
        ("amara.okafor", "assign", "assignee_id", None, "1"),
        ("amara.okafor", "assign", "status", "new", "assigned"),
    ]
    payload = json.loads(outbox.payload)
    assert outbox.op == "assign" and outbox.state == "pending"
    # The edit carries the value it was made from, for sync to rebase on.
    assert payload["base_version"] == 1
    assert payload["fields"]["status"] == {"from": "new", "to": "assigned"}


def test_a_refused_transition_writes_nothing(store, now, ticket) -> None:
    with pytest.raises(TransitionRefused, match="cannot move from New to Resolved"):
        apply_change(
            store, ticket, TicketChange("resolve", status=Status.RESOLVED), actor="x", now=now
        )
    assert (_count(store, "audit"), _count(store, "outbox")) == (0, 0)
    assert load_snapshot_status(store, ticket) is Status.NEW


def load_snapshot_status(store, ticket_id: int) -> Status:
    with store.read() as connection:
        return load_snapshot(connection, ticket_id).status


def test_a_failure_mid_transaction_rolls_everything_back(store, now, ticket) -> None:
    verified(store, ticket, now - timedelta(minutes=5))  # replies wait for a pass
    audited = _count(store, "audit")
    with store.write() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'outbox refused'); END"
        )
    with pytest.raises(Exception, match="outbox refused"):
        apply_change(
            store,
            ticket,
            TicketChange(
                "reply", message=NewMessage(MessageKind.REPLY, "Hello Maria", "amara.okafor", 1)
            ),
            actor="amara.okafor",
            now=now,
        )
    assert (_count(store, "messages"), _count(store, "audit")) == (0, audited)
    with store.read() as connection:
        assert load_snapshot(connection, ticket).first_response_at is None


def test_a_reply_stops_the_first_response_clock(store, now, ticket) -> None:
    verified(store, ticket, now - timedelta(minutes=5))  # replies wait for a pass
    apply_change(
        store,
        ticket,
        TicketChange("reply", message=NewMessage(MessageKind.REPLY, "On it", "amara.okafor", 1)),
        actor="amara.okafor",
        now=now,
    )
    with store.read() as connection:
        snapshot = load_snapshot(connection, ticket)
        clock = connection.execute(text("SELECT sla_clock FROM tickets")).scalar_one()
        kinds = connection.execute(text("SELECT kind FROM messages")).scalars().all()
    assert snapshot.first_response_at == now
    assert clock == "resolution"
    assert kinds == ["reply"]


def test_pending_pauses_the_clock_and_resuming_pushes_the_due_time(store, now, ticket) -> None:
    verified(store, ticket, now - timedelta(minutes=5))  # replies wait for a pass

    def due():
        with store.read() as connection:
            value = connection.execute(text("SELECT sla_due_at FROM tickets")).scalar_one()
        return None if value is None else from_db(value)

    actor = {"actor": "amara.okafor"}
    apply_change(store, ticket, TicketChange("start", status=Status.IN_PROGRESS), now=now, **actor)
    apply_change(
        store,
        ticket,
        TicketChange("reply", message=NewMessage(MessageKind.REPLY, "Checking", "a", 1)),
        now=now,
        **actor,
    )
    before = due()
    pend = TicketChange(
        "pend",
        status=Status.PENDING,
        pending_reason=PendingReason.CUSTOMER,
        note=complete_note(),
    )
    apply_change(store, ticket, pend, now=now, **actor)
    assert due() is None
    later = now + timedelta(hours=3)
    apply_change(
        store, ticket, TicketChange("resume", status=Status.IN_PROGRESS), now=later, **actor
    )
    assert before is not None
    assert due() == before + timedelta(hours=3)  # P2 runs on a 24x7 clock


def test_changing_priority_needs_a_reason(store, now, ticket) -> None:
    with pytest.raises(ChangeRefused, match="needs a reason"):
        apply_change(store, ticket, TicketChange("prio", priority=Priority.P0), actor="a", now=now)


def test_an_unknown_ticket_is_named(store, now) -> None:
    with pytest.raises(TicketNotFound, match="#404"):
        apply_change(store, 404, TicketChange("start", status=Status.ASSIGNED), actor="a", now=now)


def test_record_breaches_marks_overdue_tickets_once(store, now) -> None:
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(hours=2), priority=Priority.P1)  # 1 h FRT
    add_ticket(store, 2, created_at=now - timedelta(minutes=5), priority=Priority.P1)
    assert record_breaches(store, now) == 1
    assert record_breaches(store, now) == 0
    with store.read() as connection:
        rows = connection.execute(text("SELECT ticket_id, clock FROM sla_breaches")).all()
        audit = connection.execute(
            text("SELECT ticket_id FROM audit WHERE action = 'sla_breach'")
        ).scalars()
        breached = connection.execute(
            text("SELECT id FROM tickets WHERE sla_breached_at IS NOT NULL")
        ).scalars()
        assert [tuple(r) for r in rows] == [(1, "first_response")]
        assert list(audit) == [1]
        assert list(breached) == [1]


CHILD = textwrap.dedent(
    """
    import sys
    from datetime import timedelta
    from agentdesk.core.changes import NewMessage, TicketChange
    from agentdesk.core.ticket import MessageKind
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store
    from agentdesk.store.writes import apply_change
    from tests.conftest import FIXED_NOW

    store = open_store(sys.argv[1], load_sla_policy())
    for n in range(100000):
        body = f"note {n}"
        change = TicketChange(
            "note", message=NewMessage(MessageKind.INTERNAL_NOTE, body, "amara.okafor", 1)
        )
        apply_change(store, 1, change, actor="amara.okafor", now=FIXED_NOW + timedelta(seconds=n))
        # Only after apply_change returned (committed) is the write reported.
        sys.stdout.write(body + "\\n")
        sys.stdout.flush()
    """
)


def test_every_committed_change_survives_sigkill(tmp_path: Path, policy, now) -> None:
    path = tmp_path / "agentdesk.db"
    store = open_store(path, policy)
    add_people(store, now)
    add_ticket(store, 1, created_at=now)
    store.close()
    repo = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        text=True,
    )
    assert child.stdout is not None
    reported: list[str] = []
    while len(reported) < 40:
        line = child.stdout.readline()
        assert line, "the child died before writing"
        reported.append(line.strip())
    child.send_signal(signal.SIGKILL)
    child.wait()
    reported += [line.strip() for line in child.stdout.read().splitlines() if line.strip()]

    reopened = open_store(path, policy)
    with reopened.read() as connection:
        bodies = set(connection.execute(text("SELECT body FROM messages")).scalars())
        outbox = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        audit = connection.execute(
            text("SELECT count(*) FROM audit WHERE field = 'internal_note'")
        ).scalar_one()
    reopened.close()
    assert set(reported) <= bodies
    # Change, audit and outbox went in together: the counts agree even for the last write.
    assert outbox == len(bodies) == audit


def test_the_sla_clocks_one_row_reads_what_the_snapshot_gives_the_clock(store, now) -> None:
    """load_sla_ticket (the pulled replies' write) and load_snapshot read the clock's columns
    through one list: both give the SLA engine the same ticket."""
    from agentdesk.store.snapshot import load_sla_ticket

    add_people(store, now)
    add_ticket(
        store,
        1,
        created_at=now - timedelta(hours=5),
        priority=Priority.P1,
        status=Status.PENDING,
        first_response_at=now - timedelta(hours=4),
        last_update_at=now - timedelta(hours=3),
        sla_pauses=((now - timedelta(hours=2), now - timedelta(hours=1)), (now, None)),
    )
    with store.read() as connection:
        clock = load_sla_ticket(connection, 1)
        assert clock == load_snapshot(connection, 1).sla_ticket()
        with pytest.raises(TicketNotFound):
            load_sla_ticket(connection, 2)
    assert clock.pauses[1] == (now, None) and clock.first_response_at == now - timedelta(hours=4)
