"""Pilot tests of the verification wizard: pass, three failures, expiry, start work, resolve."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from agentdesk.app import AgentDeskApp, make_app
from agentdesk.config import Settings
from agentdesk.core.verification import Factor
from agentdesk.demo import demo_answers
from agentdesk.screens.ticket import TicketScreen
from agentdesk.screens.verify import VerifyScreen
from agentdesk.widgets.customer_panel import CustomerPanel
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import open_ticket_screen, settle

SIZE = (120, 40)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _ticket(settings: Settings, status: str = "in_progress") -> tuple[int, str]:
    rows = _read(
        settings,
        "SELECT t.id, c.account_id FROM tickets t JOIN customers c ON c.id = t.customer_id "
        "WHERE t.status = ? AND t.tier = 'L1' ORDER BY t.id LIMIT 1",
        status,
    )
    assert rows
    return int(rows[0][0]), str(rows[0][1])


async def _type(pilot: Pilot[Any], text: str) -> None:
    field = pilot.app.screen.query_one("#verify-input", Input)
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


def _panel(app: AgentDeskApp) -> str:
    return str(app.screen.query_one(CustomerPanel).render())


async def test_a_caller_who_knows_the_answers_passes_first_time(
    demo: Settings, clock: SteppedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level: nothing typed may show
    ticket_id, account = _ticket(demo)
    answers = demo_answers(account)
    typed = [answers[Factor.PAYMENT_LAST4].encode(), answers[Factor.DATE_OF_BIRTH].encode()]
    # Four digits turn up by chance in 300 tickets' phone and order numbers: count them.
    before = [_disk(demo).count(value) for value in typed]
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        assert "not verified" in _panel(app)
        assert f"PIN {answers[Factor.PIN]}" in _panel(app)  # demo mode shows the answers
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, VerifyScreen)
        # Nothing the caller must say is pre-filled: Enter on step 1 passes nothing.
        assert app.screen.query_one("#verify-input", Input).value == ""
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.step is Factor.ACCOUNT_ID  # type: ignore[attr-defined]
        assert "Type the account ID" in str(app.screen.query_one("#verify-error").render())
        await _type(pilot, account)
        field = app.screen.query_one("#verify-input", Input)
        assert field.password  # the secret steps are masked
        await _type(pilot, answers[Factor.PAYMENT_LAST4])
        await _type(pilot, answers[Factor.DATE_OF_BIRTH])
        assert app.screen is screen
        assert screen.verification().verified
        assert "verified" in _panel(app) and "not verified" not in _panel(app)
    rows = _read(
        demo,
        "SELECT outcome, factors FROM verification_attempts WHERE ticket_id = ?",
        ticket_id,
    )
    assert rows == [("passed", "account_id,payment_last4,date_of_birth")]
    on_disk = _disk(demo)
    assert b"account_id,payment_last4,date_of_birth" in on_disk  # the new rows are there
    assert [on_disk.count(value) for value in typed] == before
    logged = "\n".join(record.getMessage() for record in caplog.records).encode()
    assert all(value not in logged for value in typed)


def _disk(settings: Settings) -> bytes:
    """The database file and its WAL, as bytes."""
    return b"".join(p.read_bytes() for p in settings.db_path.parent.glob("agentdesk.db*"))


async def test_a_typing_slip_is_not_a_failed_attempt(demo: Settings, clock: SteppedClock) -> None:
    ticket_id, account = _ticket(demo)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("v")
        await settle(pilot)
        await _type(pilot, account)  # the account ID, as the customer says it
        await _type(pilot, "4111 1111 1111 1111")
        error = str(app.screen.query_one("#verify-error").render())
        assert "never ask for or type a full card number" in error
        assert "4111" not in error
    attempts = _read(
        demo, "SELECT count(*) FROM verification_attempts WHERE ticket_id = ?", ticket_id
    )
    assert attempts[0][0] == 0


async def test_three_failures_escalate_to_level_2_and_lock(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, account = _ticket(demo)
    wrong = f"{(int(demo_answers(account)[Factor.PAYMENT_LAST4]) + 1) % 10_000:04d}"
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("v")
        await settle(pilot)
        for attempt in range(1, 4):
            await _type(pilot, account)  # the account ID, as the customer says it
            await _type(pilot, wrong)
            if attempt < 3:
                assert f"Attempt {attempt} of 3 failed" in str(
                    app.screen.query_one("#verify-error").render()
                )
        assert isinstance(app.screen, VerifyScreen)
        assert "escalated to Level 2" in str(app.screen.query_one("#verify-step").render())
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.verification().locked
        assert "LOCKED" in _panel(app)
        await pilot.press("v")  # locked: the wizard does not open again
        await settle(pilot)
        assert app.screen is screen
    assert _read(demo, "SELECT tier FROM tickets WHERE id = ?", ticket_id)[0][0] == "L2"
    audit = _read(
        demo,
        "SELECT new_value FROM audit WHERE ticket_id = ? AND action = 'verify_identity'",
        ticket_id,
    )
    assert [row[0] for row in audit] == ["failed at the last 4 of the payment method"] * 3
    notes = _read(
        demo,
        "SELECT body FROM messages WHERE ticket_id = ? AND kind = 'internal_note' "
        "AND body LIKE 'Identity verification failed%'",
        ticket_id,
    )
    assert len(notes) == 1 and "last 4 of the payment method" in notes[0][0]


async def test_verification_expires_after_thirty_minutes(
    demo: Settings, clock: SteppedClock
) -> None:
    ticket_id, account = _ticket(demo)
    answers = demo_answers(account)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("v")
        await settle(pilot)
        await _type(pilot, account)  # the account ID, as the customer says it
        await _type(pilot, answers[Factor.PAYMENT_LAST4])
        await pilot.click("#choice-pin")
        await _type(pilot, answers[Factor.PIN])
        assert screen.verification().verified
        clock.advance(timedelta(minutes=31))
        assert not screen.verification().verified
        assert not screen.verification().locked


async def test_starting_work_opens_the_wizard(demo: Settings, clock: SteppedClock) -> None:
    ticket_id, _account = _ticket(demo, status="assigned")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, VerifyScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)


async def test_resolve_needs_the_confirmation_and_a_decline_loops_back(
    demo: Settings, clock: SteppedClock
) -> None:
    from agentdesk.core.changes import TicketChange
    from agentdesk.screens.confirm import ConfirmScreen
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store
    from agentdesk.store.writes import apply_change
    from tests.store.factory import complete_note, replied, verified

    ticket_id, _account = _ticket(demo)
    store = open_store(demo.db_path, load_sla_policy())
    try:
        verified(store, ticket_id, clock())
        apply_change(
            store,
            ticket_id,
            TicketChange("note", note=complete_note(), note_author="Amara"),
            actor="amara.okafor",
            now=clock(),
        )
        replied(store, ticket_id, clock())  # the customer was told (the quality check)
    finally:
        store.close()
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("d")
        await settle(pilot)
        assert "three-step confirmation" in screen.last_refusal
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        restated = app.screen.query_one("#confirm-text", Input)
        assert restated.value  # prefilled from the note's Issue summary
        await pilot.press("enter")
        app.screen.query_one("#confirm-text", Input).value = "Send a new reset link"
        app.screen.query_one("#confirm-etr", Input).value = "2h"
        await pilot.press("enter")  # from the solution: on to the ETR
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.step == "agree"  # type: ignore[attr-defined]
        await pilot.press("n")
        app.screen.query_one("#confirm-text", Input).value = "wants a call back instead"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.step == "propose"  # type: ignore[attr-defined]
        assert "wants a call back instead" in str(app.screen.query_one("#confirm-summary").render())
        app.screen.query_one("#confirm-text", Input).value = "Call back at 16:00 with a link"
        await pilot.press("enter")
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("d")
        await settle(pilot)
        assert screen.workspace is not None
        assert screen.workspace.detail.status.value == "resolved", screen.last_refusal
    entry = _read(
        demo,
        "SELECT body FROM messages WHERE ticket_id = ? AND body LIKE 'Three-step%'",
        ticket_id,
    )[0][0]
    # The declined proposal is kept with its own text and ETR, not only the reason.
    assert (
        "Declined proposal 1: Send a new reset link (ETR Mon 23 Nov, 16:00 UTC); "
        "the customer declined: wants a call back instead"
    ) in entry
    assert "Call back at 16:00 with a link (ETR Mon 23 Nov, 16:00 UTC)" in entry


async def test_workers_never_describe_what_was_typed(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.worker import Worker

    descriptions: list[str] = []
    real_init = Worker.__init__

    def recording_init(self: Worker[Any], *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        descriptions.append(self.description)

    monkeypatch.setattr(Worker, "__init__", recording_init)
    ticket_id, account = _ticket(demo)
    last4 = demo_answers(account)[Factor.PAYMENT_LAST4]
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("v")
        await settle(pilot)
        await _type(pilot, account)  # the account ID, as the customer says it
        await _type(pilot, last4)
    assert "check a verifier" in descriptions
    assert not any(last4 in d for d in descriptions)


async def test_a_store_copied_beside_another_key_blames_the_key_not_the_customer(
    demo: Settings, clock: SteppedClock
) -> None:
    """Issue 12, item 4: every correct answer failed, locked the ticket and escalated it."""
    import base64

    (demo.db_path.parent / "verifier.key").write_text(base64.b64encode(b"x" * 32).decode())
    ticket_id, account = _ticket(demo)
    attempts = _read(demo, "SELECT count(*) FROM verification_attempts")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, VerifyScreen)
        await _type(pilot, account)
        shown = str(app.screen.query_one("#verify-error").render())
        assert "verifier key does not match this database" in shown
        assert "not the customer's failure" in shown
    assert _read(demo, "SELECT count(*) FROM verification_attempts") == attempts
    assert _read(demo, "SELECT tier FROM tickets WHERE id = ?", ticket_id) == [("L1",)]


async def test_a_real_profile_without_a_keyring_says_what_to_do_and_records_nothing(
    demo: Settings, clock: SteppedClock
) -> None:
    """Issue 16: a real profile's verifier key lives only in the keyring (tests/conftest.py:
    keyring's fail backend, as over SSH): the wizard says so, no attempt, no lock."""
    from dataclasses import replace

    real = replace(demo, demo=False, demo_tickets=0, profile="work")
    ticket_id, account = _ticket(real)
    attempts = _read(real, "SELECT count(*) FROM verification_attempts")
    app = make_app(real, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket_screen(app, pilot, ticket_id, workspace=True)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, VerifyScreen)
        await _type(pilot, account)
        shown = str(app.screen.query_one("#verify-error").render())
        assert "lives only in the system keyring" in shown and "keyrings.cryptfile" in shown
        assert "Traceback" not in shown
    assert _read(real, "SELECT count(*) FROM verification_attempts") == attempts
    assert _read(real, "SELECT tier FROM tickets WHERE id = ?", ticket_id) == [("L1",)]
