"""The sanitiser's two places in the store, and why neither is a copy of the other.

- The engine's statement hook (store/engine_factory.py) cleans every string parameter of every
  INSERT/UPDATE: any write, by any path (a pull, a note, an audit row), is clean in its column.
- write_change cleans the change before planning it. The outbox payload is JSON, and json.dumps
  writes a control character as the six characters \\u001b: the hook sees nothing to clean in
  it, and RT would be sent the ESC once the payload is read back. The plan (and its audit rows)
  is also made from the clean text.

Each test fails when its layer is taken away.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.ticket import MessageKind, Priority
from agentdesk.store.engine import Store, open_store
from agentdesk.store.writes import apply_change
from tests.store.factory import add_people, add_ticket, verified

DIRTY = "On it\x1b[31m now\x07, see\x9b1m you\r\nsoon"
CLEAN = "On it now, see you\nsoon"


@pytest.fixture
def store(tmp_path: Path, policy: Any, now: Any) -> Iterator[Store]:
    opened = open_store(tmp_path / "agentdesk.db", policy)
    add_people(opened, now)
    add_ticket(opened, 1, created_at=now - timedelta(minutes=10), priority=Priority.P2)
    verified(opened, 1, now - timedelta(minutes=5))  # replies wait for a pass
    yield opened
    opened.close()


def test_a_reply_reaches_its_row_its_audit_and_the_outbox_payload_clean(
    store: Store, now: Any
) -> None:
    reply = NewMessage(MessageKind.REPLY, DIRTY, "amara.okafor", 1)
    apply_change(store, 1, TicketChange("reply", message=reply), actor="amara.okafor", now=now)
    with store.read() as connection:
        body = connection.execute(text("SELECT body FROM messages")).scalar_one()
        payload = connection.execute(text("SELECT payload FROM outbox")).scalar_one()
        audit = connection.execute(text("SELECT new_value FROM audit")).scalars().all()
    assert body == CLEAN
    assert "\\u001b" not in payload and "\\u0007" not in payload and "\\u009b" not in payload
    assert json.loads(payload)["message"]["body"] == CLEAN
    assert all("\x1b" not in (value or "") for value in audit)


def test_any_write_statement_is_cleaned_whatever_wrote_it(store: Store) -> None:
    with store.write() as connection:
        connection.execute(
            text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": "one", "v": DIRTY}
        )
        connection.execute(
            text("INSERT INTO meta (key, value) VALUES (:k, :v)"),
            [{"k": "many", "v": DIRTY}, {"k": "more", "v": DIRTY}],
        )
        connection.execute(text("UPDATE meta SET value = :v WHERE key = 'more'"), {"v": DIRTY})
    with store.read() as connection:
        values = connection.execute(
            text("SELECT value FROM meta WHERE key IN ('one', 'many', 'more')")
        ).scalars()
        assert list(values) == [CLEAN, CLEAN, CLEAN]
