"""A read-only desk (supervisor monitoring) refuses every write of the queue side, and the
database file's bytes stay as they were. The same calls on a working desk do write, so the
check is not empty."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from agentdesk.core.errors import ReadOnly, Refused
from agentdesk.core.intake import IntakeForm, NewCustomer
from agentdesk.core.links import LinkKind
from agentdesk.core.shift import Presence
from agentdesk.core.ticket import Channel, Priority, Region
from agentdesk.desk import Desk, conflicts, qa, surveys, sync_status
from agentdesk.desk import intake as desk_intake
from agentdesk.desk import links as desk_links
from agentdesk.desk import queue as desk_queue
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.session import auto_close, open_desk
from agentdesk.desk.shift_checks import CheckResult
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.rows import QueueFilter
from tests.conftest import FIXED_NOW
from tests.desk.queue_fixtures import fill, local_settings, make_desk


def _first_conflict(desk: Desk) -> int:
    return conflicts.list_conflicts(desk)[0].id


def _record_breaches(desk: Desk) -> object:
    return desk_queue.record_breaches(desk)


def _resolve_kept_mine(desk: Desk) -> object:
    return conflicts.resolve_conflict(desk, _first_conflict(desk), "kept_mine")


def _resolve_edited(desk: Desk) -> object:
    return conflicts.resolve_conflict(desk, _first_conflict(desk), "edited", "P1")


def _resolve_took_theirs(desk: Desk) -> object:
    return conflicts.resolve_conflict(desk, _first_conflict(desk), "took_theirs")


def _sync_once(desk: Desk) -> object:
    return sync_status.sync_once(desk, sync_status.open_backend(desk.settings))


def _resume_sync(desk: Desk) -> object:
    return sync_status.resume_sync(desk, sync_status.open_backend(desk.settings))


def _keep_syncing(desk: Desk) -> object:
    backend = sync_status.open_backend(desk.settings)
    return sync_status.keep_syncing(desk, backend, once=True, interval=1, report=print)


def _shift_then(call: Callable[[Desk], object]) -> Callable[[Desk], object]:
    """A shift write needs an open shift: a read-only desk refuses the start already."""

    def both(desk: Desk) -> object:
        desk_shift.start_shift(desk)
        return call(desk)

    return both


_INTAKE = IntakeForm(1, Channel.PHONE, Priority.P2, "Card declined", "It was declined twice.")


def _as_qa(desk: Desk) -> object:
    """Issue 15: reviews are the QA role's writes."""
    from dataclasses import replace

    desk.session.settings = replace(desk.session.settings, extra={"role": "qa"})
    marks = dict.fromkeys(qa.rubric(desk).keys, True)
    return qa.record_review(desk, 3, marks, "fine")


