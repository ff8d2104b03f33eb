"""Pilot tests of macros on the ticket screen: search, preview, insert, apply, undo. The SOP's
refusals of a macro (and that they write nothing) are tested at the desk: tests/desk/."""

from __future__ import annotations

import sqlite3
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from agentdesk.app import AgentDeskApp, make_app
from agentdesk.config import Settings
from agentdesk.core.ticket import MessageKind
from agentdesk.screens.macro_picker import MacroPicker
from agentdesk.screens.ticket import TicketScreen
from agentdesk.widgets.macro_preview import MacroPreview
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import pass_verification, settle

SIZE = (120, 40)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _ticket(settings: Settings, status: str, *, documented: bool | None = None) -> tuple[int, str]:
    """The first ticket in that status; documented: with (True) or without (False) a complete
    structured note (every section written, all four tags), which Pending and Resolved need."""
    complete = (
        "t.id IN (SELECT n.ticket_id FROM ticket_notes n WHERE n.issue_summary != '' "
        "AND n.steps_taken != '' AND n.root_cause != '' AND n.next_steps != '') "
        "AND (SELECT count(*) FROM ticket_tags g WHERE g.ticket_id = t.id) = 4"
    )
    where = {None: "1", True: complete, False: f"NOT ({complete})"}[documented]
    (ticket_id, name), *_ = _read(
        settings,
        "SELECT t.id, c.name FROM tickets t JOIN customers c ON c.id = t.customer_id "
        f"WHERE t.status = ? AND {where} ORDER BY t.id LIMIT 1",
        status,
    )
    return int(ticket_id), str(name).split()[0]


async def _open_picker(pilot: Pilot[Any], app: AgentDeskApp, ticket_id: int) -> MacroPicker:
    await settle(pilot)
    await app.queue_screen.open_ticket(ticket_id)
    await settle(pilot)
    assert isinstance(app.screen, TicketScreen)
    await pilot.press("m")
    await settle(pilot)
    picker = app.screen
    assert isinstance(picker, MacroPicker)
    return picker


def _result_ids(picker: MacroPicker) -> list[str]:
    results = picker.query_one("#macro-results", OptionList)
    return [str(results.get_option_at_index(i).id) for i in range(results.option_count)]


def _preview(picker: MacroPicker) -> str:
    return str(picker.query_one("#macro-preview", MacroPreview).render())


async def test_the_picker_searches_on_every_keystroke(demo: Settings, clock: SteppedClock) -> None:
    ticket_id, _ = _ticket(demo, "in_progress")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        picker = await _open_picker(pilot, app, ticket_id)
        everything = _result_ids(picker)
        assert len(everything) >= 40  # an empty query lists the library, most used first
        await pilot.press(*"refund")
        refund = _result_ids(picker)
        assert refund[0].startswith("refund-") and refund != everything
        await pilot.press(*" not rec")
        assert _result_ids(picker)[0] == "refund-not-received"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)


