"""The history's write asks for a pull page at once (store/history_rows.py, remote_fields.py):
the batched reads answer what the one-at-a-time reads answer, and a ticket's replies recorded
together leave it exactly as one call per reply does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from agentdesk.core.ticket import Priority, Status
from agentdesk.store.engine import Store
from agentdesk.store.sync_port import SyncPort
from tests.store.factory import add_people, add_ticket

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _clock(store: Store, ticket_id: int) -> tuple[object, ...]:
    with store.read() as connection:
        row = connection.execute(
            text(
                "SELECT first_response_at, last_update_at, sla_clock, sla_due_at, "
                "sla_at_risk_at FROM tickets WHERE id = :t"
            ),
            {"t": ticket_id},
        ).one()
        audits = connection.execute(
            text("SELECT field, old_value, new_value FROM audit WHERE ticket_id = :t ORDER BY id"),
            {"t": ticket_id},
        ).all()
    return (*row, tuple(tuple(a) for a in audits))


def test_replies_recorded_together_are_the_replies_recorded_one_by_one(store: Store) -> None:
    add_people(store, NOW)
    for ticket_id in (1, 2):
        add_ticket(
            store,
            ticket_id,
            created_at=NOW - timedelta(hours=5),
            priority=Priority.P0,
            status=Status.IN_PROGRESS,
        )
    replies = [NOW - timedelta(hours=4), NOW - timedelta(hours=2), NOW - timedelta(hours=3)]
    port = SyncPort(store)
    with port.write() as rows:
        for at in replies:
            rows.record_remote_reply(1, at, NOW)
        rows.record_remote_replies(2, min(replies), max(replies), NOW)
    one_by_one, together = _clock(store, 1), _clock(store, 2)
    assert one_by_one == together
    assert one_by_one[0] is not None and one_by_one[1] is not None  # it moved
    # Recorded again (an overlapping page): nothing changes, no second audit row.
    with port.write() as rows:
        rows.record_remote_replies(2, min(replies), max(replies), NOW)
    assert _clock(store, 2) == together


def test_the_page_reads_answer_as_the_single_reads(store: Store) -> None:
    add_people(store, NOW)
    for ticket_id in range(1, 4):
        add_ticket(store, ticket_id, created_at=NOW - timedelta(hours=1))
    port = SyncPort(store)
    with port.write() as rows:
        for ticket_id in range(1, 4):
            rows.set_remote_id(ticket_id, str(100 + ticket_id))
        rows.save_history_marks("rt", [(1, 17, "2026-11-23 09:00:00"), (3, 40, "")])
        rows.map_remote_messages("rt", [("txn:17", 1, None), ("txn:40", 3, None)])
    remote_ids = ["101", "102", "103", "999"]
    refs = ["txn:17", "txn:18", "txn:40"]
    with port.read() as rows:
        assert rows.history_marks(remote_ids) == {
            r: mark for r in remote_ids if (mark := rows.history_mark(r)) is not None
        }
        assert set(rows.history_marks(remote_ids)) == {"101", "103"}
        assert rows.seen_remote_refs("rt", refs) == {
            ref for ref in refs if rows.remote_message_seen("rt", ref)
        }
        assert rows.seen_remote_refs("rt", refs) == {"txn:17", "txn:40"}
        assert rows.ticket_ids_for_remotes(remote_ids) == {
            r: found for r in remote_ids if (found := rows.ticket_id_for_remote(r)) is not None
        }
        agents = rows.agents_by_handle()
        assert set(agents) == rows.agent_handles()
        assert agents["li.wei"] == (2, rows.agent_name(2))
        assert rows.tickets_with_unsent_ops([1, 2, 3]) == set()
