"""What a resolve (and a reply) still needs, all at once and the most blocking first: the
verification lock, a verification pass, the note's sections and tags, the three-step
confirmation, then the 48-hour quality check's reason; and the team's policies for the
quality check ([quality] on_resolve) and for replies before verification (before_reply)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.changes import (
    ChangeRefused,
    Gap,
    NewMessage,
    QualityWouldFail,
    TicketChange,
    TicketSnapshot,
    plan_change,
)
from agentdesk.core.note_template import Section, StructuredNote, Tag
from agentdesk.core.quality import (
    Confirmation,
    OnResolve,
    QualityFacts,
    QualityPolicy,
    quality_problems,
)
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status, Tier
from agentdesk.core.verification import Attempt, Factor, Outcome, VerificationPolicy
from agentdesk.shipped import load_sla_policy, load_taxonomy

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
NOTE = StructuredNote(
    sections={
        Section.ISSUE_SUMMARY: "Cannot log in",
        Section.STEPS_TAKEN: "Sent a reset link",
        Section.ROOT_CAUSE: "Expired token",
        Section.NEXT_STEPS: "None: resolved",
    },
    tags={
        Tag.PRODUCT_AREA: "login",
        Tag.ISSUE_TYPE: "password_reset",
        Tag.PRIORITY: "P2",
        Tag.CHANNEL: "email",
    },
)
AGREED = Confirmation("Cannot log in", "New link", "16:00 UTC", True, NOW - timedelta(minutes=9))
PASSED = Attempt(NOW - timedelta(minutes=20), Outcome.PASSED, (Factor.ACCOUNT_ID, Factor.PIN))
FAILED = tuple(
    Attempt(NOW - timedelta(minutes=m), Outcome.FAILED, failed_step=Factor.PIN)
    for m in (15, 14, 13)
)
RESOLVE = TicketChange("resolve", status=Status.RESOLVED)
NOTE_KEYS = (*(s.value for s in Section), *(t.value for t in Tag))


def _ticket(
    *,
    locked: bool = False,
    verified: bool = True,
    noted: bool = True,
    confirmed: bool = True,
    informed: bool = True,
    channel: Channel = Channel.EMAIL,
) -> TicketSnapshot:
    attempts = ((PASSED,) if verified else ()) + (FAILED if locked else ())
    return TicketSnapshot(
        id=7,
        subject="Cannot log in",
        priority=Priority.P2,
        status=Status.IN_PROGRESS,
        region=Region.EMEA,
        tier=Tier.L1,
        assignee_id=1,
        created_at=NOW - timedelta(hours=2),
        first_response_at=NOW - timedelta(hours=1),
        last_update_at=NOW - timedelta(hours=1),
        note=NOTE if noted else None,
        note_at=NOW - timedelta(minutes=30) if noted else None,
        # informed: a public reply after the note; else the reply came before it.
        last_reply_at=NOW - timedelta(minutes=(10 if informed else 45)),
        confirmation=AGREED if confirmed else None,
        verification_attempts=attempts,
        channel=channel,
    )


def _plan(
    ticket: TicketSnapshot,
    change: TicketChange = RESOLVE,
    *,
    quality: QualityPolicy | None = None,
    verification: VerificationPolicy | None = None,
):  # type: ignore[no-untyped-def]
    return plan_change(
        ticket,
        change,
        now=NOW,
        policy=load_sla_policy(),
        taxonomy=load_taxonomy(),
        quality=quality,
        verification=verification,
    )


COMBINATIONS = list(itertools.product([False, True], repeat=5))


@pytest.mark.parametrize(
    ("locked", "verified", "noted", "confirmed", "informed"),
    COMBINATIONS,
    ids=[
        f"locked={c[0]}-verified={c[1]}-noted={c[2]}-confirmed={c[3]}-informed={c[4]}"
        for c in COMBINATIONS
    ],
)
def test_one_refusal_names_every_gap_the_most_blocking_first(
    locked: bool, verified: bool, noted: bool, confirmed: bool, informed: bool
) -> None:
    ticket = _ticket(
        locked=locked, verified=verified, noted=noted, confirmed=confirmed, informed=informed
    )
    expected = (
        ((Gap.LOCK,) if locked else ())
        + ((Gap.VERIFICATION,) if not verified else ())
        + (NOTE_KEYS if not noted else ())
        + ((Gap.CONFIRMATION,) if not confirmed else ())
        # Without a note there is no reply after it yet: writing it will need one.
        + ((Gap.QUALITY,) if not (informed and noted) else ())
    )
    if not expected:
        assert _plan(ticket).after.status is Status.RESOLVED
        return
    with pytest.raises(ChangeRefused) as refused:
        _plan(ticket)
    assert refused.value.missing == expected
    text = str(refused.value)
    assert text.startswith("#7: cannot resolve yet: ")
    # The words come in the same order as the keys.
    words = {
        Gap.LOCK: "the interaction is locked until a Level 2 agent clears it",
        Gap.VERIFICATION: "verify the customer's identity first",
        Section.ISSUE_SUMMARY.value: "the structured note needs Issue summary",
        Gap.CONFIRMATION: "three-step confirmation missing",
        Gap.QUALITY: "the 48-hour quality check would fail",
    }
    found = [text.index(words[key]) for key in expected if key in words]
    assert found == sorted(found) and len(found) == len({k for k in expected if k in words})


def test_the_natural_order_reply_then_note_is_refused_naming_why() -> None:
    """Reply, internal note, structured note, resolve: the customer never heard the outcome."""
    with pytest.raises(ChangeRefused) as refused:
        _plan(_ticket(informed=False))
    assert refused.value.missing == (Gap.QUALITY,)
    assert "no public reply after the structured note" in str(refused.value)
    # The same facts fail the auto-close check later: the two agree.
    facts = QualityFacts(7, Status.RESOLVED, NOW, NOTE, NOW - timedelta(minutes=30), NOW)
    late = QualityFacts(
        7, Status.RESOLVED, NOW, NOTE, NOW - timedelta(minutes=30), NOW - timedelta(minutes=45)
    )
    assert quality_problems(facts, load_taxonomy()) == ()
    assert quality_problems(late, load_taxonomy()) != ()


def test_a_note_written_with_the_resolve_needs_a_reply_after_it() -> None:
    ticket = _ticket(noted=False, informed=True)
    with pytest.raises(ChangeRefused) as refused:
        _plan(ticket, TicketChange("resolve", status=Status.RESOLVED, note=NOTE))
    assert refused.value.missing == (Gap.QUALITY,)


def test_no_public_reply_at_all_is_named() -> None:
    ticket = _ticket()
    silent = TicketSnapshot(**{**ticket.__dict__, "last_reply_at": None})
    with pytest.raises(ChangeRefused, match="no public reply to the customer at all"):
        _plan(silent)


def test_a_team_that_asks_lets_the_agent_resolve_anyway_and_audits_it() -> None:
    ask = QualityPolicy(OnResolve.ASK)
    with pytest.raises(QualityWouldFail, match="Resolve anyway") as asked:
        _plan(_ticket(informed=False), quality=ask)
    assert asked.value.missing == (Gap.QUALITY,)
    accepted = TicketChange("resolve", status=Status.RESOLVED, accept_quality=True)
    plan = _plan(_ticket(informed=False), accepted, quality=ask)
    assert plan.after.status is Status.RESOLVED
    (entry,) = [a for a in plan.audit if a.field == "quality_warning_accepted"]
    assert entry.new_value == "no public reply after the structured note"


def test_asking_is_only_for_the_quality_check_alone() -> None:
    ask = QualityPolicy(OnResolve.ASK)
    accepted = TicketChange("resolve", status=Status.RESOLVED, accept_quality=True)
    # Other gaps: a plain refusal that names the quality reason too, accepted or not.
    with pytest.raises(ChangeRefused) as refused:
        _plan(_ticket(informed=False, confirmed=False), accepted, quality=ask)
    assert not isinstance(refused.value, QualityWouldFail)
    assert refused.value.missing == (Gap.CONFIRMATION, Gap.QUALITY)
    # The default policy refuses, whatever the agent accepted.
    with pytest.raises(ChangeRefused) as refused:
        _plan(_ticket(informed=False), accepted)
    assert not isinstance(refused.value, QualityWouldFail)


HELLO = TicketChange("reply", message=NewMessage(MessageKind.REPLY, "Hello", "Amara", 1))
NOTE_ONLY = TicketChange(
    "internal_note", message=NewMessage(MessageKind.INTERNAL_NOTE, "Called back", "Amara", 1)
)


@pytest.mark.parametrize("channel", list(Channel))
def test_by_default_no_reply_goes_out_before_verification(channel: Channel) -> None:
    ticket = _ticket(verified=False, channel=channel)
    with pytest.raises(ChangeRefused) as refused:
        _plan(ticket, HELLO)
    assert refused.value.missing == (Gap.VERIFICATION,)
    assert "cannot reply to the customer yet: verify the customer's identity first" in str(
        refused.value
    )
    # Internal notes stay allowed.
    assert _plan(ticket, NOTE_ONLY).message is not None


def test_a_team_may_let_email_replies_go_before_verification() -> None:
    policy = VerificationPolicy(before_reply=frozenset({Channel.PHONE, Channel.CHAT}))
    email = _ticket(verified=False, channel=Channel.EMAIL)
    assert _plan(email, HELLO, verification=policy).message is not None
    for channel in (Channel.PHONE, Channel.CHAT):
        with pytest.raises(ChangeRefused, match="verify the customer's identity first"):
            _plan(_ticket(verified=False, channel=channel), HELLO, verification=policy)
    # A ticket whose channel is unknown is held to the strictest rule.
    unknown = TicketSnapshot(**{**email.__dict__, "channel": None})
    with pytest.raises(ChangeRefused):
        _plan(unknown, HELLO, verification=policy)
    # A resolve always needs a pass, whatever the reply rule.
    with pytest.raises(ChangeRefused) as refused:
        _plan(email, verification=policy)
    assert refused.value.missing == (Gap.VERIFICATION,)


def test_a_locked_interaction_takes_no_reply_the_lock_named_first() -> None:
    policy = VerificationPolicy(before_reply=frozenset())
    ticket = _ticket(locked=True, verified=False)
    with pytest.raises(ChangeRefused) as refused:
        _plan(ticket, HELLO, verification=policy)
    assert refused.value.missing == (Gap.LOCK,)
    with pytest.raises(ChangeRefused) as refused:
        _plan(ticket, HELLO)
    assert refused.value.missing == (Gap.LOCK, Gap.VERIFICATION)
    assert _plan(ticket, NOTE_ONLY).message is not None