async def test_the_preview_renders_for_this_ticket_and_lists_the_actions(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, first_name = _ticket(demo, "in_progress")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        picker = await _open_picker(pilot, app, ticket_id)
        await pilot.press(*"verification reminder")
        assert _result_ids(picker)[0] == "verification-reminder"
        shown = _preview(picker)
        assert f"Hi {first_name}," in shown
        assert f"following up on #{ticket_id}" in shown
        assert "{{" not in shown
        assert "1. Send the reply above" in shown and "2. Set status to Pending" in shown
        await pilot.press("down")
        assert _preview(picker) != shown  # the preview follows the highlight


async def test_a_canned_reply_asks_for_missing_values_then_goes_into_the_draft(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, first_name = _ticket(demo, "in_progress")
    pass_verification(demo, ticket_id, clock())
    replies = len(_read(demo, "SELECT id FROM messages WHERE ticket_id = ?", ticket_id))
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        picker = await _open_picker(pilot, app, ticket_id)
        await pilot.press(*"thank you sign")
        assert _result_ids(picker)[0] == "closing-thank-you"
        assert "Needs a value: {{company}}" in _preview(picker)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is picker  # {{company}} has no value in the demo profile: asked for
        field = picker.query_one("#macro-field-company", Input)
        assert app.focused is field
        await pilot.press("enter")
        assert app.screen is picker  # still empty: not chosen
        await pilot.press(*"Northwind", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        composer = screen.composer
        # Into the workspace's composer, as a reply, focused for editing.
        assert composer.mode is MessageKind.REPLY and app.focused is composer.text_area
        assert composer.text.startswith(f"Hi {first_name},")
        assert "Northwind" in composer.text and "{{" not in composer.text
        await pilot.press("ctrl+j")
        await settle(pilot)
        bodies = _read(
            demo,
            "SELECT kind, body FROM messages WHERE ticket_id = ? ORDER BY id DESC LIMIT 1",
            ticket_id,
        )
        assert bodies[0][0] == "reply" and "Northwind" in bodies[0][1]
        assert len(_read(demo, "SELECT id FROM messages WHERE ticket_id = ?", ticket_id)) == (
            replies + 1
        )
        assert composer.text == ""
        assert _read(demo, "SELECT uses FROM macro_usage WHERE macro_id = 'closing-thank-you'") == [
            (1,)
        ]


async def test_a_canned_reply_goes_after_the_draft_in_the_composer(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, first_name = _ticket(demo, "in_progress")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        composer = screen.composer
        composer.load(MessageKind.INTERNAL_NOTE, "Agents only")
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"password reset link", "enter")
        await settle(pilot)
        # An internal note is never turned into a reply: nothing is inserted.
        assert app.screen is screen
        assert composer.mode is MessageKind.INTERNAL_NOTE and composer.text == "Agents only"

        composer.load(MessageKind.REPLY, "Started typing")
        screen.query_one("#conversation").focus()
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MacroPicker)
        await pilot.press(*"password reset link", "enter")
        await settle(pilot)
        assert composer.mode is MessageKind.REPLY
        assert composer.text.startswith("Started typing\n\nHi " + first_name)
        # The draft is saved as it is shown, so leaving the ticket keeps it.
        await settle(pilot)
        drafts = _read(
            demo,
            "SELECT mode, body FROM drafts WHERE ticket_id = ? AND slot = 'composer'",
            ticket_id,
        )
        assert drafts and drafts[0][0] == "reply" and drafts[0][1] == composer.text


async def test_apply_a_macro_then_undo_it(demo: Settings, clock: SteppedClock) -> None:
    ticket_id, _ = _ticket(demo, "in_progress", documented=True)
    pass_verification(demo, ticket_id, clock())

    def state() -> tuple[Any, ...]:
        return _read(demo, "SELECT status, version FROM tickets WHERE id = ?", ticket_id)[0]

    def counted() -> tuple[int, int]:
        messages = _read(demo, "SELECT count(*) FROM messages WHERE ticket_id = ?", ticket_id)
        outbox = _read(demo, "SELECT count(*) FROM outbox WHERE ticket_id = ?", ticket_id)
        return messages[0][0], outbox[0][0]

    status_before, version_before = state()
    messages_before, outbox_before = counted()
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await _open_picker(pilot, app, ticket_id)
        await pilot.press(*"verification reminder", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert state()[0] == "pending"
        assert counted() == (messages_before + 1, outbox_before + 3)
        assert _read(demo, "SELECT label FROM ticket_labels WHERE ticket_id = ?", ticket_id) == [
            ("awaiting-verification",)
        ]
        assert _read(demo, "SELECT pending_reason FROM tickets WHERE id = ?", ticket_id) == [
            ("waiting_on_customer",)
        ]
        assert _read(
            demo,
            "SELECT macro_id, undone_at FROM macro_applications WHERE ticket_id = ?",
            ticket_id,
        ) == [("verification-reminder", None)]
        # The screen shows the ticket afresh.
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.workspace is not None
        assert screen.workspace.detail.status.value == "pending"

        await pilot.press("u")
        await settle(pilot)
        status, version = state()
        assert status == status_before and version > version_before
        # The reply never left: withdrawn; the field edits have a compensating outbox op.
        assert counted() == (messages_before, outbox_before + 2 + 1)
        assert _read(demo, "SELECT label FROM ticket_labels WHERE ticket_id = ?", ticket_id) == []
        assert screen.workspace.detail.status.value == status_before

        await pilot.press("u")  # nothing left to undo: refused, nothing written
        await settle(pilot)
        assert state() == (status, version)


async def test_a_resolving_macro_without_the_note_is_refused(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, _ = _ticket(demo, "in_progress", documented=False)
    pass_verification(demo, ticket_id, clock())
    before = _read(demo, "SELECT count(*) FROM outbox")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await _open_picker(pilot, app, ticket_id)
        await pilot.press(*"no response from the customer", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert "cannot resolve yet" in screen.last_refusal
        assert "the structured note needs" in screen.last_refusal
        assert _read(demo, "SELECT count(*) FROM outbox") == before
        assert _read(demo, "SELECT status FROM tickets WHERE id = ?", ticket_id) == [
            ("in_progress",)
        ]


async def test_the_command_palette_opens_the_picker_on_a_macro(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, _ = _ticket(demo, "in_progress")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"double charge")
        await settle(pilot)
        # The palette gathers hits in its own tasks: wait until the macro is listed.
        for _ in range(200):
            hits = app.screen.query(OptionList)
            if (
                hits
                and hits.first().option_count
                and "double charge" in str(hits.first().get_option_at_index(0).prompt)
            ):
                break
            await pilot.pause(0.02)
        else:
            raise AssertionError("the palette never listed the macro")
        await pilot.press("enter")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, MacroPicker)
        assert (
            picker.query_one("#macro-query", Input).value
            == "Payment: double charge under investigation"
        )
        assert _result_ids(picker)[0] == "payment-double-charge"
