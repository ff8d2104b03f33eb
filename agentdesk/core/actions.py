"""What an agent may do on a ticket now, and why not: the one judge the ticket screen's keys,
its command palette and plan_change all ask.

The answer reads the ticket's status (through core.lifecycle's table for the actions that
move it), and for clearing a verification lock the lock and the agent's tier. What an action
then needs written (the note template, the confirmation, a reason, a passed verification) is
plan_change's to check when the change arrives: those gaps are named at once, with focus on
the field, rather than by a key that never lights up.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from agentdesk.core.lifecycle import transition_refusal
from agentdesk.core.shift import ShiftGate, take_refusal
from agentdesk.core.ticket import Status, Tier
from agentdesk.core.verification import may_clear_lock

if TYPE_CHECKING:
    from agentdesk.core.changes import TicketSnapshot
    from agentdesk.core.verification import VerificationStatus


class Action(StrEnum):
    """Every action on a ticket, named as the ticket screen's key runs it."""

    REPLY = "reply"
    INTERNAL_NOTE = "internal_note"
    ASSIGN_TO_ME = "assign_to_me"
    START_WORK = "start_work"
    PEND = "pend"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    CHANGE_PRIORITY = "change_priority"
    TAGS = "tags"
    SAVE_NOTE = "save_note"
    ATTACH = "attach"
    MACROS = "macros"
    UNDO_MACRO = "undo_macro"
    VERIFY = "verify"
    CONFIRM = "confirm"
    CLEAR_LOCK = "clear_lock"
    LINK = "link"
    MERGE = "merge"
    FOLLOW_UP = "follow_up"
    AT_RISK = "at_risk"
    """The SLA-at-risk emergency path (screens/at_risk.py)."""
    TIER_WHY_NOT = "tier_why_not"
    """Record why a ticket past its tier's time limit stays at the tier."""
    RECORD_SURVEY = "record_survey"


CLOSED = "the ticket is closed; open a follow-up ticket"

# The lifecycle move each moving action makes (core.lifecycle.ALLOWED says from where).
MOVES: dict[Action, Status] = {
    Action.START_WORK: Status.IN_PROGRESS,
    Action.PEND: Status.PENDING,
    Action.RESOLVE: Status.RESOLVED,
    Action.REOPEN: Status.IN_PROGRESS,
}

# The action a TicketChange carries (its audit and outbox name) -> the action it is.
# Changes of other names (macros, auto-close, sync) are judged by plan_change alone.
CHANGE_ACTIONS: dict[str, Action] = {
    "reply": Action.REPLY,
    "internal_note": Action.INTERNAL_NOTE,
    "assign": Action.ASSIGN_TO_ME,
    "start": Action.START_WORK,
    "pend": Action.PEND,
    "resolve": Action.RESOLVE,
    "reopen": Action.REOPEN,
    "escalate": Action.ESCALATE,
    "change_priority": Action.CHANGE_PRIORITY,
    "tag": Action.SAVE_NOTE,
    "note": Action.SAVE_NOTE,
    "attach": Action.ATTACH,
}

# Open while the ticket is not closed: writing to it, its note and its files.
_UNTIL_CLOSED = frozenset(
    {
        Action.REPLY,
        Action.INTERNAL_NOTE,
        Action.TAGS,
        Action.SAVE_NOTE,
        Action.ATTACH,
        Action.MACROS,
        Action.LINK,
    }
)
# Open while the ticket is open (neither resolved nor closed).
_WHILE_OPEN = frozenset(
    {Action.ASSIGN_TO_ME, Action.ESCALATE, Action.CHANGE_PRIORITY, Action.VERIFY, Action.MERGE}
)
_DOING = {
    Action.ASSIGN_TO_ME: "assign it",
    Action.ESCALATE: "escalate it",
    Action.CHANGE_PRIORITY: "change its priority",
    Action.VERIFY: "verify the customer",
    Action.MERGE: "merge it into another ticket",
}