WRITES: dict[str, Callable[[Desk], object]] = {
    "shift.start_shift": desk_shift.start_shift,
    "shift.tick": _shift_then(lambda desk: desk_shift.tick(desk, "tools")),
    "shift.record_check": _shift_then(
        lambda desk: desk_shift.record_check(desk, CheckResult("keyring", True, "ok", 0.1))
    ),
    "shift.acknowledge_announcement": _shift_then(
        lambda desk: desk_shift.acknowledge_announcement(desk, "2026-11-refund-window")
    ),
    "shift.priority_reviewed": _shift_then(
        lambda desk: desk_shift.priority_reviewed(desk, {1, 2, 3, 4})
    ),
    "shift.set_presence": _shift_then(lambda desk: desk_shift.set_presence(desk, Presence.BREAK)),
    "shift.mark_follow_up": _shift_then(
        lambda desk: desk_shift.mark_follow_up(desk, 3, FIXED_NOW, "call")
    ),
    "shift.leave_assigned": _shift_then(lambda desk: desk_shift.leave_assigned(desk, 3, "mine")),
    "shift.hand_over": _shift_then(
        lambda desk: desk_shift.hand_over(desk, 3, "over to you", to_agent="li.wei")
    ),
    "shift.write_wrap_up": _shift_then(lambda desk: desk_shift.write_wrap_up(desk, "quiet")),
    "shift.end_shift": _shift_then(
        lambda desk: (
            desk_shift.leave_assigned(desk, 3, "mine"),
            desk_shift.write_wrap_up(desk, "quiet"),
            desk_shift.end_shift(desk),
        )
    ),
    "queue.record_breaches": _record_breaches,
    "intake.create_customer": lambda desk: desk_intake.create_customer(
        desk, NewCustomer("Zed Quinn", "zed@example.org", "", "ACC-NEW", Region.APAC)
    ),
    "intake.open_ticket": lambda desk: desk_intake.open_ticket(
        desk, _INTAKE, opened_at=FIXED_NOW - timedelta(minutes=1)
    ),
    "intake.follow_up": lambda desk: desk_intake.follow_up(
        desk, 5, _INTAKE, opened_at=FIXED_NOW - timedelta(minutes=1)
    ),
    "conflicts.resolve_conflict kept_mine": _resolve_kept_mine,
    "conflicts.resolve_conflict edited": _resolve_edited,
    "conflicts.resolve_conflict took_theirs": _resolve_took_theirs,
    "sync_status.sync_once": _sync_once,
    "sync_status.resume_sync": _resume_sync,
    "sync_status.keep_syncing": _keep_syncing,
    "links.link_tickets": lambda desk: desk_links.link_tickets(desk, 2, 3, LinkKind.REFERS_TO),
    "links.merge_into": lambda desk: desk_links.merge_into(desk, 2, 3),
    "surveys.record_survey": lambda desk: surveys.record_survey(desk, 4, "csat", 5),
    "qa.record_review": _as_qa,
}
# auto_close writes only when a resolved ticket's window is over: refused all the same.
REFUSED_ONLY: dict[str, Callable[[Desk], object]] = {"session.auto_close": auto_close}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A filled store, closed: every write is checkpointed into the main file."""
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    fill(store)
    store.close()
    return store.path


def _run(db: Path, call: Callable[[Desk], object], *, read_only: bool) -> None:
    store = open_store(db, load_sla_policy())
    try:
        call(make_desk(store, db.parent, read_only=read_only))
    finally:
        store.close()  # a checkpoint: what was written is in the main file now


@pytest.mark.parametrize("name", [*WRITES, *REFUSED_ONLY])
def test_a_read_only_desk_refuses_the_write_and_leaves_the_file_alone(db: Path, name: str) -> None:
    call = {**WRITES, **REFUSED_ONLY}[name]
    before = _digest(db)
    with pytest.raises(ReadOnly) as refused:
        _run(db, call, read_only=True)
    assert isinstance(refused.value, Refused)
    assert str(refused.value).startswith("monitoring mode is read-only: cannot ")
    assert _digest(db) == before


@pytest.mark.parametrize("name", list(WRITES))
def test_a_working_desk_does_write(db: Path, name: str) -> None:
    before = _digest(db)
    _run(db, WRITES[name], read_only=False)
    assert _digest(db) != before


def test_a_read_only_desk_still_reads(db: Path) -> None:
    before = _digest(db)

    def reads(desk: Desk) -> object:
        assert desk_queue.open_queue(desk, QueueFilter(), 10).total == 3
        assert desk_queue.queue_counts(desk).pending_outbox == 1
        assert desk_queue.build_search_index(desk).search("refund", 5)
        assert len(conflicts.list_conflicts(desk)) == 1
        return None

    _run(db, reads, read_only=True)
    assert _digest(db) == before


def test_a_read_only_open_skips_the_start_of_day_writes(db: Path) -> None:
    before = _digest(db)
    desk = open_desk(local_settings(db.parent), lambda: FIXED_NOW, read_only=True)
    try:
        assert desk.read_only and desk.actor.agent_id == 1
    finally:
        desk.store.close()
    assert _digest(db) == before
    # The same open as a working desk records the waiting breach.
    open_desk(local_settings(db.parent), lambda: FIXED_NOW).store.close()
    assert _digest(db) != before
