from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.lifecycle import ALLOWED, TransitionRefused, check_transition
from agentdesk.core.ticket import Status

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)

ALL_MOVES = [(old, new) for old in Status for new in Status]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Status.NEW, Status.ASSIGNED),
        (Status.ASSIGNED, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Status.PENDING),
        (Status.PENDING, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Status.RESOLVED),
        (Status.PENDING, Status.RESOLVED),
        (Status.RESOLVED, Status.IN_PROGRESS),  # reopen
    ],
)
def test_the_sop_path_and_reopen_are_allowed(old: Status, new: Status) -> None:
    check_transition("#1", old, new)


@pytest.mark.parametrize(("old", "new"), [m for m in ALL_MOVES if m[1] not in ALLOWED[m[0]]])
def test_every_other_move_is_refused_with_a_reason(old: Status, new: Status) -> None:
    with pytest.raises(TransitionRefused) as caught:
        check_transition("#7", old, new)
    message = str(caught.value)
    assert message.startswith(f"#7: cannot move from {old.label} to {new.label}: ")


def test_refusal_lists_what_is_allowed() -> None:
    with pytest.raises(TransitionRefused, match="from New it can go to: Assigned, In progress"):
        check_transition("#1", Status.NEW, Status.RESOLVED)


def test_closed_is_final() -> None:
    with pytest.raises(TransitionRefused, match="follow-up"):
        check_transition("#1", Status.CLOSED, Status.IN_PROGRESS)


def test_close_waits_for_the_48_hour_quality_window() -> None:
    resolved = NOW - timedelta(hours=47, minutes=59)
    with pytest.raises(TransitionRefused, match="quality window runs until"):
        check_transition("#1", Status.RESOLVED, Status.CLOSED, resolved_at=resolved, now=NOW)
    check_transition(
        "#1", Status.RESOLVED, Status.CLOSED, resolved_at=NOW - timedelta(hours=48), now=NOW
    )
