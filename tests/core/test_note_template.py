"""The structured note template and the rules around it, on a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.attachments import MAX_ATTACHMENT_BYTES, NewAttachment
from agentdesk.core.changes import (
    ChangeRefused,
    NewMessage,
    NoteIncomplete,
    PendingReason,
    TicketChange,
    TicketSnapshot,
    plan_change,
)
from agentdesk.core.note_template import (
    Section,
    StructuredNote,
    Tag,
    TaxonomyError,
    missing,
    render,
    sla_deadline,
    taxonomy_from_toml,
)
from agentdesk.core.quality import (
    CONFIRMATION_MISSING,
    Confirmation,
    QualityFacts,
    auto_close_due,
    confirmation_recorded,
    quality_problems,
)
from agentdesk.core.ticket import MessageKind, Priority, Region, Status, Tier
from agentdesk.core.verification import Attempt, Factor, Outcome
from agentdesk.shipped import load_taxonomy

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)

SECTIONS = {
    Section.ISSUE_SUMMARY: "Cannot log in",
    Section.STEPS_TAKEN: "Sent a reset link",
    Section.ROOT_CAUSE: "Expired token",
    Section.NEXT_STEPS: "Check back tomorrow",
}
TAGS = {
    Tag.PRODUCT_AREA: "login",
    Tag.ISSUE_TYPE: "password_reset",
    Tag.PRIORITY: "P2",
    Tag.CHANNEL: "email",
}
COMPLETE = StructuredNote(sections=SECTIONS, tags=TAGS)
AGREED = Confirmation("Cannot log in", "New link", "16:00 UTC", True, NOW - timedelta(minutes=1))


def _ticket(**fields: object) -> TicketSnapshot:
    values: dict[str, object] = {
        "id": 7,
        "subject": "Cannot log in",
        "priority": Priority.P2,
        "status": Status.IN_PROGRESS,
        "region": Region.EMEA,
        "tier": Tier.L1,
        "assignee_id": 1,
        "created_at": NOW - timedelta(hours=2),
        "first_response_at": NOW - timedelta(hours=1),
        "last_update_at": NOW - timedelta(hours=1),
        # Verified in this interaction: these tests are about the note (see test_verification).
        "verification_attempts": (
            Attempt(NOW - timedelta(hours=1), Outcome.PASSED, (Factor.ACCOUNT_ID, Factor.PIN)),
        ),
    }
    values.update(fields)
    return TicketSnapshot(**values)  # type: ignore[arg-type]


def _plan(ticket: TicketSnapshot, change: TicketChange, policy):  # type: ignore[no-untyped-def]
    return plan_change(ticket, change, now=NOW, policy=policy, taxonomy=load_taxonomy())


def test_an_empty_note_misses_every_section_and_tag() -> None:
    assert missing(None) == (
        "issue_summary",
        "steps_taken",
        "root_cause",
        "next_steps",
        "product_area",
        "issue_type",
        "priority",
        "channel",
    )
    assert missing(COMPLETE, load_taxonomy()) == ()


def test_blank_text_counts_as_missing_and_tags_must_be_allowed() -> None:
    note = StructuredNote(
        sections={**SECTIONS, Section.ROOT_CAUSE: "   "},
        tags={**TAGS, Tag.ISSUE_TYPE: "crash"},  # a mobile_app issue type, not login
    )
    assert missing(note, load_taxonomy()) == ("root_cause", "issue_type")
    assert missing(note) == ("root_cause",)  # without a taxonomy only emptiness counts


def test_render_is_the_template_in_order() -> None:
    text = render(StructuredNote(sections=SECTIONS, tags=TAGS, sla_deadline="met"))
    assert text.splitlines() == [
        "Issue summary: Cannot log in",
        "Steps taken: Sent a reset link",
        "Root cause hypothesis: Expired token",
        "Next steps: Check back tomorrow",
        "SLA deadline: met",
        "Tags: product_area=login issue_type=password_reset priority=P2 channel=email",
    ]


def test_the_sla_deadline_comes_from_the_sla_engine(policy) -> None:  # type: ignore[no-untyped-def]
    ticket = _ticket()
    # P2: resolution within its policy target of creation, on a 24x7 clock here or not,
    # the engine decides; the text names the clock and the due time.
    text = sla_deadline(ticket.sla_ticket(), policy, NOW)
    assert text.startswith("resolution due ")
    paused = _ticket(status=Status.PENDING, sla_pauses=((NOW - timedelta(minutes=5), None),))
    assert sla_deadline(paused.sla_ticket(), policy, NOW) == "paused while Pending"


def test_the_taxonomy_file_is_checked() -> None:
    with pytest.raises(TaxonomyError, match=r"\[priority\]: 'P9'"):
        taxonomy_from_toml(
            {
                "product_area": {"values": ["x"]},
                "issue_type": {"x": ["y"]},
                "priority": {"values": ["P9"]},
                "channel": {"values": ["email"]},
            }
        )
    with pytest.raises(TaxonomyError, match=r"\[issue_type\] billing"):
        taxonomy_from_toml(
            {
                "product_area": {"values": ["billing"]},
                "issue_type": {},
                "priority": {"values": ["P1"]},
                "channel": {"values": ["email"]},
            }
        )


@pytest.mark.parametrize(
    ("change", "doing"),
    [
        (
            TicketChange("pend", status=Status.PENDING, pending_reason=PendingReason.CUSTOMER),
            "pending",
        ),
        (TicketChange("resolve", status=Status.RESOLVED), "resolving"),
        (TicketChange("escalate", tier=Tier.L2, reason="billing"), "escalating to L2"),
    ],
)
def test_pending_resolve_and_escalation_need_the_note(policy, change, doing) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoteIncomplete) as caught:
        _plan(_ticket(confirmation=AGREED), change, policy)
    assert caught.value.missing[0] == "issue_summary"
    assert f"{doing} needs the structured note" in str(caught.value)


def test_the_note_given_with_the_change_counts(policy) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(
        _ticket(),
        TicketChange(
            "pend",
            status=Status.PENDING,
            pending_reason=PendingReason.INTERNAL_TEAM,
            note=COMPLETE,
            note_author="Amara Okafor",
        ),
        policy,
    )
    assert plan.after.status is Status.PENDING
    assert plan.updates["pending_reason"] == "waiting_on_internal_team"
    assert plan.note is not None and plan.note.sla_deadline.startswith("resolution due ")
    assert plan.note_message is not None
    assert plan.note_message.kind is MessageKind.INTERNAL_NOTE
    assert plan.note_message.body.startswith("Issue summary: Cannot log in")
    fields = {entry.field for entry in plan.audit}
    assert {"status", "pending_reason", "structured_note", "tag product_area"} <= fields


def test_pend_says_what_it_waits_on(policy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChangeRefused, match="waits on"):
        _plan(_ticket(note=COMPLETE), TicketChange("pend", status=Status.PENDING), policy)


def test_resolve_needs_the_three_step_confirmation(policy) -> None:  # type: ignore[no-untyped-def]
    change = TicketChange("resolve", status=Status.RESOLVED)
    with pytest.raises(ChangeRefused, match="three-step confirmation missing"):
        _plan(_ticket(note=COMPLETE), change, policy)
    not_agreed = Confirmation("Cannot log in", "New link", "16:00", False, NOW)
    with pytest.raises(ChangeRefused, match="three-step confirmation missing"):
        _plan(_ticket(note=COMPLETE, confirmation=not_agreed), change, policy)
    plan = _plan(_ticket(note=COMPLETE, confirmation=AGREED), change, policy)
    assert plan.after.status is Status.RESOLVED and plan.after.resolved_at == NOW


def test_a_reopen_needs_a_new_confirmation(policy) -> None:  # type: ignore[no-untyped-def]
    """What the customer agreed to before the reopen did not solve it: agree again."""
    reopened = NOW - timedelta(minutes=30)
    verified = (Attempt(NOW - timedelta(minutes=5), Outcome.PASSED, (Factor.ACCOUNT_ID,)),)
    before = replace(AGREED, recorded_at=reopened - timedelta(hours=3))
    after = replace(AGREED, recorded_at=reopened + timedelta(minutes=10))
    change = TicketChange("resolve", status=Status.RESOLVED)
    ticket = _ticket(note=COMPLETE, interaction_started_at=reopened, verification_attempts=verified)
    with pytest.raises(ChangeRefused, match="belongs to the earlier interaction"):
        _plan(replace(ticket, confirmation=before), change, policy)
    plan = _plan(replace(ticket, confirmation=after), change, policy)
    assert plan.after.status is Status.RESOLVED
    assert confirmation_recorded(before) and not confirmation_recorded(before, since=reopened)


def test_an_empty_note_and_no_confirmation_are_named_together(policy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoteIncomplete) as caught:
        _plan(_ticket(), TicketChange("resolve", status=Status.RESOLVED), policy)
    assert caught.value.also == CONFIRMATION_MISSING
    assert str(caught.value).endswith(CONFIRMATION_MISSING)


def test_escalation_records_the_time_to_handoff(policy) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(
        _ticket(note=COMPLETE),
        TicketChange("escalate", tier=Tier.L3, reason="engineering bug"),
        policy,
    )
    assert plan.handoff is not None
    assert (plan.handoff.from_tier, plan.handoff.to_tier) == (Tier.L1, Tier.L3)
    assert plan.handoff.seconds == 2 * 3600
    assert plan.outbox_payload["handoff"] == {"to": "L3", "seconds": 7200}
    with pytest.raises(ChangeRefused, match="needs a reason"):
        _plan(_ticket(note=COMPLETE), TicketChange("escalate", tier=Tier.L2), policy)


@pytest.mark.parametrize("status", [Status.ASSIGNED, Status.IN_PROGRESS])
def test_an_escalation_hands_the_ticket_to_the_tiers_queue(policy, status) -> None:  # type: ignore[no-untyped-def]
    """Issue 12 item 13: the L1 agent no longer holds an escalated ticket; it waits,
    unassigned, in the L2 queue (an Assigned one is New there)."""
    ticket = _ticket(note=COMPLETE, status=status, assignee_id=1)
    plan = _plan(ticket, TicketChange("escalate", tier=Tier.L2, reason="billing"), policy)
    assert plan.after.assignee_id is None
    assert plan.after.status is (Status.NEW if status is Status.ASSIGNED else status)
    assert plan.updates["assignee_id"] is None
    assert plan.outbox_payload["fields"]["assignee_id"] == {"from": "1", "to": None}


def test_an_escalation_to_a_named_agent_of_that_tier(policy) -> None:  # type: ignore[no-untyped-def]
    ticket = _ticket(note=COMPLETE, status=Status.IN_PROGRESS, assignee_id=1)
    change = TicketChange(
        "escalate", tier=Tier.L2, reason="billing", assignee_id=7, assignee_tier=Tier.L2
    )
    assert _plan(ticket, change, policy).after.assignee_id == 7
    with pytest.raises(ChangeRefused, match="to an L2 agent or to the L2 queue, not to an L1"):
        _plan(ticket, replace(change, assignee_tier=Tier.L1), policy)
    with pytest.raises(ChangeRefused, match="unknown tier"):
        _plan(ticket, replace(change, assignee_tier=None), policy)


def test_leaving_pending_clears_what_it_waited_on(policy) -> None:  # type: ignore[no-untyped-def]
    pending = _ticket(
        status=Status.PENDING,
        pending_reason="waiting_on_customer",
        sla_pauses=((NOW - timedelta(hours=1), None),),
    )
    plan = _plan(pending, TicketChange("start", status=Status.IN_PROGRESS), policy)
    assert plan.after.pending_reason == ""
    assert plan.after.sla_pauses[-1][1] == NOW


def test_saving_the_same_note_again_changes_nothing(policy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ChangeRefused, match="nothing to change"):
        _plan(_ticket(note=COMPLETE), TicketChange("note", note=COMPLETE), policy)


def test_attachments_over_10_mb_are_refused(policy) -> None:  # type: ignore[no-untyped-def]
    big = NewAttachment("dump.bin", "application/octet-stream", b"\0" * (MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(ValueError, match=r"is 10,000,001 bytes; attachments may be at most 10 MB"):
        _plan(_ticket(), TicketChange("attach", attachment=big), policy)
    ok = NewAttachment("a.txt", "text/plain", b"hello")
    plan = _plan(_ticket(), TicketChange("attach", attachment=ok), policy)
    assert plan.attachment == ok
    closed = _ticket(status=Status.CLOSED)
    with pytest.raises(ChangeRefused, match="closed"):
        _plan(closed, TicketChange("attach", attachment=ok), policy)


def test_a_reply_on_a_closed_ticket_is_refused(policy) -> None:  # type: ignore[no-untyped-def]
    message = NewMessage(MessageKind.REPLY, "hello", "Amara")
    with pytest.raises(ChangeRefused, match="closed"):
        _plan(_ticket(status=Status.CLOSED), TicketChange("reply", message=message), policy)


def test_confirmation_recorded_needs_all_three_steps() -> None:
    assert confirmation_recorded(AGREED)
    assert not confirmation_recorded(None)
    assert not confirmation_recorded(Confirmation("x", "", "16:00", True, NOW))
    assert not confirmation_recorded(Confirmation("x", "y", " ", True, NOW))


def _facts(**fields: object) -> QualityFacts:
    values: dict[str, object] = {
        "ticket_id": 7,
        "status": Status.RESOLVED,
        "resolved_at": NOW - timedelta(hours=49),
        "note": COMPLETE,
        "note_at": NOW - timedelta(hours=50),
        "last_reply_at": NOW - timedelta(hours=49),
    }
    values.update(fields)
    return QualityFacts(**values)  # type: ignore[arg-type]


def test_the_quality_check_passes_a_documented_informed_ticket() -> None:
    facts = _facts()
    assert auto_close_due(facts, NOW)
    assert quality_problems(facts, load_taxonomy()) == ()


def test_the_quality_window_is_48_hours() -> None:
    assert not auto_close_due(_facts(resolved_at=NOW - timedelta(hours=47, minutes=59)), NOW)
    assert auto_close_due(_facts(resolved_at=NOW - timedelta(hours=48)), NOW)


def test_the_quality_check_names_what_fails() -> None:
    taxonomy = load_taxonomy()
    assert quality_problems(_facts(note=None, note_at=None), taxonomy) == (
        "no structured note",
        "tags missing (product_area, issue_type, priority, channel)",
        "customer not informed (no public reply after the note)",
    )
    no_tags = StructuredNote(sections=SECTIONS)
    assert quality_problems(_facts(note=no_tags), taxonomy) == (
        "tags missing (product_area, issue_type, priority, channel)",
    )
    silent = _facts(last_reply_at=NOW - timedelta(hours=51))
    assert quality_problems(silent, taxonomy) == (
        "customer not informed (no public reply after the note)",
    )
