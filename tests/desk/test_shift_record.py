"""The shift record on a real temp SQLite: every shift event is audited (audit rows with a
shift, no ticket) and queued for the helpdesk's shift ticket in the same transaction; the
profile can make a required item advisory; a macro that assigns or starts work waits for the
shift like the assign key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.errors import BadInput, Refused
from agentdesk.core.shift import Presence
from agentdesk.core.shift_record import read_shift
from agentdesk.desk import Desk, macros
from agentdesk.desk import shift as desk_shift
from agentdesk.store.engine import Store
from tests.conftest import FIXED_NOW
from tests.desk.test_shift import Clock, _desk, _ready, amara, clock, store  # noqa: F401
from tests.store.factory import verified


def _audit(desk: Desk) -> list[tuple[object, ...]]:
    with desk.store.read() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT ticket_id, shift_id, action, field, old_value, new_value FROM audit "
                    "WHERE shift_id IS NOT NULL ORDER BY id"
                )
            )
        ]


def _texts(desk: Desk) -> list[tuple[str, str]]:
    with desk.store.read() as connection:
        return [
            (row.kind, row.body)
            for row in connection.execute(text("SELECT kind, body FROM shift_outbox ORDER BY id"))
        ]


def test_each_shift_event_is_audited_and_queued_for_the_helpdesk(
    amara: Desk,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    view = desk_shift.start_shift(amara)
    shift_id = view.shift.id
    desk_shift.tick(amara, "tools")
    desk_shift.tick(amara, "tools")  # already ticked: no second event
    clock.now = FIXED_NOW + timedelta(minutes=5)
    desk_shift.set_presence(amara, Presence.BREAK)
    desk_shift.set_presence(amara, Presence.BREAK)  # no change: no event
    clock.now = FIXED_NOW + timedelta(minutes=20)
    desk_shift.set_presence(amara, Presence.AVAILABLE)
    desk_shift.leave_assigned(amara, 3, "customer calls back tomorrow")
    desk_shift.write_wrap_up(amara, "Handed nothing over; one callback tomorrow.")
    closed = desk_shift.end_shift(amara)

    rows = _audit(amara)
    assert all(ticket is None and shift == shift_id for ticket, shift, *_ in rows)
    assert [(action, field, old, new) for _, _, action, field, old, new in rows] == [
        ("shift_start", "", None, "360 min late"),
        ("shift_item", "tools", None, "done"),
        ("presence", "presence", "available", "on_break"),
        ("presence", "presence", "on_break", "available"),
        ("shift_wrap_up", "", None, "Handed nothing over; one callback tomorrow."),
        ("shift_end", "adherence", None, f"{closed.adherence:.1%}"),
    ]
    # The same events, in order, as the texts of one helpdesk ticket; a teammate's
    # agentdesk reads them back into the record.
    texts = _texts(amara)
    assert [kind for kind, _ in texts] == ["open", *["comment"] * 4, "close"]
    record = read_shift("7", [body for _, body in texts])
    assert record is not None
    assert record.agent == "amara.okafor"
    assert record.started_at == FIXED_NOW and record.ended_at == FIXED_NOW + timedelta(minutes=20)
    assert record.planned_start is not None and record.planned_start < FIXED_NOW
    assert [label for label, _ in record.ticked] == [
        "Tools logged in (phone, chat, knowledge base) [tools]"
    ]
    assert record.wrap_up == "Handed nothing over; one callback tomorrow."
    assert record.presence is None and not record.is_open


def test_a_ticket_audit_row_still_needs_its_ticket(amara: Desk) -> None:  # noqa: F811
    import sqlalchemy.exc

    with pytest.raises(sqlalchemy.exc.IntegrityError), amara.store.write() as connection:
        connection.execute(
            text("INSERT INTO audit (actor, action, at) VALUES ('x', 'y', '2026-01-01')")
        )


def test_the_profile_makes_a_required_item_advisory(
    store: Store,  # noqa: F811
    tmp_path: Path,
    clock: Clock,  # noqa: F811
) -> None:
    desk = _desk(store, tmp_path, "amara.okafor", clock, shift_advisory=frozenset({"tools"}))
    view = desk_shift.start_shift(desk)
    tools = next(s for s in view.items if s.item.id == "tools")
    assert not tools.item.required
    assert "Tools logged in (phone, chat, knowledge base)" not in view.missing
    assert "Announcements read" in view.missing

    wrong = _desk(store, tmp_path, "amara.okafor", clock, shift_advisory=frozenset({"tool"}))
    with pytest.raises(BadInput) as bad:
        desk_shift.shift_files(wrong)
    assert "[shift] advisory names no checklist item tool; the items are: " in str(bad.value)


def test_a_macro_that_assigns_waits_for_the_shift_like_the_assign_key(
    amara: Desk,  # noqa: F811
    store: Store,  # noqa: F811
) -> None:
    verified(store, 2, FIXED_NOW - timedelta(minutes=1))
    view = macros.macro_view(amara, 2)
    assert view is not None
    macro = view.library.get("opener-acknowledge-and-start")
    assert macro is not None
    desk_shift.start_shift(amara)
    with pytest.raises(Refused) as refused:
        macros.apply_macro(amara, 2, macro, {**view.values, "department": "Billing"})
    assert "the start checklist is not done; required: " in str(refused.value)
    assert "Tools logged in" in str(refused.value)
    with amara.store.read() as connection:
        assignee = connection.execute(text("SELECT assignee_id FROM tickets WHERE id = 2")).scalar()
    assert assignee is None  # nothing of the macro was written

    _ready(amara)
    macros.apply_macro(amara, 2, macro, {**view.values, "department": "Billing"})
    with amara.store.read() as connection:
        row = connection.execute(text("SELECT assignee_id, status FROM tickets WHERE id = 2")).one()
    assert (row.assignee_id, row.status) == (1, "in_progress")


def test_a_macro_that_only_tags_is_not_held_by_the_shift(
    amara: Desk,  # noqa: F811
) -> None:
    from agentdesk.core.changes import TicketChange
    from agentdesk.core.shift import ShiftGate
    from agentdesk.store.writes import apply_change

    gate = ShiftGate(True, True, ("Tools logged in",))
    apply_change(
        amara.store,
        2,
        TicketChange("macro.add_tags", add_tags=frozenset({"vip"})),
        actor="amara.okafor",
        now=FIXED_NOW,
        shift=gate,
    )
    with pytest.raises(Refused):
        apply_change(
            amara.store,
            2,
            TicketChange("macro.assign", assignee_id=1),
            actor="amara.okafor",
            now=FIXED_NOW,
            shift=gate,
        )
