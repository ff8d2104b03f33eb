"""Full-text search from the queue on a real temp SQLite store: the order number in the
conversation finds its ticket, and what is written offline or pulled is found at once."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.search import SearchIndex
from agentdesk.core.ticket import MessageKind, Priority, Status
from agentdesk.demo import generate_demo
from agentdesk.desk import Desk, ticket_work
from agentdesk.desk import queue as desk_queue
from agentdesk.desk.text_search import search_text
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.history_rows import PulledMessage
from agentdesk.store.rows import QueueFilter
from agentdesk.store.sync_port import SyncPort
from tests.desk.conftest import make_desk
from tests.store.factory import add_people, add_ticket, replied, verified

EVERYTHING = QueueFilter(statuses=frozenset())


def _ids(desk: Desk, words: str, queue: QueueFilter = EVERYTHING) -> list[int]:
    return [row.id for row in search_text(desk, queue, words, 500)]


@pytest.fixture
def demo(tmp_path: Path, now: datetime) -> Desk:
    store = open_store(tmp_path / "demo.db", load_sla_policy())
    generate_demo(store, tickets=300, seed=1, now=now)
    return make_desk(store, now, agent=None)


def test_an_order_number_in_the_conversation_finds_exactly_its_ticket(demo: Desk) -> None:
    with sqlite3.connect(demo.store.path) as connection:
        # An order number that is only in the conversation, not in any subject.
        number, owner = connection.execute(
            "SELECT substr(m.body, instr(m.body, 'ORD-'), 11), m.ticket_id FROM messages m "
            "JOIN tickets t ON t.id = m.ticket_id WHERE m.body LIKE '%ORD-_______%' "
            "AND t.subject NOT LIKE '%ORD-%' ORDER BY m.id LIMIT 1"
        ).fetchone()
        holders = {
            row[0]
            for row in connection.execute(
                "SELECT ticket_id FROM messages WHERE body LIKE ?", (f"%{number}%",)
            )
        }
        # The index the demo's writes kept agrees with what they wrote.
        connection.execute(
            "INSERT INTO ticket_search (ticket_search, rank) VALUES ('integrity-check', 1)"
        )
        (triggers,) = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'ticket_search%'"
        ).fetchone()
    assert holders == {owner}
    assert triggers == 6
    # The fuzzy search (subject and customer) does not see it: many other orders instead.
    fuzzy = desk_queue.build_search_index(demo)
    assert isinstance(fuzzy, SearchIndex)
    assert owner not in fuzzy.search(number)
    assert _ids(demo, number) == [owner]
    assert _ids(demo, f'{number}"') == [owner]  # pasted with its quote


@pytest.fixture
def desk(store: Store, now: datetime) -> Desk:
    add_people(store, now)
    return make_desk(store, now)


def test_a_reply_written_offline_is_found_without_a_rebuild(
    desk: Desk, store: Store, now: datetime
) -> None:
    add_ticket(
        store, 10, created_at=now - timedelta(hours=2), assignee_id=1, status=Status.IN_PROGRESS
    )
    add_ticket(store, 11, created_at=now - timedelta(hours=1), subject="Parcel 1Z999AA10 late")
    verified(store, 10, now - timedelta(minutes=1))
    assert _ids(desk, "1Z999AA1") == []
    ticket_work.send_message(desk, 10, MessageKind.REPLY, "Your parcel is 1Z999AA1, sorry.")
    assert _ids(desk, "1Z999AA1") == [10]  # not 11: an id is matched whole
    assert _ids(desk, "1Z999AA10") == [11]  # a subject is searched too
    ticket_work.send_message(desk, 10, MessageKind.INTERNAL_NOTE, "Courier claim C-88 opened")
    assert _ids(desk, "courier cla") == [10]  # the last word as typed so far


def test_a_pulled_message_is_found_and_the_queue_filter_applies(
    desk: Desk, store: Store, now: datetime
) -> None:
    add_ticket(store, 12, created_at=now - timedelta(hours=1), priority=Priority.P3)
    replied(store, 12, now, "Tracking TRK-4411 shows delivered")
    with SyncPort(store).write() as rows:
        rows.insert_pulled_message(
            PulledMessage(
                ticket_id=12,
                kind="customer",
                author="maria@example.com",
                agent_id=None,
                body="It never came: order ORD-5550001",
                created_at=now,
            )
        )
    assert _ids(desk, "ORD-5550001") == [12]
    assert _ids(desk, "ORD-5550001", QueueFilter(priorities=frozenset({Priority.P1}))) == []
    with store.write() as connection:  # macro undo deletes an unsent message
        connection.execute(text("DELETE FROM messages WHERE body LIKE '%TRK-4411%'"))
    assert _ids(desk, "TRK-4411") == []
