"""Monitoring mode (issue 15) at the desk and store level: the team board's numbers on a
hand-built store, the read-only store refusing every write at the SQLite level (file hash
unchanged), the supervisor desk refusing every desk write, and reading an agent's store while
that agentdesk writes it (WAL)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.changes import TicketChange
from agentdesk.core.errors import ReadOnly
from agentdesk.core.shift import Presence
from agentdesk.core.ticket import MessageKind, Priority, Status
from agentdesk.desk import Desk, supervisor, ticket_work
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.supervisor import UNASSIGNED, open_supervisor_desk, team_board
from agentdesk.shipped import load_sla_policy
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.conflicts import record_conflict
from agentdesk.store.engine import Store, StoreError, open_store, open_store_read_only
from agentdesk.store.stamps import to_db
from agentdesk.store.writes import apply_change, mark_outbox_done, record_breaches
from tests.conftest import FIXED_NOW
from tests.desk.queue_fixtures import fill, local_settings, make_desk
from tests.desk.test_read_only_desk import REFUSED_ONLY, WRITES
from tests.store.factory import add_people, add_ticket

NOW = FIXED_NOW
MIN = timedelta(minutes=1)
HANDLE = "amara.okafor"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _set_clock(store: Store, ticket_id: int, **stamps: object) -> None:
    values = {k: None if v is None else to_db(v) for k, v in stamps.items()}  # type: ignore[arg-type]
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with store.write() as connection:
        connection.execute(
            text(f"UPDATE tickets SET {sets} WHERE id = :id"), {**values, "id": ticket_id}
        )


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """Two agents. amara.okafor (id 1): P1 breached, P2 at risk, P3 fine, on a shift, on
    break. li.wei (id 2): a pending P0 with a recorded breach, a resolved ticket. One
    unassigned P4."""
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    add_people(store, NOW)
    day = NOW - timedelta(days=1)
    add_ticket(
        store, 1, created_at=day, priority=Priority.P1, status=Status.ASSIGNED, assignee_id=1
    )
    add_ticket(
        store, 2, created_at=day, priority=Priority.P2, status=Status.IN_PROGRESS, assignee_id=1
    )
    add_ticket(
        store, 3, created_at=day, priority=Priority.P3, status=Status.ASSIGNED, assignee_id=1
    )
    add_ticket(store, 4, created_at=day, priority=Priority.P0, status=Status.PENDING, assignee_id=2)
    add_ticket(
        store, 5, created_at=day, priority=Priority.P2, status=Status.RESOLVED, assignee_id=2
    )
    add_ticket(store, 6, created_at=day, priority=Priority.P4)
    hour = timedelta(hours=1)
    _set_clock(store, 1, sla_due_at=NOW - hour, sla_at_risk_at=NOW - 2 * hour, sla_breached_at=None)
    _set_clock(store, 2, sla_due_at=NOW + hour, sla_at_risk_at=NOW - hour, sla_breached_at=None)
    _set_clock(
        store, 3, sla_due_at=NOW + 24 * hour, sla_at_risk_at=NOW + 20 * hour, sla_breached_at=None
    )
    _set_clock(store, 4, sla_due_at=None, sla_at_risk_at=None, sla_breached_at=NOW - 5 * hour)
    _set_clock(store, 5, sla_due_at=None, sla_at_risk_at=None, sla_breached_at=NOW - 5 * hour)
    _set_clock(
        store, 6, sla_due_at=NOW + 24 * hour, sla_at_risk_at=NOW + 20 * hour, sla_breached_at=None
    )
    # amara works ticket 2 since 4 minutes (her current interaction: touched last); ticket 7
    # since 50.
    add_ticket(
        store, 7, created_at=day, priority=Priority.P4, status=Status.IN_PROGRESS, assignee_id=1
    )
    _set_clock(
        store, 7, sla_due_at=NOW + 24 * hour, sla_at_risk_at=NOW + 20 * hour, sla_breached_at=None
    )
    _set_clock(store, 7, updated_at=NOW - 50 * MIN)
    _set_clock(store, 2, updated_at=NOW - 4 * MIN)
    with store.write() as connection:
        write_audit(
            connection,
            [
                AuditRecord(
                    7, HANDLE, "start", "status", "assigned", "in_progress", NOW - 50 * MIN
                ),
                AuditRecord(2, HANDLE, "start", "status", "assigned", "in_progress", NOW - 4 * MIN),
            ],
        )
    # amara's shift, through the desk (as her agentdesk writes it), 40 minutes ago; a break
    # that began 10 minutes ago.
    start = NOW - timedelta(minutes=40)
    working = make_desk(store, tmp_path)
    working.clock = lambda: start
    desk_shift.start_shift(working)
    working.clock = lambda: NOW - timedelta(minutes=10)
    desk_shift.set_presence(working, Presence.BREAK)
    store.close()
    return store.path


def _supervisor_desk(db: Path) -> Desk:
    settings = local_settings(db.parent)
    return open_supervisor_desk(settings, lambda: NOW)


def test_the_team_board_counts_per_agent(team: Path) -> None:
    desk = _supervisor_desk(team)
    try:
        board = team_board(desk)
    finally:
        desk.store.close()
    lines = {line.handle: line for line in board.lines}
    amara, li, nobody = lines["amara.okafor"], lines["li.wei"], lines[UNASSIGNED]
    assert amara.by_priority == (0, 1, 1, 1, 1)
    assert (amara.handle_time, amara.handle_ticket) == ("4:00 / 20:00", 2)  # email: async target
    assert (amara.at_risk, amara.breached) == (1, 1)
    assert amara.presence == "on break 10 min"
    assert amara.shift == f"on shift since {NOW - timedelta(minutes=40):%H:%M} (40 min)"
    # The pending P0's clock is paused, but its breach is recorded; the resolved one is gone.
    assert li.by_priority == (1, 0, 0, 0, 0)
    assert (li.at_risk, li.breached, li.presence, li.shift) == (0, 1, "", "not started")
    assert nobody.agent_id is None and nobody.by_priority == (0, 0, 0, 0, 1)
    assert board.lines[-1] is nobody  # the unassigned come last
    assert li.handle_time == ""  # nothing in progress
    assert board.totals.by_priority == (1, 1, 1, 1, 2)
    assert (board.totals.at_risk, board.totals.breached) == (1, 2)
    assert board.totals.shift == "1 on shift"


def test_the_drill_down_reads_the_agents_tickets(team: Path) -> None:
    desk = _supervisor_desk(team)
    try:
        mine = supervisor.agent_queue(desk, 1, 50)
        unassigned = supervisor.agent_queue(desk, None, 50)
    finally:
        desk.store.close()
    assert [row.id for row in mine.first_page] == [1, 2, 3, 7]  # breached first
    assert [row.id for row in unassigned.first_page] == [6]


# Every write function of the store, on a store opened read-only.
STORE_WRITES: dict[str, Callable[[Store], object]] = {
    "writes.apply_change": lambda store: apply_change(
        store, 3, TicketChange("priority", priority=Priority.P0, reason="x"), actor="x", now=NOW
    ),
    "writes.record_breaches": lambda store: record_breaches(store, NOW + timedelta(days=30)),
    "writes.mark_outbox_done": lambda store: mark_outbox_done(store, NOW),
    "conflicts.record_conflict (in store.write)": lambda store: _in_write(
        store,
        lambda c: record_conflict(
            c,
            ticket_id=2,
            outbox_id=None,
            field="priority",
            base_value="P2",
            local_value="P3",
            remote_value="P1",
            remote_actor="x",
            remote_at=NOW,
            now=NOW,
        ),
    ),
    "audit.write_audit (in store.write)": lambda store: _in_write(
        store, lambda c: write_audit(c, [AuditRecord(3, "x", "note", "", None, "y", NOW)])
    ),
    # Past the BEGIN IMMEDIATE: a write statement inside a read transaction.
    "INSERT inside store.read": lambda store: _in_read(
        store, "INSERT INTO meta (key, value) VALUES ('x', 'y')"
    ),
    "UPDATE inside store.read": lambda store: _in_read(store, "UPDATE tickets SET subject = 'x'"),
    "DELETE inside store.read": lambda store: _in_read(store, "DELETE FROM sync_conflicts"),
    "PRAGMA user_version": lambda store: _in_read(store, "PRAGMA user_version = 99"),
}


def _in_write(store: Store, call: Callable[[object], object]) -> None:
    with store.write() as connection:
        call(connection)


def _in_read(store: Store, sql: str) -> None:
    with store.read() as connection:
        connection.exec_driver_sql(sql)


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    fill(store)
    store.close()
    return store.path


@pytest.mark.parametrize("name", list(STORE_WRITES))
def test_the_read_only_store_refuses_every_write(filled: Path, name: str) -> None:
    before = _digest(filled)
    store = open_store_read_only(filled, load_sla_policy())
    try:
        with pytest.raises(Exception) as refused:
            STORE_WRITES[name](store)
    finally:
        store.close()
    text_of = f"{type(refused.value).__name__}: {refused.value}".lower()
    assert "readonly" in text_of or "read-only" in text_of or "cannot be used" in text_of
    assert _digest(filled) == before


@pytest.mark.parametrize("name", [name for name in STORE_WRITES if "PRAGMA" not in name])
def test_the_same_store_writes_do_write_on_a_working_store(filled: Path, name: str) -> None:
    before = _digest(filled)
    store = open_store(filled, load_sla_policy())
    try:
        STORE_WRITES[name](store)
    finally:
        store.close()
    assert _digest(filled) != before


def test_both_sqlite_locks_are_on(filled: Path) -> None:
    store = open_store_read_only(filled, load_sla_policy())
    try:
        with store.read() as connection:
            assert connection.exec_driver_sql("PRAGMA query_only").scalar_one() == 1
            raw = connection.connection.driver_connection
            assert raw is not None
            # With query_only lifted, mode=ro still refuses: the two locks hold apart.
            raw.execute("PRAGMA query_only=OFF")
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                raw.execute("DELETE FROM tickets")
    finally:
        store.close()


def test_monitoring_mode_opens_no_missing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="creates none"):
        open_store_read_only(tmp_path / "nothing.db", load_sla_policy())
    assert not (tmp_path / "nothing.db").exists()


# Every desk write: the read-only desk's list, and the ticket side's.
def _ticket_writes() -> dict[str, Callable[[Desk], object]]:
    from agentdesk.core.quality import Confirmation
    from agentdesk.desk import attachments, confirmation, macros

    def first_macro(desk: Desk) -> object:
        found = macros.find_macros(desk, "refund", 1)
        return macros.apply_macro(desk, 3, found[0], {})

    return {
        "ticket_work.apply_change": lambda d: ticket_work.apply_change(
            d, 3, TicketChange("priority", priority=Priority.P0, reason="x")
        ),
        "ticket_work.send_message": lambda d: ticket_work.send_message(
            d, 3, MessageKind.INTERNAL_NOTE, "hello"
        ),
        "ticket_work.reopen": lambda d: ticket_work.reopen(d, 4),
        "ticket_work.change_priority": lambda d: ticket_work.change_priority(
            d, 3, Priority.P1, "why"
        ),
        "ticket_work.save_draft": lambda d: ticket_work.save_draft(d, 3, "composer", "reply", "x"),
        "macros.apply_macro": first_macro,
        "macros.undo_last_macro": lambda d: macros.undo_last_macro(d, 3),
        "macros.record_use": lambda d: macros.record_use(d, "x"),
        "confirmation.record_confirmation": lambda d: confirmation.record_confirmation(
            d, 3, Confirmation("restated", "proposed", "2h", True, NOW)
        ),
        "attachments.remove_attachment": lambda d: attachments.remove_attachment(d, 3, 1),
    }


def test_the_supervisor_desk_refuses_every_desk_write(filled: Path) -> None:
    before = _digest(filled)
    calls = {**WRITES, **REFUSED_ONLY}
    try:
        calls.update(_ticket_writes())
    except Exception as error:  # pragma: no cover - the list itself must build
        raise AssertionError(f"the ticket-side write list does not build: {error}") from error
    desk = _supervisor_desk(filled)
    refused: list[str] = []
    try:
        for name, call in calls.items():
            try:
                call(desk)
            except ReadOnly as error:
                assert str(error).startswith("monitoring mode is read-only: cannot ")
                refused.append(name)
    finally:
        desk.store.close()
    assert refused == list(calls)
    assert _digest(filled) == before


def test_reading_an_agents_store_while_that_agentdesk_writes_it(filled: Path) -> None:
    """WAL: the monitoring reader sees each committed write and never waits for, nor
    blocks, the writer (which holds its write transaction open while the reader reads)."""
    writer = open_store(filled, load_sla_policy())
    settings = local_settings(filled.parent)
    from dataclasses import replace

    reader = open_supervisor_desk(replace(settings, watching_other_store=True), lambda: NOW)
    inserted, read_back = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for ticket_id in (10, 11, 12):
                with writer.write() as connection:
                    connection.execute(
                        text(
                            "INSERT INTO tickets (id, subject, customer_id, assignee_id, priority, "
                            "status, channel, region, created_at, updated_at) VALUES (:id, 's', 1, "
                            "1, 'P0', 'assigned', 'email', 'EMEA', :at, :at)"
                        ),
                        {"id": ticket_id, "at": to_db(NOW)},
                    )
                    inserted.set()  # uncommitted: the reader must still see the old count
                    assert read_back.wait(10)
                    read_back.clear()
        except BaseException as error:
            errors.append(error)
            inserted.set()

    def p0s() -> int:
        lines = {line.handle: line for line in team_board(reader).lines}
        return lines["amara.okafor"].by_priority[0]

    start = p0s()
    thread = threading.Thread(target=write)
    thread.start()
    seen: list[int] = []
    for _ in range(3):
        assert inserted.wait(10)
        inserted.clear()
        seen.append(p0s())  # while the writer's transaction is open
        read_back.set()
    thread.join(10)
    after = p0s()
    writer.close()
    reader.store.close()
    assert not errors
    assert seen == [start, start + 1, start + 2]
    assert after == start + 3
