"""Monitoring mode's UI fixtures: the 300-ticket demo store as a supervisor sees it, with a
few agents on shift (written through the desk, as each agent's agentdesk writes them)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from agentdesk.config import Settings
from agentdesk.core.shift import Presence
from agentdesk.desk import Desk
from agentdesk.desk import shift as desk_shift
from agentdesk.session import Session
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.queries import agent_by_handle
from tests.conftest import FIXED_NOW

# (minutes since the shift began, presence, minutes since it began) per agent index.
ON_SHIFT = ((95, Presence.AVAILABLE, 95), (60, Presence.BREAK, 7), (30, Presence.TRAINING, 12))


def add_shifts(settings: Settings) -> list[str]:
    """Three agents on shift; returns their handles."""
    store = open_store(settings.db_path, load_sla_policy())
    try:
        with store.read() as connection:
            handles = [
                str(row[0])
                for row in connection.exec_driver_sql(
                    "SELECT handle FROM agents WHERE id IN (SELECT DISTINCT assignee_id FROM "
                    "tickets) ORDER BY handle LIMIT 3"
                )
            ]
        for handle, (began, presence, since) in zip(handles, ON_SHIFT, strict=True):
            with store.read() as connection:
                agent = agent_by_handle(connection, handle)
            own = replace(settings, agent_handle=handle, demo=False, shift=True)
            desk = Desk(
                Session(own, store, agent), lambda began=began: FIXED_NOW - timedelta(minutes=began)
            )
            desk_shift.start_shift(desk)
            if presence is not Presence.AVAILABLE:
                desk.clock = lambda since=since: FIXED_NOW - timedelta(minutes=since)
                desk_shift.set_presence(desk, presence)
    finally:
        store.close()
    return handles


SECURITY_TABLES = ("security_audit", "totp_state")
"""Written in monitoring mode on purpose (issue 16): a supervisor's sign-in and each record
viewed, through the narrow security writer (store/security_store.py)."""


def store_digest(path: Path) -> str:
    """Everything in the store but the security trail: its schema and every row of every
    other table (a ticket write, a schema change, an outbox op would change it). Not the file's
    bytes: a supervisor's view of a ticket is an audit row in the same file, by design."""
    import sqlite3

    digest = hashlib.sha256()
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for line in connection.iterdump():
            if not any(line.startswith(f'INSERT INTO "{t}"') for t in SECURITY_TABLES):
                digest.update(line.encode())
    finally:
        connection.close()
    return digest.hexdigest()


def security_rows(path: Path) -> list[tuple[str, str, str]]:
    """(event, actor, resource) of each security audit row, oldest first."""
    import sqlite3

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [
            (str(e), str(a), str(r))
            for e, a, r in connection.execute(
                "SELECT event, actor, resource FROM security_audit ORDER BY id"
            )
        ]
    finally:
        connection.close()


def supervising(demo: Settings) -> Settings:
    """The demo store with three agents on shift, as a supervisor opens it."""
    add_shifts(demo)
    return replace(demo, demo=False, supervisor=True, shift=False)
