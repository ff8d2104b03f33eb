"""desk.ticket_work and desk.attachments on a real temp SQLite store: the SOP's refusals and
the lifecycle, in milliseconds (the Pilot tests keep what only the screen shows)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from agentdesk.core.changes import NoteIncomplete, PendingReason
from agentdesk.core.errors import BadInput, ReadOnly, Refused
from agentdesk.core.lifecycle import TransitionRefused
from agentdesk.core.note_template import Section, StructuredNote, Tag
from agentdesk.core.quality import Confirmation
from agentdesk.core.ticket import MessageKind, Priority, Status, Tier
from agentdesk.desk import Desk, attachments, ticket_work
from agentdesk.store.engine import Store
from agentdesk.store.notes import record_confirmation
from tests.desk.conftest import make_desk
from tests.store.factory import add_people, add_ticket, complete_note, replied, verified

TICKET = 10


def _rows(store: Store, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as connection:
        return connection.execute(sql, params).fetchall()


def _working(store: Store, now: datetime, status: Status = Status.IN_PROGRESS) -> int:
    add_ticket(store, TICKET, created_at=now - timedelta(hours=2), status=status, assignee_id=1)
    return TICKET


def _confirmed(store: Store, now: datetime) -> None:
    verified(store, TICKET, now - timedelta(minutes=6))
    record_confirmation(
        store,
        TICKET,
        Confirmation("Cannot log in", "New reset link", "today 16:00 UTC", True, now),
        agent="amara.okafor",
    )


def _snapshot(desk: Desk) -> Any:
    opened = ticket_work.read_ticket(desk, TICKET)
    assert opened is not None
    return opened.workspace.snapshot


def test_read_ticket_is_none_for_a_ticket_not_in_the_store(desk: Desk) -> None:
    assert ticket_work.read_ticket(desk, 999) is None


def test_a_reply_is_written_by_the_desks_agent(desk: Desk, store: Store, now: datetime) -> None:
    _working(store, now)
    verified(store, TICKET, now - timedelta(minutes=1))
    plan = ticket_work.send_message(desk, TICKET, MessageKind.REPLY, "Hello, on it")
    assert plan.outbox_op == "reply"
    assert _rows(store, "SELECT kind, body, author FROM messages WHERE ticket_id = ?", TICKET) == [
        ("reply", "Hello, on it", "Amara Okafor")
    ]
    assert _rows(store, "SELECT actor FROM audit WHERE action = 'reply'") == [("amara.okafor",)]


def test_resolve_with_an_empty_template_names_every_gap(
    desk: Desk, store: Store, now: datetime
) -> None:
    _working(store, now)
    with pytest.raises(NoteIncomplete) as refused:
        ticket_work.resolve(desk, TICKET, None)
    # Everything at once, the most blocking first (the order: tests/core/test_resolve_gaps.py).
    assert refused.value.missing == (
        "verification",
        *(s.value for s in Section),
        *(t.value for t in Tag),
        "confirmation",
        "quality",
    )
    assert str(refused.value).index("verify the customer") < str(refused.value).index(
        "Issue summary"
    )
    assert "no public reply to the customer at all" in str(refused.value)
    for label in ("Issue summary", "Steps taken", "Root cause hypothesis", "Next steps"):
        assert label in str(refused.value)
    assert "three-step confirmation missing" in str(refused.value)
    assert _rows(store, "SELECT status FROM tickets WHERE id = ?", TICKET) == [("in_progress",)]


def test_a_missing_tag_is_named_alone(desk: Desk, store: Store, now: datetime) -> None:
    _working(store, now)
    _confirmed(store, now)
    replied(store, TICKET, now)
    ticket_work.save_note(desk, TICKET, complete_note())
    note = complete_note()
    untagged = StructuredNote(
        sections=note.sections, tags={t: v for t, v in note.tags.items() if t is not Tag.CHANNEL}
    )
    with pytest.raises(NoteIncomplete) as refused:
        ticket_work.resolve(desk, TICKET, untagged)
    assert refused.value.missing == (Tag.CHANNEL.value,)
    assert "tag channel" in str(refused.value) and "Issue summary" not in str(refused.value)


def test_a_complete_note_without_confirmation_is_refused(
    desk: Desk, store: Store, now: datetime
) -> None:
    _working(store, now)
    with pytest.raises(Refused, match="three-step confirmation missing"):
        ticket_work.resolve(desk, TICKET, complete_note())
    assert _rows(store, "SELECT status FROM tickets WHERE id = ?", TICKET) == [("in_progress",)]


def test_fill_the_note_and_resolve(desk: Desk, store: Store, now: datetime) -> None:
    _working(store, now)
    _confirmed(store, now)
    saved = ticket_work.save_note(desk, TICKET, complete_note())
    assert saved.note is not None and saved.note.sla_deadline  # filled in, never typed
    ticket_work.send_message(desk, TICKET, MessageKind.REPLY, "Fixed: the new link works.")
    ticket_work.resolve(desk, TICKET, complete_note())
    assert _rows(store, "SELECT status FROM tickets WHERE id = ?", TICKET) == [("resolved",)]
    assert dict(
        _rows(store, "SELECT name, value FROM ticket_tags WHERE ticket_id = ?", TICKET)
    ) == {
        "product_area": "login",
        "issue_type": "password_reset",
        "priority": "P2",
        "channel": "email",
    }
    # Resolved: start is refused (it is a reopen), reopen goes back to In progress.
    with pytest.raises(Refused, match="reopened, not started"):
        ticket_work.start_work(desk, _snapshot(desk))
    ticket_work.reopen(desk, TICKET)
    assert _rows(store, "SELECT status FROM tickets WHERE id = ?", TICKET) == [("in_progress",)]


def test_pend_needs_the_note_and_pauses_the_sla(desk: Desk, store: Store, now: datetime) -> None:
    _working(store, now)
    with pytest.raises(NoteIncomplete, match="cannot pend yet: the structured note needs"):
        ticket_work.pend(desk, TICKET, PendingReason.INTERNAL_TEAM, None)
    ticket_work.pend(desk, TICKET, PendingReason.INTERNAL_TEAM, complete_note())
    assert _rows(
        store, "SELECT status, pending_reason, sla_due_at FROM tickets WHERE id = ?", TICKET
    ) == [("pending", "waiting_on_internal_team", None)]


def test_escalate_needs_a_reason_and_records_the_handoff(
    desk: Desk, store: Store, now: datetime
) -> None:
    _working(store, now)
    with pytest.raises(Refused, match="needs a reason"):
        ticket_work.escalate(desk, TICKET, Tier.L2, " ", complete_note())
    ticket_work.escalate(desk, TICKET, Tier.L2, "billing dispute", complete_note())
    assert _rows(store, "SELECT tier FROM tickets WHERE id = ?", TICKET) == [("L2",)]
    assert _rows(
        store, "SELECT reason, seconds_to_handoff FROM handoffs WHERE ticket_id = ?", TICKET
    ) == [("billing dispute", 7200)]


def test_an_escalation_goes_to_the_tiers_queue_or_a_named_agent_of_it(
    desk: Desk, store: Store, now: datetime
) -> None:
    """Issue 12 item 13: L2 finds an escalated ticket (its queue, or its agent's Mine)."""
    from agentdesk.desk import queue as desk_queue
    from agentdesk.store.rows import QueueFilter, View

    _working(store, now)
    opened = ticket_work.read_ticket(desk, TICKET)
    assert opened is not None
    # Li Wei (L2) is offered; Amara (L1) is not.
    assert [a.handle for a in opened.escalation_agents] == ["li.wei"]
    ticket_work.escalate(desk, TICKET, Tier.L2, "billing dispute", complete_note())
    assert _rows(store, "SELECT tier, assignee_id FROM tickets WHERE id = ?", TICKET) == [
        ("L2", None)
    ]
    l2_queue = QueueFilter(view=View.TIER, tier=Tier.L2)
    assert [r.id for r in desk_queue.page_queue(desk, l2_queue, now, 0, 10)] == [TICKET]
    assert desk_queue.page_queue(desk, QueueFilter(view=View.TIER, tier=Tier.L1), now, 0, 10) == []

    add_ticket(
        store, 11, created_at=now - timedelta(hours=1), status=Status.IN_PROGRESS, assignee_id=1
    )
    with pytest.raises(Refused, match="not to an L1 agent"):
        ticket_work.escalate(desk, 11, Tier.L2, "billing", complete_note(), assignee_id=1)
    with pytest.raises(Refused, match="no agent with id 99"):
        ticket_work.escalate(desk, 11, Tier.L2, "billing", complete_note(), assignee_id=99)
    ticket_work.escalate(desk, 11, Tier.L2, "billing", complete_note(), assignee_id=2)
    assert _rows(store, "SELECT tier, assignee_id FROM tickets WHERE id = 11") == [("L2", 2)]
    mine_l2 = QueueFilter(view=View.MINE, agent_id=2)
    assert [r.id for r in desk_queue.page_queue(desk, mine_l2, now, 0, 10)] == [11]


def test_assign_to_me_then_change_priority_with_a_reason(
    desk: Desk, store: Store, now: datetime
) -> None:
    add_ticket(store, TICKET, created_at=now - timedelta(hours=1), priority=Priority.P3)
    ticket_work.assign_to_me(desk, _snapshot(desk))
    assert _rows(store, "SELECT status, assignee_id FROM tickets WHERE id = ?", TICKET) == [
        ("assigned", 1)
    ]
    with pytest.raises(Refused, match="needs a reason"):
        ticket_work.change_priority(desk, TICKET, Priority.P2, "")
    ticket_work.change_priority(desk, TICKET, Priority.P2, "VIP")
    assert _rows(
        store,
        "SELECT new_value FROM audit WHERE ticket_id = ? AND field = 'reason' ORDER BY id DESC",
        TICKET,
    )[0] == ("VIP",)


def test_assign_to_me_without_an_agent_is_refused(store: Store, now: datetime) -> None:
    add_people(store, now)
    add_ticket(store, TICKET, created_at=now - timedelta(hours=1))
    desk = make_desk(store, now, agent=None)
    assert desk.actor.handle == "local"  # the one fallback (session.py)
    with pytest.raises(Refused, match=r"set \[agent\] handle"):
        ticket_work.assign_to_me(desk, _snapshot(desk))


def test_lifecycle_refusals_name_what_is_allowed(desk: Desk, store: Store, now: datetime) -> None:
    add_ticket(store, TICKET, created_at=now - timedelta(hours=1))
    with pytest.raises(TransitionRefused, match="from New it can go to: Assigned, In progress"):
        ticket_work.resolve(desk, TICKET, complete_note())
    with pytest.raises(Refused, match="only a Resolved ticket is reopened"):
        ticket_work.reopen(desk, TICKET)
    assert _rows(store, "SELECT count(*) FROM outbox") == [(0,)]


def test_a_read_only_desk_refuses_every_write(store: Store, now: datetime) -> None:
    add_people(store, now)
    _working(store, now)
    desk = make_desk(store, now, read_only=True)
    with pytest.raises(ReadOnly, match="cannot send a reply"):
        ticket_work.send_message(desk, TICKET, MessageKind.REPLY, "Hello")
    with pytest.raises(ReadOnly, match="cannot save the draft"):
        ticket_work.save_draft(desk, TICKET, "composer", "reply", "Hello")
    assert ticket_work.read_ticket(desk, TICKET) is not None  # reading is fine


def test_a_draft_is_kept_and_spent(desk: Desk, store: Store, now: datetime) -> None:
    _working(store, now)
    ticket_work.save_draft(desk, TICKET, "composer", "internal_note", "half a thought")
    opened = ticket_work.read_ticket(desk, TICKET)
    assert opened is not None and opened.workspace.drafts["composer"].body == "half a thought"
    ticket_work.save_draft(desk, TICKET, "composer", "internal_note", "")
    assert _rows(store, "SELECT count(*) FROM drafts") == [(0,)]


def test_attachments_over_10_mb_missing_or_empty_are_refused(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    _working(store, now)
    big = tmp_path / "capture.pcap"
    big.write_bytes(b"\0" * 11_000_000)
    # Decimal MB, as the SOP's 10 MB means: 10,000,000 bytes.
    with pytest.raises(
        Refused, match=r"capture\.pcap is 11\.0 MB; attachments may be at most 10 MB$"
    ):
        attachments.attach_file(desk, TICKET, str(big))
    big.write_bytes(b"\0" * 10_000_001)
    with pytest.raises(
        Refused, match=r"is 10,000,001 bytes; attachments may be at most 10 MB \(10,000,000 bytes\)"
    ):
        attachments.attach_file(desk, TICKET, str(big))
    with pytest.raises(Refused, match="no file at"):
        attachments.attach_file(desk, TICKET, str(tmp_path / "missing.txt"))
    with pytest.raises(Refused, match="is a folder"):
        attachments.attach_file(desk, TICKET, str(tmp_path))
    small = tmp_path / "screenshot.png"
    small.write_bytes(b"\x89PNG" + b"\0" * 2000)
    attachments.attach_file(desk, TICKET, str(small))
    ((attachment_id, name, mime, size),) = _rows(
        store, "SELECT id, filename, mime_type, size FROM attachments"
    )
    assert (name, mime, size) == ("screenshot.png", "image/png", 2004)
    assert attachments.attachment_data(desk, attachment_id) == small.read_bytes()


def test_a_closed_ticket_takes_no_reply(desk: Desk, store: Store, now: datetime) -> None:
    _working(store, now, Status.CLOSED)
    with pytest.raises(Refused, match="closed; open a follow-up ticket"):
        ticket_work.send_message(desk, TICKET, MessageKind.INTERNAL_NOTE, "one more thing")


def _one_attachment(
    desk: Desk, store: Store, now: datetime, tmp_path: Path, *, new_ticket: bool = True
) -> int:
    if new_ticket:
        _working(store, now)
    shot = tmp_path / "screen shot.png"
    shot.write_bytes(b"\x89PNG" + b"\1" * 100)
    attachments.attach_file(desk, TICKET, str(shot))
    return int(_rows(store, "SELECT max(id) FROM attachments")[0][0])


def test_exactly_10_mb_may_be_attached(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    _working(store, now)
    limit = tmp_path / "limit.bin"
    limit.write_bytes(b"\0" * 10_000_000)
    attachments.attach_file(desk, TICKET, str(limit))
    assert _rows(store, "SELECT size FROM attachments") == [(10_000_000,)]


def test_an_attachment_is_saved_to_a_folder_and_never_overwrites_unasked(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    attachment_id = _one_attachment(desk, store, now, tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    saved = attachments.save_attachment(desk, TICKET, attachment_id, str(folder))
    assert saved == folder / "screen shot.png"
    assert saved.read_bytes() == b"\x89PNG" + b"\1" * 100
    saved.write_bytes(b"mine")
    with pytest.raises(attachments.TargetExists, match="already exists") as exists:
        attachments.save_attachment(desk, TICKET, attachment_id, str(folder))
    assert exists.value.path == saved and saved.read_bytes() == b"mine"
    attachments.save_attachment(desk, TICKET, attachment_id, str(saved), overwrite=True)
    assert saved.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(BadInput, match="no folder at"):
        attachments.save_attachment(desk, TICKET, attachment_id, str(tmp_path / "no/x.png"))


def test_opening_an_attachment_saves_a_private_copy_and_uses_the_opener_only_with_a_display(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    attachment_id = _one_attachment(desk, store, now, tmp_path)
    launched: list[list[str]] = []
    bare = attachments.open_attachment(
        desk, TICKET, attachment_id, environ={}, launch=launched.append
    )
    assert bare.opened_with is None and bare.path.name == "screen shot.png"
    assert bare.path.read_bytes().startswith(b"\x89PNG") and launched == []
    assert bare.path.stat().st_mode & 0o777 == 0o600
    import shutil
    import sys

    if sys.platform != "darwin" and shutil.which("xdg-open"):
        shown = attachments.open_attachment(
            desk, TICKET, attachment_id, environ={"DISPLAY": ":0"}, launch=launched.append
        )
        assert launched == [[shutil.which("xdg-open"), str(shown.path)]]


def test_removing_an_attachment_is_audited_and_refused_on_a_closed_ticket(
    desk: Desk, store: Store, now: datetime, tmp_path: Path
) -> None:
    attachment_id = _one_attachment(desk, store, now, tmp_path)
    assert attachments.remove_attachment(desk, TICKET, attachment_id) == "screen shot.png"
    assert _rows(store, "SELECT count(*) FROM attachments") == [(0,)]
    assert _rows(
        store,
        "SELECT actor, field, old_value, new_value FROM audit WHERE action = 'remove_attachment'",
    ) == [("amara.okafor", "attachment", "screen shot.png (104 bytes)", None)]
    with pytest.raises(Refused, match="no such attachment"):
        attachments.remove_attachment(desk, TICKET, attachment_id)
    again = _one_attachment(desk, store, now, tmp_path, new_ticket=False)
    with store.write() as connection:
        connection.execute(text("UPDATE tickets SET status = 'closed'"))
    with pytest.raises(Refused, match="closed"):
        attachments.remove_attachment(desk, TICKET, again)
    read_only = make_desk(store, now, read_only=True)
    with pytest.raises(ReadOnly):
        attachments.remove_attachment(read_only, TICKET, again)


def test_a_ticket_whose_conversation_a_first_sync_owes_says_so_and_is_asked_for_first(
    desk: Desk, store: Store, now: datetime
) -> None:
    _working(store, now)
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE tickets SET remote_id = '710' WHERE id = ?", (TICKET,))
        connection.execute(
            "INSERT INTO sync_tickets (ticket_id, backend, remote_values) VALUES (?, 'rt', '{}')",
            (TICKET,),
        )
    opened = ticket_work.read_ticket(desk, TICKET)
    assert opened is not None and opened.workspace.conversation_owed
    assert desk.opened_first() == (TICKET,)
    # Its conversation read (the mark written with it): nothing owed, nothing asked again.
    with sqlite3.connect(store.path) as connection:
        connection.execute(
            "INSERT INTO sync_history (ticket_id, backend, last_txn) VALUES (?, 'rt', 9)",
            (TICKET,),
        )
    other = make_desk(store, now)
    opened = ticket_work.read_ticket(other, TICKET)
    assert opened is not None and not opened.workspace.conversation_owed
    assert other.opened_first() == ()
