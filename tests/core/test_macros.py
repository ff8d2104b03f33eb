"""Macro files, placeholders, search and planning: the pure core."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from agentdesk.core.changes import (
    ChangeRefused,
    NewMessage,
    NoteIncomplete,
    PendingReason,
    TicketChange,
    TicketSnapshot,
    plan_change,
)
from agentdesk.core.macros import (
    Assign,
    Category,
    Escalate,
    FillNote,
    Macro,
    MacroContext,
    MacroFileError,
    MacroIndex,
    MacroRefused,
    MissingPlaceholders,
    SendReply,
    SetStatus,
    parse_macro,
    plan_macro,
    render,
    render_for_customer,
    ticket_values,
)
from agentdesk.core.note_template import Section, StructuredNote, Tag
from agentdesk.core.ticket import MessageKind, Priority, Region, Status, Tier
from agentdesk.shipped import load_taxonomy

GOOD = textwrap.dedent(
    '''\
    title = "Refund approved"
    category = "refund"
    tags = ["refund", "billing"]
    body = """
    Hi {{customer.first_name}},
    Your refund is on its way; expect it by {{ticket.etr}}.
    {{ agent.name }}
    """

    [[actions]]
    type = "fill_note"
    section = "steps_taken"
    text = "Refund approved for {{custom.amount}}."

    [[actions]]
    type = "send_reply"

    [[actions]]
    type = "escalate"
    tier = "L2"
    reason = "Billing check"
    '''
)


def parse(text: str, macro_id: str = "refund-approved") -> Macro:
    return parse_macro(text, macro_id=macro_id, path=f"macros/{macro_id}.toml")


def problems(text: str, macro_id: str = "bad") -> list[str]:
    with pytest.raises(MacroFileError) as caught:
        parse(text, macro_id)
    return [str(problem) for problem in caught.value.problems]


def test_a_good_file_parses_into_a_macro() -> None:
    macro = parse(GOOD)
    assert macro.id == "refund-approved"
    assert macro.category is Category.REFUND
    assert macro.tags == ("refund", "billing")
    assert macro.language == "en"
    assert macro.body.startswith("Hi {{customer.first_name}},\n")
    assert macro.actions == (
        FillNote(Section.STEPS_TAKEN, "Refund approved for {{custom.amount}}."),
        SendReply(None),
        Escalate(Tier.L2, "Billing check"),
    )
    assert macro.is_macro


def test_a_toml_syntax_error_names_file_and_line() -> None:
    text = 'title = "x"\ncategory = "refund"\nbody = "hi\n'
    (message,) = problems(text)
    assert message.startswith("macros/bad.toml:3: TOML syntax error")


def test_an_unknown_action_is_reported_on_its_type_line() -> None:
    text = GOOD.replace('type = "send_reply"', 'type = "send_fax"')
    line = GOOD.splitlines().index('type = "send_reply"') + 1
    message, *_also = problems(text)
    assert message.startswith(f"macros/bad.toml:{line}: action 2: type 'send_fax' is unknown")
    assert "send_reply" in message  # the known actions are listed


def test_an_unknown_placeholder_is_reported_on_its_line() -> None:
    text = GOOD.replace("{{ticket.etr}}", "{{ticket.eta}}")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "ticket.eta" in row)
    (message,) = problems(text)
    assert message == f"macros/bad.toml:{line}: unknown placeholder {{{{ticket.eta}}}}"


def test_a_bad_placeholder_inside_an_action_points_into_that_action() -> None:
    text = GOOD.replace("{{custom.amount}}", "{{amount}}")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "{{amount}}" in row)
    (message,) = problems(text)
    assert message.startswith(
        f"macros/bad.toml:{line}: action 1: unknown placeholder {{{{amount}}}}"
    )
    assert "custom.<name>" in message


def test_every_problem_in_a_file_is_listed() -> None:
    text = GOOD.replace('category = "refund"', 'category = "refunds"').replace(
        'tier = "L2"', 'tier = "L9"'
    )
    found = problems(text)
    assert len(found) == 2
    assert "bad.toml:2: category 'refunds' is not one of: opener" in found[0]
    assert "action 3: tier 'L9' is not one of: L1, L2, L3" in found[1]


def test_missing_keys_and_unknown_keys_are_named() -> None:
    found = problems('titel = "x"\ncategory = "closing"\nbody = "Bye"\n')
    assert found == [
        "macros/bad.toml:1: unknown key 'titel'; the keys are: title, category, tags, "
        "language, body, actions",
        "macros/bad.toml:1: missing 'title'",
    ]


def test_an_action_with_a_key_it_does_not_take() -> None:
    text = GOOD.replace('reason = "Billing check"', 'reason = "Billing check"\nurgent = true')
    (message,) = problems(text)
    assert "action 3: escalate does not take 'urgent'" in message


def test_a_bad_file_name_is_not_an_id() -> None:
    (message,) = problems(GOOD, macro_id="Refund Approved")
    assert "is not a usable id" in message


def test_a_macro_body_that_is_never_sent_is_an_error() -> None:
    text = GOOD.replace('[[actions]]\ntype = "send_reply"\n\n', "")
    (message,) = problems(text)
    assert "the body is never sent" in message


def values(**overrides: str) -> dict[str, str]:
    base = ticket_values(
        ticket_id=42,
        customer_name="Maria Garcia Lopez",
        agent_name="Amara Okafor",
        company="Northwind",
        sla_due_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        etr="Friday 28 November",
        custom={"amount": "EUR 40.00"},
    )
    base.update(overrides)
    return base


def test_placeholders_render_for_the_ticket() -> None:
    rendered = render(
        "Hi {{customer.first_name}}, {{ticket.id}} by {{sla.deadline}} - {{ agent.first_name }}",
        values(),
    )
    assert rendered.text == "Hi Maria, #42 by 23 Nov 2026 15:00 UTC - Amara"
    assert rendered.complete


def test_missing_values_are_flagged_and_left_visible() -> None:
    rendered = render("{{department}} and {{custom.order_number}} and {{department}}", values())
    assert rendered.missing == ("department", "custom.order_number")
    assert rendered.text == "{{department}} and {{custom.order_number}} and {{department}}"


def test_rendering_for_a_customer_refuses_empty_or_raw_placeholders() -> None:
    with pytest.raises(MissingPlaceholders, match=r"\{\{ticket.etr\}\}"):
        render_for_customer("By {{ticket.etr}}", values(**{"ticket.etr": "   "}))
    with pytest.raises(MissingPlaceholders):
        render_for_customer("Hi {{customer.first_name}}", values(**{"customer.first_name": "{{x"}))
    assert render_for_customer("Hi {{customer.first_name}}", values()) == "Hi Maria"


def context(**overrides: str) -> MacroContext:
    return MacroContext(
        values=values(**overrides),
        agent_handle="amara.okafor",
        agent_id=1,
        agent_name="Amara Okafor",
        agents={"li.wei": 2},
    )


def test_a_macro_plans_the_changes_a_manual_edit_would_make() -> None:
    changes = plan_macro(parse(GOOD), context())
    assert changes == [
        TicketChange(
            "macro.fill_note",
            note_patch=((Section.STEPS_TAKEN, "Refund approved for EUR 40.00."),),
            note_author="Amara Okafor",
            note_agent_id=1,
        ),
        TicketChange(
            "macro.send_reply",
            message=NewMessage(
                MessageKind.REPLY,
                "Hi Maria,\nYour refund is on its way; expect it by Friday 28 November.\n"
                "Amara Okafor",
                "Amara Okafor",
                1,
            ),
        ),
        TicketChange(
            "macro.escalate", tier=Tier.L2, reason="Billing check (macro refund-approved)"
        ),
    ]


def test_a_macro_with_a_missing_value_plans_nothing() -> None:
    with pytest.raises(MissingPlaceholders) as caught:
        plan_macro(parse(GOOD), context(**{"custom.amount": "", "ticket.etr": ""}))
    assert caught.value.names == ("ticket.etr", "custom.amount")


def test_a_canned_response_is_not_applied() -> None:
    canned = Macro("hello", "Hello", Category.OPENER, "Hi {{customer.first_name}}")
    with pytest.raises(MacroRefused, match="canned response"):
        plan_macro(canned, context())


def test_assign_to_me_needs_an_agent_and_a_handle_must_exist() -> None:
    take = Macro("take", "Take it", Category.OPENER, "", actions=(Assign("me"),))
    assert plan_macro(take, context()) == [TicketChange("macro.assign", assignee_id=1)]
    nobody = MacroContext(values=values(), agent_handle="")
    with pytest.raises(MacroRefused, match="no agent is set"):
        plan_macro(take, nobody)
    give = Macro("give", "Give", Category.OPENER, "", actions=(Assign("ghost"),))
    with pytest.raises(MacroRefused, match="'ghost': no such agent"):
        plan_macro(give, context())
    assert plan_macro(
        Macro(
            "g", "G", Category.OPENER, "", actions=(Assign("li.wei"), SetStatus(Status.ASSIGNED))
        ),
        context(),
    ) == [
        TicketChange("macro.assign", assignee_id=2),
        TicketChange("macro.set_status", status=Status.ASSIGNED),
    ]


def _library() -> list[Macro]:
    return [
        Macro("refund-approved", "Refund approved", Category.REFUND, "money back", ("billing",)),
        Macro("delivery-late", "Delivery delayed", Category.DELIVERY, "the parcel is late"),
        Macro(
            "card-declined",
            "Card declined",
            Category.PAYMENT,
            "the refund cannot go to an expired card",
            ("payment",),
        ),
        Macro("thanks", "Thank you", Category.CLOSING, "bye", ("refund",)),
    ]


def test_search_ranks_title_over_tags_over_body() -> None:
    index = MacroIndex(_library())
    ids = [hit.macro.id for hit in index.search("refund")]
    # Title match first, then the tag match, then the body-only match.
    assert ids == ["refund-approved", "thanks", "card-declined"]


def test_search_matches_as_you_type_and_with_a_typo() -> None:
    index = MacroIndex(_library())
    assert index.search("deliv")[0].macro.id == "delivery-late"
    assert index.search("delivry")[0].macro.id == "delivery-late"
    assert index.search("parcel")[0].macro.id == "delivery-late"


def test_an_empty_query_lists_the_most_used_first() -> None:
    index = MacroIndex(_library())
    usage = {"thanks": 9, "card-declined": 3}
    ids = [hit.macro.id for hit in index.search("", usage)]
    assert ids[:2] == ["thanks", "card-declined"]
    # Unused ones follow in the library's category order.
    assert ids[2:] == ["delivery-late", "refund-approved"]


# The reconciled model: fill_note patches the structured note; pend needs waiting_on.


def test_note_sections_use_the_templates_keys_and_the_sla_deadline_is_not_fillable() -> None:
    hypothesis = GOOD.replace('section = "steps_taken"', 'section = "root_cause_hypothesis"')
    assert parse(hypothesis).actions[0] == FillNote(
        Section.ROOT_CAUSE, "Refund approved for {{custom.amount}}."
    )
    short = GOOD.replace('section = "steps_taken"', 'section = "root_cause"')
    assert parse(short).actions[0] == parse(hypothesis).actions[0]
    line = GOOD.splitlines().index('section = "steps_taken"') + 1
    (message,) = problems(GOOD.replace('section = "steps_taken"', 'section = "sla_deadline"'))
    assert message.startswith(f"macros/bad.toml:{line}: action 1: the SLA deadline is filled in")
    (message,) = problems(GOOD.replace('section = "steps_taken"', 'section = "summary"'))
    assert message == (
        f"macros/bad.toml:{line}: action 1: section 'summary' is not one of: "
        "issue_summary, steps_taken, root_cause_hypothesis, next_steps"
    )


PEND = textwrap.dedent(
    """\
    title = "Waiting for the customer"
    category = "follow_up"

    [[actions]]
    type = "set_status"
    status = "pending"
    waiting_on = "customer"
    """
)


def test_a_pend_must_say_what_it_waits_on() -> None:
    macro = parse(PEND, "pend")
    assert macro.actions == (SetStatus(Status.PENDING, PendingReason.CUSTOMER),)
    assert plan_macro(macro, context()) == [
        TicketChange(
            "macro.set_status", status=Status.PENDING, pending_reason=PendingReason.CUSTOMER
        )
    ]
    line = PEND.splitlines().index('status = "pending"') + 1
    (message,) = problems(PEND.replace('waiting_on = "customer"\n', ""))
    assert message.startswith(
        f"macros/bad.toml:{line}: action 1: a macro that sets Pending must say what the ticket "
        "waits on"
    )
    (message,) = problems(PEND.replace('"customer"', '"carrier"'))
    assert "waiting_on 'carrier' is not one of: customer, internal_team" in message
    (message,) = problems(PEND.replace('"pending"', '"resolved"'))
    assert "waiting_on only goes with status" in message


NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
COMPLETE = StructuredNote(
    sections={
        Section.ISSUE_SUMMARY: "Cannot log in",
        Section.STEPS_TAKEN: "Sent a reset link",
        Section.ROOT_CAUSE: "Expired token",
        Section.NEXT_STEPS: "Check back tomorrow",
    },
    tags={
        Tag.PRODUCT_AREA: "login",
        Tag.ISSUE_TYPE: "password_reset",
        Tag.PRIORITY: "P2",
        Tag.CHANNEL: "email",
    },
)


def snapshot(**fields: object) -> TicketSnapshot:
    values: dict[str, object] = {
        "id": 7,
        "subject": "Cannot log in",
        "priority": Priority.P2,
        "status": Status.IN_PROGRESS,
        "region": Region.EMEA,
        "tier": Tier.L1,
        "assignee_id": 1,
        "created_at": datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    }
    values.update(fields)
    return TicketSnapshot(**values)  # type: ignore[arg-type]


def test_a_note_patch_sets_sections_on_the_current_note(policy) -> None:  # type: ignore[no-untyped-def]
    change = TicketChange(
        "macro.fill_note", note_patch=((Section.STEPS_TAKEN, "Refunded EUR 40"),), note_author="A"
    )
    plan = plan_change(snapshot(note=COMPLETE), change, now=NOW, policy=policy)
    assert plan.note is not None
    assert plan.note.text(Section.STEPS_TAKEN) == "Refunded EUR 40"
    assert plan.note.text(Section.ISSUE_SUMMARY) == "Cannot log in"  # the rest is kept
    assert plan.note.tags == COMPLETE.tags
    assert plan.note.sla_deadline  # filled in by the SLA engine, never by the macro
    assert plan.note_message is not None
    assert plan.note_message.kind is MessageKind.INTERNAL_NOTE
    assert "Refunded EUR 40" in plan.note_message.body

    fresh = plan_change(snapshot(), change, now=NOW, policy=policy)
    assert fresh.note is not None
    assert dict(fresh.note.sections) == {Section.STEPS_TAKEN: "Refunded EUR 40"}

    same = TicketChange("macro.fill_note", note_patch=((Section.STEPS_TAKEN, "Sent a reset link"),))
    with pytest.raises(ChangeRefused, match="nothing to change"):
        plan_change(snapshot(note=COMPLETE), same, now=NOW, policy=policy)


def test_a_patched_note_meets_the_pend_rule(policy) -> None:  # type: ignore[no-untyped-def]
    patch = ((Section.NEXT_STEPS, "Wait for the log file"),)
    pend = TicketChange(
        "macro.set_status",
        status=Status.PENDING,
        pending_reason=PendingReason.CUSTOMER,
        note_patch=patch,
    )
    with pytest.raises(NoteIncomplete) as caught:
        plan_change(snapshot(), pend, now=NOW, policy=policy, taxonomy=load_taxonomy())
    assert "next_steps" not in caught.value.missing
    plan = plan_change(snapshot(note=COMPLETE), pend, now=NOW, policy=policy)
    assert plan.after.status is Status.PENDING


def test_labels_are_free_form_and_apart_from_the_note_tags(policy) -> None:  # type: ignore[no-untyped-def]
    ticket = snapshot(note=COMPLETE, tags=frozenset({"vip"}))
    change = TicketChange("macro.add_tags", add_tags=frozenset({"csat-sent"}))
    plan = plan_change(ticket, change, now=NOW, policy=policy)
    assert plan.tags == frozenset({"vip", "csat-sent"})
    assert plan.note is None  # the note's four tags are untouched
    assert [(a.field, a.old_value, a.new_value) for a in plan.audit] == [
        ("labels", "vip", "csat-sent,vip")
    ]
    with pytest.raises(ChangeRefused, match="nothing to change"):
        plan_change(
            ticket, TicketChange("x", remove_tags=frozenset({"absent"})), now=NOW, policy=policy
        )


# --- {{sla.deadline}}: never a time already past (issue 12 item 15) ----------------------


def _sla_ticket(priority: Priority, created_minutes_ago: int, **fields: object) -> object:
    from datetime import timedelta

    from agentdesk.core.sla import SlaTicket

    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    return SlaTicket(
        priority=priority,
        region=Region.EMEA,
        status=fields.pop("status", Status.IN_PROGRESS),  # type: ignore[arg-type]
        created_at=now - timedelta(minutes=created_minutes_ago),
        **fields,  # type: ignore[arg-type]
    )


def test_the_deadline_promised_is_the_next_one_after_this_reply(policy) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from agentdesk.core.macros.placeholders import deadline_to_promise

    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    # A P2 whose first response is 30 min overdue: the reply meets it; resolution is next.
    late = _sla_ticket(Priority.P2, 90)
    assert deadline_to_promise(late, policy, now) == now - timedelta(minutes=90) + timedelta(
        hours=24
    )
    # A P0 whose mandatory update is overdue: the next update, 30 min after this one.
    p0 = _sla_ticket(
        Priority.P0,
        60,
        first_response_at=now - timedelta(minutes=50),
        last_update_at=now - timedelta(minutes=45),
    )
    assert deadline_to_promise(p0, policy, now) == now + timedelta(minutes=30)


def test_no_deadline_is_promised_once_it_passed(policy) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from agentdesk.core.macros.placeholders import deadline_to_promise

    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    overdue = _sla_ticket(Priority.P1, 9 * 60, first_response_at=now - timedelta(hours=8))
    why = deadline_to_promise(overdue, policy, now)
    assert why == (
        "the resolution deadline passed on 23 Nov 2026 13:00 UTC: promise a time you can keep "
        "instead"
    )
    paused = _sla_ticket(Priority.P2, 30, status=Status.PENDING, pauses=((now, None),))
    assert deadline_to_promise(paused, policy, now) == (
        "the SLA clocks are paused while the ticket is Pending"
    )
