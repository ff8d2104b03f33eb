"""What the SOP still wants before a change, and the one refusal that names all of it, the
most blocking first: the verification lock, a verification pass, the note template, the
three-step confirmation and the 48-hour quality check (core.changes.plan_change asks).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from agentdesk.core import note_template
from agentdesk.core.changes_model import TicketChange, TicketSnapshot
from agentdesk.core.errors import Refused
from agentdesk.core.note_template import StructuredNote, Taxonomy
from agentdesk.core.quality import (
    CONFIRMATION_MISSING,
    OnResolve,
    QualityPolicy,
    confirmation_recorded,
    customer_informed,
)
from agentdesk.core.ticket import MessageKind, Status
from agentdesk.core.verification import Outcome, VerificationPolicy, verification_status


class ChangeRefused(Refused, ValueError):
    """A change the SOP does not allow; the message says what and why."""


class NoteIncomplete(ChangeRefused):
    """A refusal whose gaps include the note template's: `missing` holds every gap (see
    Gap), the empty sections and tags as their Section/Tag values in the template's order."""


class QualityWouldFail(ChangeRefused):
    """The only gap is the 48-hour quality check and the team's policy asks rather than
    refuses: the front end asks the agent, who may resolve again with accept_quality."""


class Gap(StrEnum):
    """What a refusal can name besides the note's sections and tags, in `missing`."""

    LOCK = "verification_lock"
    VERIFICATION = "verification"
    CONFIRMATION = "confirmation"
    QUALITY = "quality"


VERIFY_FIRST = "verify the customer's identity first (v opens the wizard)"
QUALITY_ADVICE = "the 48-hour quality check would fail: reply to the customer, then resolve"


def doing_guarded(ticket: TicketSnapshot, change: TicketChange, escalating: bool) -> str | None:
    """What the change does that the SOP guards, in the refusal's words; None: unguarded."""
    if change.status is Status.PENDING and ticket.status is not Status.PENDING:
        return "pend"
    if change.status is Status.RESOLVED and ticket.status is not Status.RESOLVED:
        return "resolve"
    if escalating:
        return f"escalate to {change.tier}"
    if change.message is not None and change.message.kind is MessageKind.REPLY:
        return "reply to the customer"
    return None


def sop_gaps(
    ticket: TicketSnapshot,
    change: TicketChange,
    note: StructuredNote | None,
    *,
    now: datetime,
    escalating: bool,
    taxonomy: Taxonomy | None,
    verification: VerificationPolicy,
) -> list[tuple[str, str]]:
    """Everything the SOP still wants before this change, the most blocking first, as
    (key, words): the verification lock, a verification pass, the note template's sections
    and tags (their Section/Tag values), the three-step confirmation, then what the 48-hour
    quality check would fail on. Empty: nothing is missing.

    "Do not proceed without verification": a locked interaction takes no reply and no resolve
    until Level 2 clears it; a resolve needs a pass in the current interaction, and so does a
    reply on a channel the verification policy names (before_reply). Pending, Resolved and
    escalation need the whole note template; Resolved also the confirmation and a public reply
    after the structured note. Internal notes are never held back."""
    doing = doing_guarded(ticket, change, escalating)
    if doing is None:
        return []
    replying = doing == "reply to the customer"
    resolving = doing == "resolve"
    gaps: list[tuple[str, str]] = []
    if replying or resolving:
        status = verification_status(
            ticket.verification_attempts,
            now=now,
            policy=verification,
            interaction_started_at=ticket.interaction_started_at,
        )
        if status.locked:
            gaps.append(
                (
                    Gap.LOCK,
                    f"identity verification failed {status.failures} times and the "
                    "interaction is locked until a Level 2 agent clears it (L)",
                )
            )
        since = ticket.interaction_started_at
        passed = any(
            a.outcome is Outcome.PASSED
            for a in ticket.verification_attempts
            if since is None or a.at >= since
        )
        needs_pass = resolving or verification.verifies_before_reply(ticket.channel)
        if needs_pass and not passed:
            gaps.append((Gap.VERIFICATION, VERIFY_FIRST))
    if replying:
        return gaps
    note_gaps = note_template.missing(note or ticket.note, taxonomy)
    if note_gaps:
        described = note_template.describe_missing(note_gaps)
        gaps.extend((key, f"the structured note needs {described}") for key in note_gaps)
    if resolving:
        since = ticket.interaction_started_at
        if not confirmation_recorded(ticket.confirmation, since=since):
            words = CONFIRMATION_MISSING
            if confirmation_recorded(ticket.confirmation):
                words += " (the one recorded before the reopen belongs to the earlier interaction)"
            gaps.append((Gap.CONFIRMATION, words))
        note_at = now if note is not None else ticket.note_at
        if not customer_informed(note_at, ticket.last_reply_at):
            reason = (
                "no public reply to the customer at all"
                if ticket.last_reply_at is None
                else "no public reply after the structured note"
            )
            gaps.append((Gap.QUALITY, f"{reason}: {QUALITY_ADVICE}"))
    return gaps


def refuse_gaps(
    ticket: TicketSnapshot,
    change: TicketChange,
    doing: str | None,
    gaps: list[tuple[str, str]],
    quality: QualityPolicy,
) -> str:
    """Raise one refusal naming every gap; returns the quality reason the agent accepted
    (the team asks, and the quality check was the only gap), else ""."""
    if not gaps:
        return ""
    keys = tuple(key for key, _ in gaps)
    words: list[str] = []
    for _, text in gaps:
        if text not in words:  # the note's gaps share one line
            words.append(text)
    if keys == (Gap.QUALITY,) and quality.on_resolve is OnResolve.ASK:
        reason = words[0].removesuffix(f": {QUALITY_ADVICE}")
        if change.accept_quality:
            return reason
        raise QualityWouldFail(
            f"{ticket.ref}: {reason}: the 48-hour quality check will flag this ticket. "
            "Resolve anyway?",
            keys,
        )
    listed = (
        words[0]
        if len(words) == 1
        else " ".join(f"({n}) {text};" for n, text in enumerate(words, 1)).rstrip(";")
    )
    message = f"{ticket.ref}: cannot {doing} yet: {listed}"
    if any(key not in Gap.__members__.values() for key in keys):
        raise NoteIncomplete(message, keys)
    raise ChangeRefused(message, keys)
