"""core.actions: which ticket actions are open in each status, and that plan_change agrees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.actions import Action, allowed_actions, why_not
from agentdesk.core.attachments import NewAttachment
from agentdesk.core.changes import (
    NewMessage,
    PendingReason,
    TicketChange,
    TicketSnapshot,
    plan_change,
)
from agentdesk.core.errors import Refused
from agentdesk.core.note_template import Section, StructuredNote, Tag
from agentdesk.core.quality import Confirmation
from agentdesk.core.sla import start_pause
from agentdesk.core.ticket import MessageKind, Priority, Region, Status, Tier
from agentdesk.core.verification import (
    Attempt,
    Factor,
    Outcome,
    VerificationPolicy,
    VerificationStatus,
    verification_status,
)
from agentdesk.shipped import load_sla_policy, load_taxonomy

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
AGENT_ID = 7

NOTE = StructuredNote(
    sections={
        Section.ISSUE_SUMMARY: "Cannot log in since the password reset.",
        Section.STEPS_TAKEN: "Verified identity; sent a new reset link.",
        Section.ROOT_CAUSE: "Reset token expired before use.",
        Section.NEXT_STEPS: "Confirm the customer is back in by tomorrow.",
    },
    tags={
        Tag.PRODUCT_AREA: "login",
        Tag.ISSUE_TYPE: "password_reset",
        Tag.PRIORITY: "P2",
        Tag.CHANNEL: "email",
    },
)
EDITED = replace(NOTE, sections={**NOTE.sections, Section.NEXT_STEPS: "Call back at 16:00."})

# What the ticket screen's check_action answered before core.actions (issue 10): the keys,
# the key bar and the palette show exactly this.
OPEN_IN: dict[Action, frozenset[Status]] = {
    Action.REOPEN: frozenset({Status.RESOLVED}),
    Action.RESOLVE: frozenset({Status.IN_PROGRESS, Status.PENDING}),
    Action.PEND: frozenset({Status.IN_PROGRESS}),
    Action.START_WORK: frozenset({Status.NEW, Status.ASSIGNED, Status.PENDING}),
    Action.CONFIRM: frozenset({Status.IN_PROGRESS, Status.PENDING}),
    **{
        a: frozenset(s for s in Status if s.is_open)
        for a in (
            Action.ASSIGN_TO_ME,
            Action.ESCALATE,
            Action.CHANGE_PRIORITY,
            Action.VERIFY,
            # Issue 14: only an open duplicate is merged (a closed one is done with).
            Action.MERGE,
        )
    },
    **{
        a: frozenset(s for s in Status if s is not Status.CLOSED)
        for a in (
            Action.REPLY,
            Action.INTERNAL_NOTE,
            Action.ATTACH,
            Action.TAGS,
            Action.MACROS,
            # Not asked before (always offered); a closed ticket takes no note in plan_change.
            Action.SAVE_NOTE,
            # Issue 14: a link from a closed ticket is a follow-up's to make.
            Action.LINK,
        )
    },
    Action.UNDO_MACRO: frozenset(Status),  # the store says why not (who applied it, synced)
    # Issue 14: a new ticket linked to the Closed one (desk.intake.follow_up asks the same).
    Action.FOLLOW_UP: frozenset({Status.CLOSED}),
    # Open while the ticket is open AND its SLA is at risk / its tier limit passed.
    Action.AT_RISK: frozenset(s for s in Status if s.is_open),
    Action.TIER_WHY_NOT: frozenset(s for s in Status if s.is_open),
    # Issue 15: a phone agent records the caller's survey answer after the resolve.
    Action.RECORD_SURVEY: frozenset({Status.RESOLVED, Status.CLOSED}),
}


def _ready(status: Status) -> TicketSnapshot:
    """A ticket in that status with everything the SOP asks written: the note, the
    confirmation, a passed verification and a public reply after the note; so only the
    status can refuse."""
    created = NOW - timedelta(hours=3)
    return TicketSnapshot(
        id=42,
        subject="Cannot log in",
        priority=Priority.P2,
        status=status,
        region=Region.EMEA,
        tier=Tier.L1,
        assignee_id=None,
        created_at=created,
        first_response_at=created + timedelta(minutes=20),
        resolved_at=NOW - timedelta(hours=1)
        if status in (Status.RESOLVED, Status.CLOSED)
        else None,
        closed_at=NOW - timedelta(minutes=5) if status is Status.CLOSED else None,
        pending_reason=PendingReason.CUSTOMER.value if status is Status.PENDING else "",
        sla_pauses=start_pause((), NOW - timedelta(minutes=30)) if status is Status.PENDING else (),
        note=NOTE,
        note_at=NOW - timedelta(minutes=30),
        last_reply_at=NOW - timedelta(minutes=10),
        confirmation=Confirmation("restated", "a new link", "today 16:00", True, NOW),
        verification_attempts=(
            Attempt(NOW - timedelta(minutes=5), Outcome.PASSED, (Factor.ACCOUNT_ID,)),
        ),
    )


def _verification(snapshot: TicketSnapshot) -> VerificationStatus:
    return verification_status(snapshot.verification_attempts, now=NOW, policy=VerificationPolicy())


def _change(action: Action, ticket: TicketSnapshot) -> TicketChange | None:
    """The change the ticket screen sends for the action; None for an action that is not a
    ticket change (a dialog, a wizard, the store's undo)."""
    match action:
        case Action.REPLY | Action.INTERNAL_NOTE:
            kind = MessageKind(action.value)
            return TicketChange(action.value, message=NewMessage(kind, "Hello", "Amara", AGENT_ID))
        case Action.ASSIGN_TO_ME:
            status = Status.ASSIGNED if ticket.status is Status.NEW else None
            return TicketChange("assign", status=status, assignee_id=AGENT_ID)
        case Action.START_WORK:
            return TicketChange("start", status=Status.IN_PROGRESS, assignee_id=AGENT_ID)
        case Action.PEND:
            return TicketChange(
                "pend", status=Status.PENDING, pending_reason=PendingReason.CUSTOMER, note=NOTE
            )
        case Action.RESOLVE:
            return TicketChange("resolve", status=Status.RESOLVED, note=NOTE)
        case Action.REOPEN:
            return TicketChange("reopen", status=Status.IN_PROGRESS)
        case Action.ESCALATE:
            return TicketChange("escalate", tier=Tier.L2, reason="billing", note=NOTE)
        case Action.CHANGE_PRIORITY:
            return TicketChange("change_priority", priority=Priority.P1, reason="VIP")
        case Action.TAGS:
            tagged = replace(NOTE, tags={**NOTE.tags, Tag.ISSUE_TYPE: "account_locked"})
            return TicketChange("tag", note=tagged)
        case Action.SAVE_NOTE:
            return TicketChange("note", note=EDITED)
        case Action.ATTACH:
            return TicketChange("attach", attachment=NewAttachment("a.txt", "text/plain", b"x"))
    return None


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(Status))
def test_the_answer_is_what_the_ticket_keys_offered(status: Status, action: Action) -> None:
    ticket = _ready(status)
    verification = _verification(ticket)
    refusal = allowed_actions(
        ticket, Tier.L2, verification, sla_at_risk=True, tier_limit_passed=True
    )[action]
    if action is Action.CLEAR_LOCK:
        assert refusal == "verification is not locked"
    else:
        assert (refusal is None) == (status in OPEN_IN[action]), refusal
        assert refusal is None or refusal.strip()


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(Status))
def test_plan_change_refuses_exactly_what_the_answer_refuses(
    status: Status, action: Action
) -> None:
    ticket = _ready(status)
    refusal = why_not(action, ticket, Tier.L1, _verification(ticket))
    if action in (Action.LINK, Action.MERGE):
        _link_or_merge_agrees(ticket, action, refusal)
        return
    change = _change(action, ticket)
    if change is None:
        assert action in (
            Action.MACROS,
            Action.UNDO_MACRO,
            Action.VERIFY,
            Action.CONFIRM,
            Action.CLEAR_LOCK,
            Action.FOLLOW_UP,
            Action.AT_RISK,
            Action.TIER_WHY_NOT,
            Action.RECORD_SURVEY,  # not a ticket change: desk.surveys asks status_refusal
        )
        return
    policy, taxonomy = load_sla_policy(), load_taxonomy()
    if refusal is None:
        plan_change(ticket, change, now=NOW, policy=policy, taxonomy=taxonomy)
    else:
        with pytest.raises(Refused) as refused:
            plan_change(ticket, change, now=NOW, policy=policy, taxonomy=taxonomy)
        assert refusal in str(refused.value)


