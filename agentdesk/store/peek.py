"""A look at the queue before the store is open, so the agent sees tickets at once.

Opening the store imports SQLAlchemy (~0.5 s) and may migrate; the first screen of a
healthy, current database needs neither. This reads it with the standard library only,
read-only, and gives up (returns None) on anything unusual: the full open that runs beside
it decides what to tell the agent about a damaged, foreign or older file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from agentdesk.core.ticket import Priority
from agentdesk.store.connect import connect_file, db_errors
from agentdesk.store.migrations import APPLICATION_ID, read_plan
from agentdesk.store.queue_sql import (
    AGENT_BY_HANDLE,
    DENSE_QUEUE,
    PRIORITY_COUNTS,
    agent_row,
    count_sql,
    keyed_rows,
    keyset_sql,
    page_sql,
    priority_counts_from,
    queue_row,
)
from agentdesk.store.rows import AgentRow, QueueFilter, QueueRow, View

_SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Peek:
    queue: QueueFilter  # with the agent's id filled in
    total: int
    first_page: list[QueueRow]
    counts: dict[Priority, int]
    agent: AgentRow | None


def _connect(path: Path, key: bytes | None) -> Any:
    try:
        with path.open("rb") as handle:
            plain = handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return None
    if plain == (key is not None):
        return None  # the header and the key disagree: the full open says why
    try:
        # An encrypted store is read at once (its pragmas): a wrong key fails here.
        connection = connect_file(f"file:{quote(str(path))}?mode=ro", key, uri=True, timeout=1.0)
    except db_errors(key):
        return None
    try:
        app_id = connection.execute("PRAGMA application_id").fetchone()[0]
        current = read_plan(connection).current
    except db_errors(key):
        connection.close()
        return None
    if app_id != APPLICATION_ID or not current:
        connection.close()
        return None
    return connection


def peek_queue(
    path: Path,
    queue: QueueFilter,
    agent_handle: str,
    now: datetime,
    limit: int,
    key: bytes | None = None,
) -> Peek | None:
    """The queue's size, first page and header counts, or None to wait for the full open.
    key: an encrypted store's (issue 16)."""
    connection = _connect(path, key)
    if connection is None:
        return None
    try:
        agent = None
        if agent_handle:
            agent = agent_row(connection.execute(AGENT_BY_HANDLE, {"h": agent_handle}).fetchone())
        if queue.view in (View.MINE, View.TIER) or agent is not None:
            queue = replace(
                queue,
                agent_id=None if agent is None else agent.id,
                tier=None if agent is None else agent.tier,
            )
        sql, params = count_sql(queue)
        total = int(connection.execute(sql, params).fetchone()[0])
        # By the order key, as the open store's pager reads it: an ORDER BY over the
        # open queue sorts every match (~0.25 s at 50,000 tickets; issue 17).
        sql, params = keyset_sql(queue, limit, walk_order=total >= DENSE_QUEUE)
        first_page, _ = keyed_rows(connection.execute(sql, params).fetchall())
        counts = priority_counts_from(connection.execute(PRIORITY_COUNTS).fetchall())
    except (*db_errors(key), ValueError):  # type: ignore[misc]
        # A damaged page or a value the enums do not know: the full open reports it.
        return None
    finally:
        connection.close()
    return Peek(queue, total, first_page, counts, agent)


def peek_page(
    path: Path,
    queue: QueueFilter,
    now: datetime,
    offset: int,
    limit: int,
    key: bytes | None = None,
) -> list[QueueRow]:
    """A later page while the store is still opening (the agent scrolled early)."""
    connection = _connect(path, key)
    if connection is None:
        raise sqlite3.DatabaseError(f"{path} cannot be read yet")
    try:
        sql, params = page_sql(queue, now, offset, limit)
        return [queue_row(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()
