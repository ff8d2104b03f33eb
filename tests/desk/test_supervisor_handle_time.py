"""The board's handle time is of the current interaction, and an agent not on shift has none:
a shift's end ends the interaction on the board, so a ticket left In progress when the shift
ended (or before an agent's first shift) shows no time, and an open shift counts only an
interaction that began in it, never the hours since a ticket was left In progress overnight.
core/kpi's AHT reads the ticket's own events and is not this rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from agentdesk.core import shift_record as texts
from agentdesk.core.ticket import Status
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.stamps import to_db
from tests.desk.test_supervisor_team_shifts import NOW, _board, _opening, _pulled, _team
from tests.store.factory import add_ticket

MIN = timedelta(minutes=1)
HOUR = 60 * MIN


def _working(store: Store, ticket_id: int, agent_id: int, handle: str, since: datetime) -> None:
    """A ticket In progress with the agent since `since` (its start-work audit row)."""
    add_ticket(
        store,
        ticket_id,
        created_at=since - HOUR,
        status=Status.IN_PROGRESS,
        assignee_id=agent_id,
    )
    with store.write() as connection:
        connection.execute(
            text("UPDATE tickets SET updated_at = :at WHERE id = :id"),
            {"at": to_db(since), "id": ticket_id},
        )
        write_audit(
            connection,
            [AuditRecord(ticket_id, handle, "start", "status", "assigned", "in_progress", since)],
        )


def test_no_shift_and_an_ended_shift_show_no_handle_time(tmp_path: Path) -> None:
    store = _team(tmp_path)
    # amara.okafor: her shift ended at 09:00, ticket 1 still In progress since 08:30.
    plan = (NOW - 6 * HOUR, NOW - 5 * HOUR)
    _pulled(
        store,
        "40",
        "amara.okafor",
        [_opening("amara.okafor", plan[0], plan), (plan[1], texts.ended_text(plan[1], 1.0))],
    )
    _working(store, 1, 1, "amara.okafor", NOW - 5 * HOUR - 30 * MIN)
    # li.wei: no shift at all, ticket 2 In progress since 20 hours.
    _working(store, 2, 2, "li.wei", NOW - 20 * HOUR)
    store.close()

    board = _board(tmp_path)
    amara, li = board["amara.okafor"], board["li.wei"]
    assert amara.shift.startswith("ended")  # type: ignore[attr-defined]
    assert (amara.handle_time, amara.handle_ticket) == ("", None)  # type: ignore[attr-defined]
    assert li.shift == "not started"  # type: ignore[attr-defined]
    assert (li.handle_time, li.handle_ticket) == ("", None)  # type: ignore[attr-defined]


def test_an_open_shift_counts_only_an_interaction_begun_in_it(tmp_path: Path) -> None:
    store = _team(tmp_path)
    # Both on shift since 13:00. amara left ticket 1 In progress yesterday at 17:00 and has
    # touched nothing since; li started work on ticket 2 at 13:50 (10 minutes ago).
    plan = (NOW - HOUR, NOW + 7 * HOUR)
    _pulled(store, "50", "amara.okafor", [_opening("amara.okafor", plan[0], plan)])
    _pulled(store, "51", "li.wei", [_opening("li.wei", plan[0], plan)])
    _working(store, 1, 1, "amara.okafor", NOW - 21 * HOUR)
    _working(store, 2, 2, "li.wei", NOW - 10 * MIN)
    store.close()

    board = _board(tmp_path)
    amara, li = board["amara.okafor"], board["li.wei"]
    assert amara.shift.startswith("on shift since")  # type: ignore[attr-defined]
    assert (amara.handle_time, amara.handle_ticket) == ("", None)  # type: ignore[attr-defined]
    assert (li.handle_time, li.handle_ticket) == ("10:00 / 20:00", 2)  # type: ignore[attr-defined]
