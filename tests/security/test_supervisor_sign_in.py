"""A supervisor signs in like an agent (issue 16 on issue 15): the second factor's state and
the security trail go to the profile's own store through the narrow security writer, whose
connections SQLite's authorizer limits to those two tables; every ticket write stays refused
and the ticket data unchanged. With --db the watched store is not touched at all."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from agentdesk.config import profile_paths
from agentdesk.core.errors import ReadOnly
from agentdesk.desk import ticket_work
from agentdesk.desk.audit_trail import Event, record_event
from agentdesk.desk.security_desk import close_security_store, security_store
from agentdesk.desk.sign_in import Gate, begin_enrolment, check_code, finish_enrolment, gate
from agentdesk.desk.supervisor import open_supervisor_desk
from agentdesk.security import totp
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.security_store import open_security_store
from tests.conftest import FIXED_NOW
from tests.desk.queue_fixtures import fill, local_settings
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.ui.supervisor_fixtures import security_rows, store_digest


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with keyring_of(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    fill(store)
    store.close()
    return store.path


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


def _file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_supervisor_enrols_signs_in_and_is_refused_a_replay(
    filled: Path, memory: MemoryKeyring
) -> None:
    before = store_digest(filled)
    clock = Clock()
    desk = open_supervisor_desk(local_settings(filled.parent), clock)
    try:
        assert desk.read_only
        assert gate(desk) is Gate.ENROL
        enrolment = begin_enrolment(desk)
        code = totp.code_at(enrolment.secret, totp.step_of(clock.now))
        assert finish_enrolment(desk, enrolment, code).ok
        assert gate(desk) is Gate.CODE
        clock.now += timedelta(seconds=30)
        again = totp.code_at(enrolment.secret, totp.step_of(clock.now))
        assert check_code(desk, again).ok
        replay = check_code(desk, again)
        assert replay.outcome is totp.Outcome.REPLAY
        # The desk itself still refuses every ticket write.
        with pytest.raises(ReadOnly):
            ticket_work.reopen(desk, 4)
    finally:
        close_security_store(desk)
        desk.store.close()
    assert store_digest(filled) == before  # no ticket, outbox or schema change
    events = [event for event, _actor, _resource in security_rows(filled)]
    assert events == ["credential_change", "sign_in", "sign_in", "sign_in"]
    with sqlite3.connect(filled) as connection:
        assert connection.execute("SELECT count(*) FROM totp_state").fetchone() == (1,)


def test_a_supervisor_view_reaches_the_security_trail(filled: Path) -> None:
    """It went to the log alone ("NOT in the database") before the narrow writer."""
    desk = open_supervisor_desk(local_settings(filled.parent), lambda: FIXED_NOW)
    try:
        assert ticket_work.read_ticket(desk, 2) is not None
        record_event(desk, Event.LOCK, required=False)
    finally:
        close_security_store(desk)
        desk.store.close()
    assert security_rows(filled) == [
        ("supervisor_view", "amara.okafor", "ticket 2"),
        ("lock", "amara.okafor", ""),
    ]


def test_with_db_the_supervisors_own_store_keeps_it(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = replace(local_settings(filled.parent), watching_other_store=True)
    watched = _file(filled)
    desk = open_supervisor_desk(settings, lambda: FIXED_NOW)
    try:
        assert ticket_work.read_ticket(desk, 2) is not None
    finally:
        close_security_store(desk)
        desk.store.close()
    assert _file(filled) == watched  # another agentdesk's store: not one byte
    own = profile_paths(settings.profile)[1]
    assert own != filled
    assert security_rows(own) == [("supervisor_view", "amara.okafor", "ticket 2")]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO outbox (ticket_id, op, payload, created_at) VALUES (2, 'x', '{}', 'now')",
        "UPDATE tickets SET priority = 'P0'",
        "DELETE FROM tickets",
        "INSERT INTO audit (actor, action, field, at) VALUES ('x', 'x', 'x', 'now')",
        "DROP TABLE tickets",
        "CREATE TABLE sneaky (x)",
        "PRAGMA user_version = 1",
    ],
)
def test_the_security_writer_refuses_every_other_write(filled: Path, statement: str) -> None:
    before = store_digest(filled)
    store = open_security_store(filled, load_sla_policy())
    try:
        with pytest.raises(DatabaseError, match="not authorized"), store.write() as connection:
            connection.execute(text(statement))
    finally:
        store.close()
    assert store_digest(filled) == before


def test_the_security_writer_writes_its_two_tables(filled: Path) -> None:
    desk = open_supervisor_desk(local_settings(filled.parent), lambda: FIXED_NOW)
    try:
        store = security_store(desk)
        assert security_store(desk) is store  # one writer per desk
        record_event(desk, Event.UNLOCK)
    finally:
        close_security_store(desk)
        desk.store.close()
    assert security_rows(filled) == [("unlock", "amara.okafor", "")]
