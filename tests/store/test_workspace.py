"""The workspace's store: notes and tags, drafts, attachments, confirmations, auto-close."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from agentdesk.core.attachments import NewAttachment
from agentdesk.core.changes import NoteIncomplete, PendingReason, TicketChange
from agentdesk.core.note_template import Section
from agentdesk.core.quality import Confirmation
from agentdesk.core.ticket import Status
from agentdesk.store.auto_close import run_auto_close
from agentdesk.store.notes import record_confirmation
from agentdesk.store.workspace import attachment_data, save_draft, ticket_workspace
from agentdesk.store.writes import apply_change
from tests.store.factory import add_people, add_ticket, complete_note, replied, verified

ACTOR = {"actor": "amara.okafor"}


@pytest.fixture
def ticket(store, now):
    add_people(store, now)
    add_ticket(store, 1, created_at=now - timedelta(hours=3), status=Status.IN_PROGRESS)
    return 1


def _workspace(store, ticket_id: int = 1):
    with store.read() as connection:
        found = ticket_workspace(connection, ticket_id)
    assert found is not None
    return found


def _confirm(store, now) -> None:
    verified(store, 1, now)
    record_confirmation(
        store,
        1,
        Confirmation("Cannot log in", "New reset link", "16:00 UTC", True, now),
        agent="amara.okafor",
    )


def test_a_note_is_stored_as_fields_and_rendered_once(store, now, ticket) -> None:
    apply_change(
        store,
        ticket,
        TicketChange("note", note=complete_note(), note_author="Amara"),
        now=now,
        **ACTOR,
    )
    workspace = _workspace(store)
    assert workspace.note is not None
    assert workspace.note.text(Section.ROOT_CAUSE) == "Reset token expired before use."
    assert workspace.note.sla_deadline.startswith("resolution due ")
    notes = [m for m in workspace.detail.messages if m.id in workspace.note_message_ids]
    assert len(notes) == 1 and notes[0].body.startswith("Issue summary: ")
    with store.read() as connection:
        op, payload = connection.execute(text("SELECT op, payload FROM outbox")).one()
    assert op == "note" and json.loads(payload)["note"]["tags"]["product_area"] == "login"


def test_a_refused_resolve_writes_nothing(store, now, ticket) -> None:
    with pytest.raises(NoteIncomplete):
        apply_change(
            store, ticket, TicketChange("resolve", status=Status.RESOLVED), now=now, **ACTOR
        )
    with store.read() as connection:
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("ticket_notes", "ticket_tags", "audit", "outbox")
        ]
    assert counts == [0, 0, 0, 0]


def test_resolve_with_note_and_confirmation(store, now, ticket) -> None:
    _confirm(store, now)
    apply_change(store, ticket, TicketChange("note", note=complete_note()), now=now, **ACTOR)
    replied(store, ticket, now)
    apply_change(store, ticket, TicketChange("resolve", status=Status.RESOLVED), now=now, **ACTOR)
    workspace = _workspace(store)
    assert workspace.detail.status is Status.RESOLVED
    assert workspace.snapshot.confirmation is not None


def test_a_draft_is_kept_and_spent_by_sending(store, now, ticket) -> None:
    verified(store, ticket, now)
    save_draft(store, ticket, "composer", "reply", "Hello Ma", now)
    save_draft(store, ticket, "composer", "reply", "Hello Maria", now)
    assert _workspace(store).drafts["composer"].body == "Hello Maria"
    from agentdesk.core.changes import NewMessage
    from agentdesk.core.ticket import MessageKind

    message = NewMessage(MessageKind.REPLY, "Hello Maria", "Amara", 1)
    apply_change(store, ticket, TicketChange("reply", message=message), now=now, **ACTOR)
    assert "composer" not in _workspace(store).drafts
    save_draft(store, ticket, "note", "", "{}", now)
    save_draft(store, ticket, "note", "", "  ", now)  # emptied: no draft
    assert _workspace(store).drafts == {}


def test_an_attachment_is_stored_with_the_ticket(store, now, ticket) -> None:
    attachment = NewAttachment("log.txt", "text/plain", b"line 1\n")
    apply_change(store, ticket, TicketChange("attach", attachment=attachment), now=now, **ACTOR)
    (row,) = _workspace(store).attachments
    assert (row.filename, row.mime_type, row.size) == ("log.txt", "text/plain", 7)
    with store.read() as connection:
        assert attachment_data(connection, row.id) == b"line 1\n"
        payload = json.loads(connection.execute(text("SELECT payload FROM outbox")).scalar_one())
    # The outbox names the attachment; the bytes stay in their table.
    assert payload["attachment"]["id"] == row.id and "data" not in payload["attachment"]


def _resolve(store, now, *, reply: bool = True) -> None:
    """Resolve ticket 1 with the note, the confirmation and (reply) a public reply after the
    note; without it only a team that asks (on_resolve = "ask") lets the agent resolve."""
    from agentdesk.core.changes import NewMessage
    from agentdesk.core.quality import OnResolve, QualityPolicy
    from agentdesk.core.ticket import MessageKind

    _confirm(store, now)
    apply_change(store, 1, TicketChange("note", note=complete_note()), now=now, **ACTOR)
    if reply:
        message = NewMessage(MessageKind.REPLY, "Fixed; tell us if not.", "Amara", 1)
        apply_change(store, 1, TicketChange("reply", message=message), now=now, **ACTOR)
    else:
        store.quality = QualityPolicy(OnResolve.ASK)
    resolve = TicketChange("resolve", status=Status.RESOLVED, accept_quality=not reply)
    apply_change(store, 1, resolve, now=now, **ACTOR)


def test_auto_close_closes_after_48_hours_when_the_check_passes(store, now, ticket) -> None:
    _resolve(store, now)
    assert run_auto_close(store, now + timedelta(hours=47)).closed == []
    result = run_auto_close(store, now + timedelta(hours=48))
    assert result.closed == [1] and result.flagged == {}
    assert _workspace(store).detail.status is Status.CLOSED


def test_auto_close_holds_and_flags_a_ticket_that_fails(store, now, ticket) -> None:
    _resolve(store, now, reply=False)  # no public reply after the note: the customer was not told
    later = now + timedelta(hours=49)
    result = run_auto_close(store, later)
    assert result.closed == []
    assert "customer not informed" in result.flagged[1]
    workspace = _workspace(store)
    assert workspace.detail.status is Status.RESOLVED
    assert workspace.quality_flag is not None and "customer not informed" in workspace.quality_flag
    run_auto_close(store, later + timedelta(minutes=5))
    flags = [a for a in workspace.audit if a.action == "quality_check"]
    assert len(flags) == 1  # flagged once, not every run
    assert len([a for a in _workspace(store).audit if a.action == "quality_check"]) == 1


def test_pending_with_a_reason_is_kept_on_the_ticket(store, now, ticket) -> None:
    apply_change(
        store,
        ticket,
        TicketChange(
            "pend",
            status=Status.PENDING,
            pending_reason=PendingReason.CUSTOMER,
            note=complete_note(),
        ),
        now=now,
        **ACTOR,
    )
    assert _workspace(store).snapshot.pending_reason == "waiting_on_customer"