def status_refusal(action: Action, status: Status) -> str | None:
    """Why the action is not open to a ticket in this status, or None. plan_change asks it
    for every change named in CHANGE_ACTIONS."""
    if action in MOVES:
        target = MOVES[action]
        refusal = transition_refusal(status, target)
        if refusal is None and action is Action.REOPEN and status is not Status.RESOLVED:
            return "only a Resolved ticket is reopened"
        if refusal is None and action is Action.START_WORK and status is Status.RESOLVED:
            return "a Resolved ticket is reopened, not started"
        return refusal
    if action in _UNTIL_CLOSED:
        return CLOSED if status is Status.CLOSED else None
    if action in _WHILE_OPEN:
        return None if status.is_open else f"the ticket is {status.label}: cannot {_DOING[action]}"
    if action is Action.FOLLOW_UP:
        # A Closed ticket is never reopened: the customer's next contact is a new ticket.
        if status is Status.CLOSED:
            return None
        if status is Status.RESOLVED:
            return "the ticket is Resolved: reopen it (o) instead of a follow-up"
        return f"the ticket is {status.label}: a follow-up is for a Closed ticket"
    if action is Action.CONFIRM:
        if status in (Status.IN_PROGRESS, Status.PENDING):
            return None
        return f"the ticket is {status.label}: the confirmation is taken while it is worked"
    if action in (Action.AT_RISK, Action.TIER_WHY_NOT):
        return None if status.is_open else f"the ticket is {status.label}: nothing is at risk"
    if action is Action.RECORD_SURVEY:
        # The survey follows the resolve (the closing macro asks it); a late answer still
        # lands on the closed ticket.
        if status in (Status.RESOLVED, Status.CLOSED):
            return None
        return f"the ticket is {status.label}: the survey is taken after the resolve"
    return None  # undo_macro (the store says why not), clear_lock (see why_not)


# Taking a ticket waits for the shift's required start items (core.shift).
TAKING = frozenset({Action.ASSIGN_TO_ME, Action.START_WORK})


def shift_refusal(action: Action, shift: ShiftGate | None) -> str | None:
    """Why the agent's shift does not let them take the ticket yet, or None."""
    return take_refusal(shift) if action in TAKING else None


def macro_taking(change_action: str, assigns: bool, starts: bool) -> Action | None:
    """The taking action a macro's step amounts to (issue 13): a macro that assigns the
    ticket, or starts work on it, waits for the shift like the assign and start keys."""
    if change_action == "macro.assign" and assigns:
        return Action.ASSIGN_TO_ME
    if change_action == "macro.set_status" and starts:
        return Action.START_WORK
    return None


def why_not(
    action: Action,
    snapshot: TicketSnapshot,
    agent_tier: Tier | None,
    verification: VerificationStatus,
    shift: ShiftGate | None = None,
    *,
    sla_at_risk: bool = False,
    tier_limit_passed: bool = False,
) -> str | None:
    """Why this agent may not take the action on the ticket now, or None when they may.
    shift: the agent's shift gate (None: shifts are not enforced on this desk).
    sla_at_risk, tier_limit_passed: what core.emergency.urgency_of says of the ticket now."""
    refusal = status_refusal(action, snapshot.status)
    if action is Action.AT_RISK and refusal is None and not sla_at_risk:
        return "the SLA is not at risk"
    if action is Action.TIER_WHY_NOT and refusal is None and not tier_limit_passed:
        return "the ticket is within its tier's time limit"
    if action is Action.CLEAR_LOCK:
        if not verification.locked:
            return "verification is not locked"
        if not may_clear_lock(agent_tier):
            return "only a Level 2 or Level 3 agent can clear a verification lock"
        return None
    return refusal or shift_refusal(action, shift)


def allowed_actions(
    snapshot: TicketSnapshot,
    agent_tier: Tier | None,
    verification: VerificationStatus,
    shift: ShiftGate | None = None,
    *,
    sla_at_risk: bool = False,
    tier_limit_passed: bool = False,
) -> dict[Action, str | None]:
    """Every action -> None when it is allowed now, else why not."""
    return {
        action: why_not(
            action,
            snapshot,
            agent_tier,
            verification,
            shift,
            sla_at_risk=sla_at_risk,
            tier_limit_passed=tier_limit_passed,
        )
        for action in Action
    }
