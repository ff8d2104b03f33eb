"""Applying a macro is one transaction; undo puts everything back, under a clear rule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from agentdesk.core.changes import (
    ChangeRefused,
    NewMessage,
    NoteIncomplete,
    PendingReason,
    TicketChange,
)
from agentdesk.core.lifecycle import TransitionRefused
from agentdesk.core.macros import (
    AddNote,
    AddTags,
    Assign,
    Category,
    Escalate,
    FillNote,
    Macro,
    MacroContext,
    SendReply,
    SetPriority,
    SetStatus,
    plan_macro,
    ticket_values,
)
from agentdesk.core.note_template import Section
from agentdesk.core.quality import Confirmation
from agentdesk.core.ticket import MessageKind, Priority, Status, Tier
from agentdesk.store.macros import (
    UndoRefused,
    apply_macro,
    macro_ticket,
    record_use,
    undo_last_macro,
    usage_counts,
)
from agentdesk.store.notes import record_confirmation
from agentdesk.store.writes import apply_change, apply_changes, load_snapshot, mark_outbox_done
from tests.store.factory import add_people, add_ticket, complete_note, verified

ACTOR = "amara.okafor"


@pytest.fixture
def ticket(store, now):
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(minutes=10), status=Status.NEW, assignee_id=1)
    apply_change(store, 1, TicketChange("start", status=Status.IN_PROGRESS), actor=ACTOR, now=now)
    # Pending and escalation need the whole structured note (the workspace's SOP rules).
    apply_change(store, 1, TicketChange("note", note=complete_note()), actor=ACTOR, now=now)
    # Replies wait for a pass (the default verification policy: every channel).
    verified(store, 1, now)
    return 1


@pytest.fixture
def bare_ticket(store, now):
    """In progress, without a structured note or a confirmation."""
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(minutes=10), status=Status.NEW, assignee_id=1)
    apply_change(store, 1, TicketChange("start", status=Status.IN_PROGRESS), actor=ACTOR, now=now)
    return 1


def counts(store) -> dict[str, int]:
    with store.read() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in (
                "messages",
                "audit",
                "outbox",
                "macro_applications",
                "macro_usage",
                "ticket_notes",
                "ticket_labels",
                "ticket_tags",
            )
        }


def snapshot(store, ticket_id: int = 1):
    with store.read() as connection:
        return load_snapshot(connection, ticket_id)


def context(store, ticket_id: int = 1) -> MacroContext:
    with store.read() as connection:
        row = macro_ticket(connection, ticket_id)
    values = ticket_values(
        ticket_id=row.id,
        customer_name=row.customer_name,
        agent_name="Amara Okafor",
        sla_due_at=row.sla_due_at,
        etr="tomorrow noon",
    )
    return MacroContext(values, ACTOR, agent_id=1, agent_name="Amara Okafor")


PENDING_REPLY = Macro(
    "pending-reply",
    "Ask and wait",
    Category.FOLLOW_UP,
    "Hi {{customer.first_name}}, we will be back by {{ticket.etr}}.",
    actions=(
        SendReply(None),
        AddNote("Waiting for the customer"),
        FillNote(Section.NEXT_STEPS, "Customer to send the order number"),
        AddTags(("awaiting-customer",)),
        SetPriority(Priority.P1, "VIP"),
        Escalate(Tier.L2, "Billing"),
        SetStatus(Status.PENDING, PendingReason.CUSTOMER),
    ),
)


def apply(store, now, macro: Macro = PENDING_REPLY):
    return apply_macro(store, 1, macro.id, plan_macro(macro, context(store)), actor=ACTOR, now=now)


def test_a_macro_writes_every_action_with_its_audit_and_outbox(store, now, ticket) -> None:
    before = counts(store)
    applied = apply(store, now)
    after = snapshot(store)
    assert (after.status, after.priority, after.tier) == (Status.PENDING, Priority.P1, Tier.L2)
    assert after.pending_reason == PendingReason.CUSTOMER.value
    assert after.tags == frozenset({"awaiting-customer"})
    assert after.note is not None
    assert after.note.text(Section.NEXT_STEPS) == "Customer to send the order number"
    # The rest of the note (and its four tags) is the one the agent wrote.
    written = complete_note()
    assert after.note.text(Section.ISSUE_SUMMARY) == written.text(Section.ISSUE_SUMMARY)
    assert after.note.tags == written.tags
    assert after.note.sla_deadline  # filled in by the SLA engine
    assert after.first_response_at == now
    grown = {table: counts(store)[table] - before[table] for table in before}
    assert grown["messages"] == 3  # the reply, the internal note, the note as rendered
    assert grown["ticket_notes"] == 1
    assert grown["ticket_labels"] == 1 and grown["ticket_tags"] == 0
    assert grown["outbox"] == 7  # one per action: each is a change sync can push
    assert grown["macro_applications"] == 1 and grown["macro_usage"] == 1
    with store.read() as connection:
        reply = connection.execute(
            text("SELECT body FROM messages WHERE kind = 'reply'")
        ).scalar_one()
        ops = connection.execute(
            text("SELECT op, payload FROM outbox WHERE id >= :first ORDER BY id"),
            {"first": applied.written[0].outbox_id},
        ).all()
    assert reply == "Hi Maria, we will be back by tomorrow noon."
    assert [op for op, _ in ops][:2] == ["macro.send_reply", "macro.add_note"]
    assert "next_steps" in json.loads(ops[2].payload)["note"]["sections"]
    assert json.loads(ops[3].payload)["fields"]["labels"] == {
        "from": None,
        "to": "awaiting-customer",
    }


def test_a_refused_action_rolls_back_the_whole_macro(store, now, ticket) -> None:
    """The note and the reply come first, the refused move last: none of them is written."""
    bad = Macro(
        "close-now",
        "Close now",
        Category.CLOSING,
        "Bye {{customer.first_name}}",
        actions=(AddNote("closing"), SendReply(None), SetStatus(Status.CLOSED)),
    )
    before, ticket_before = counts(store), snapshot(store)
    with pytest.raises(TransitionRefused, match="cannot move from In progress to Closed"):
        apply(store, now, bad)
    assert counts(store) == before
    assert snapshot(store) == ticket_before


def test_apply_changes_is_all_or_nothing(store, now, ticket) -> None:
    before = counts(store)
    with pytest.raises(ChangeRefused, match="needs a reason"):
        apply_changes(
            store,
            1,
            [
                TicketChange("note", message=NewMessage(MessageKind.INTERNAL_NOTE, "x", ACTOR)),
                TicketChange("prio", priority=Priority.P0),
            ],
            actor=ACTOR,
            now=now,
        )
    assert counts(store) == before


def test_removing_an_absent_tag_is_skipped_not_refused(store, now, ticket) -> None:
    macro = Macro(
        "resume",
        "Resume",
        Category.FOLLOW_UP,
        "",
        actions=(
            SetStatus(Status.PENDING, PendingReason.CUSTOMER),
            AddTags(("x",)),
            AddTags(("x",)),
        ),
    )
    applied = apply(store, now, macro)
    assert len(applied.written) == 2


def test_actions_the_ticket_already_reflects_are_skipped(store, now, ticket) -> None:
    """Assign-to-me on my ticket, a status it already has: skipped, not a refused macro."""
    start = Macro(
        "start",
        "Take and start",
        Category.OPENER,
        "",
        actions=(Assign("me"), SetStatus(Status.IN_PROGRESS), AddNote("Started")),
    )
    applied = apply(store, now, start)
    assert [w.plan.outbox_op for w in applied.written] == ["macro.add_note"]
    nothing = Macro("same", "Same", Category.OPENER, "", actions=(Assign("me"),))
    before = counts(store)
    with pytest.raises(ChangeRefused, match="changes nothing here"):
        apply(store, now, nothing)
    assert counts(store) == before


def test_undo_puts_the_ticket_back_and_withdraws_the_unsent_reply(store, now, ticket) -> None:
    before_counts, before = counts(store), snapshot(store)
    apply(store, now)
    later = now + timedelta(minutes=2)
    undone = undo_last_macro(store, 1, actor=ACTOR, now=later, local_backend=False)
    assert undone.macro_id == "pending-reply" and undone.withdrawn_messages == 3
    after = snapshot(store)
    for name in ("status", "pending_reason", "priority", "tier", "assignee_id", "tags", "note"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.first_response_at is None and after.last_update_at == before.last_update_at
    assert after.version > before.version
    grown = {table: counts(store)[table] - before_counts[table] for table in before_counts}
    # The messages are gone; the field changes stay in the outbox, plus one compensating op.
    assert grown["messages"] == 0
    assert grown["ticket_notes"] == 0 and grown["ticket_labels"] == 0
    # The reply, the note and the structured note never left: their ops are gone too.
    assert grown["outbox"] == 4 + 1
    with store.read() as connection:
        withdrawn = connection.execute(
            text("SELECT field, new_value FROM audit WHERE action = 'macro_undo' ORDER BY id")
        ).all()
        sla = connection.execute(text("SELECT sla_clock FROM tickets WHERE id = 1")).scalar_one()
    assert ("reply", "withdrawn") in [tuple(row) for row in withdrawn]
    assert ("structured_note", "withdrawn") in [tuple(row) for row in withdrawn]
    assert sla == "first_response"  # the reply never went out: the clock runs again
    with pytest.raises(UndoRefused, match="already undone"):
        undo_last_macro(store, 1, actor=ACTOR, now=later, local_backend=False)


def test_undo_is_refused_once_the_ticket_changed(store, now, ticket) -> None:
    apply(store, now)
    apply_change(store, 1, TicketChange("resume", status=Status.IN_PROGRESS), actor=ACTOR, now=now)
    with pytest.raises(UndoRefused, match="changed after the macro"):
        undo_last_macro(store, 1, actor=ACTOR, now=now, local_backend=False)


def test_undo_is_refused_once_synced_except_local_done(store, now, ticket) -> None:
    apply(store, now)
    mark_outbox_done(store, now)
    with pytest.raises(UndoRefused, match="already been synced"):
        undo_last_macro(store, 1, actor=ACTOR, now=now, local_backend=False)
    # With the local backend "done" only means committed here: nothing left the machine.
    undone = undo_last_macro(store, 1, actor=ACTOR, now=now, local_backend=True)
    assert undone.macro_id == "pending-reply"
    assert snapshot(store).status is Status.IN_PROGRESS


def test_only_the_agent_who_applied_it_can_undo(store, now, ticket) -> None:
    apply(store, now)
    with pytest.raises(UndoRefused, match=r"applied by amara\.okafor"):
        undo_last_macro(store, 1, actor="li.wei", now=now, local_backend=False)
    add_ticket(store, 2, created_at=now)
    with pytest.raises(UndoRefused, match="#2: no macro has been applied"):
        undo_last_macro(store, 2, actor=ACTOR, now=now, local_backend=False)


def test_usage_counts_feed_most_used(store, now, ticket) -> None:
    apply(store, now)
    record_use(store, "thanks", now)
    record_use(store, "thanks", now)
    with store.read() as connection:
        assert usage_counts(connection) == {"pending-reply": 1, "thanks": 2}


CLOSE = Macro(
    "close-thanks",
    "Resolve with thanks",
    Category.CLOSING,
    "Thanks {{customer.first_name}}, all done.",
    actions=(SendReply(None), AddTags(("csat-sent",)), SetStatus(Status.RESOLVED)),
)


def test_a_resolving_macro_needs_note_confirmation_and_verification(
    store, now, bare_ticket
) -> None:
    # The macro's first change is the reply: it waits for a pass.
    before, ticket_before = counts(store), snapshot(store)
    with pytest.raises(ChangeRefused, match="verify the customer's identity first"):
        apply(store, now, CLOSE)
    assert counts(store) == before and snapshot(store) == ticket_before
    verified(store, 1, now)
    # Then the resolve names the note and the confirmation at once.
    before, ticket_before = counts(store), snapshot(store)
    with pytest.raises(NoteIncomplete, match="the structured note needs") as refused:
        apply(store, now, CLOSE)
    assert "three-step confirmation missing" in str(refused.value)
    assert counts(store) == before and snapshot(store) == ticket_before
    apply_change(store, 1, TicketChange("note", note=complete_note()), actor=ACTOR, now=now)
    before, ticket_before = counts(store), snapshot(store)
    with pytest.raises(ChangeRefused, match="cannot resolve"):
        apply(store, now, CLOSE)
    assert counts(store) == before and snapshot(store) == ticket_before
    agreed = Confirmation("Cannot log in", "A new link", "today", True, now)
    record_confirmation(store, 1, agreed, agent=ACTOR)
    apply(store, now, CLOSE)
    after = snapshot(store)
    assert after.status is Status.RESOLVED and after.tags == frozenset({"csat-sent"})


def test_a_pending_macro_on_a_ticket_without_a_note_is_refused(store, now, bare_ticket) -> None:
    verified(store, 1, now)
    before = counts(store)
    with pytest.raises(NoteIncomplete):
        apply(store, now)
    assert counts(store) == before


def test_undo_puts_a_resumed_ticket_back_to_pending_with_its_reason(store, now, ticket) -> None:
    apply_change(
        store,
        1,
        TicketChange("pend", status=Status.PENDING, pending_reason=PendingReason.INTERNAL_TEAM),
        actor=ACTOR,
        now=now,
    )
    before = snapshot(store)
    resume = Macro(
        "resume",
        "Resume",
        Category.FOLLOW_UP,
        "",
        actions=(SetStatus(Status.IN_PROGRESS), AddNote("The team answered")),
    )
    apply(store, now, resume)
    assert snapshot(store).pending_reason == ""
    undo_last_macro(store, 1, actor=ACTOR, now=now + timedelta(minutes=1), local_backend=False)
    after = snapshot(store)
    assert after.status is Status.PENDING
    assert after.pending_reason == PendingReason.INTERNAL_TEAM.value == before.pending_reason


def test_undo_is_refused_once_a_push_was_tried(store, now, ticket) -> None:
    """A pending op that sync already tried may have reached the helpdesk unanswered."""
    applied = apply(store, now)
    with store.write() as connection:
        connection.execute(
            text("UPDATE outbox SET attempts = 1 WHERE id = :id"),
            {"id": applied.written[-1].outbox_id},
        )
    with pytest.raises(UndoRefused, match="already been synced"):
        undo_last_macro(store, 1, actor=ACTOR, now=now, local_backend=False)
