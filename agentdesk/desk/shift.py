"""The shift: start it, tick and check its items, presence and breaks, announcements, the end
of shift (follow-ups, handovers, wrap-up) and the handovers waiting for the next agent.

The parts live apart (shift_view, shift_checklist, shift_presence, shift_end); this module
names them all, as the front ends call them as desk.shift.<verb>.

The TUI (screens/shift_start.py, shift_end.py) and `agentdesk shift` call these; the rules are
core.shift's; the record is store.shifts' tables, written inside desk.writing(...). A handover
is a ticket change like any other (store.writes, outbox, audit): RT gets the new owner and an
internal comment with the handover note. Blocking: front ends call these in a worker.
"""

from __future__ import annotations

from agentdesk.desk.shift_checklist import (
    PriorityTicket,
    acknowledge_announcement,
    priority_queue,
    priority_reviewed,
    record_check,
    run_checks,
    tick,
)
from agentdesk.desk.shift_end import (
    ClosedShift,
    end_shift,
    hand_over,
    leave_assigned,
    mark_follow_up,
    review_end,
    write_wrap_up,
)
from agentdesk.desk.shift_presence import acknowledge_handover, handovers_for_me, set_presence
from agentdesk.desk.shift_view import (
    NO_SHIFT_OPEN,
    PendingHandover,
    ShiftFiles,
    ShiftView,
    lateness,
    shift_files,
    shift_gate,
    shift_status,
    start_shift,
)

__all__ = [
    "NO_SHIFT_OPEN",
    "ClosedShift",
    "PendingHandover",
    "PriorityTicket",
    "ShiftFiles",
    "ShiftView",
    "acknowledge_announcement",
    "acknowledge_handover",
    "end_shift",
    "hand_over",
    "handovers_for_me",
    "lateness",
    "leave_assigned",
    "mark_follow_up",
    "priority_queue",
    "priority_reviewed",
    "record_check",
    "review_end",
    "run_checks",
    "set_presence",
    "shift_files",
    "shift_gate",
    "shift_status",
    "start_shift",
    "tick",
    "write_wrap_up",
]