def _link_or_merge_agrees(ticket: TicketSnapshot, action: Action, refusal: str | None) -> None:
    """Links and merges are planned by core.links (not a TicketChange): the same answer."""
    from agentdesk.core.links import LinkKind, plan_link, plan_merge

    other = replace(_ready(Status.IN_PROGRESS), id=43)
    policy = load_sla_policy()

    def plan() -> None:
        if action is Action.LINK:
            plan_link(ticket, other, LinkKind.REFERS_TO)
        else:
            plan_merge(ticket, other, now=NOW, policy=policy)

    if refusal is None:
        plan()
    else:
        with pytest.raises(Refused) as refused:
            plan()
        assert refusal in str(refused.value)


def _locked() -> tuple[TicketSnapshot, VerificationStatus]:
    failed = tuple(
        Attempt(NOW - timedelta(minutes=m), Outcome.FAILED, failed_step=Factor.PIN)
        for m in (3, 2, 1)
    )
    ticket = replace(_ready(Status.IN_PROGRESS), verification_attempts=failed)
    return ticket, _verification(ticket)


@pytest.mark.parametrize(
    ("tier", "allowed"), [(None, False), (Tier.L1, False), (Tier.L2, True), (Tier.L3, True)]
)
def test_only_level_2_or_3_clears_a_lock(tier: Tier | None, allowed: bool) -> None:
    ticket, verification = _locked()
    assert verification.locked
    refusal = why_not(Action.CLEAR_LOCK, ticket, tier, verification)
    assert (refusal is None) is allowed
    if not allowed:
        assert refusal == "only a Level 2 or Level 3 agent can clear a verification lock"


@pytest.mark.parametrize("status", [s for s in Status if s.is_open])
def test_the_at_risk_path_and_the_why_not_wait_for_their_condition(status: Status) -> None:
    ticket = _ready(status)
    verification = _verification(ticket)
    calm = allowed_actions(ticket, Tier.L1, verification)
    assert calm[Action.AT_RISK] == "the SLA is not at risk"
    assert calm[Action.TIER_WHY_NOT] == "the ticket is within its tier's time limit"
    urgent = allowed_actions(
        ticket, Tier.L1, verification, sla_at_risk=True, tier_limit_passed=True
    )
    assert urgent[Action.AT_RISK] is None and urgent[Action.TIER_WHY_NOT] is None
