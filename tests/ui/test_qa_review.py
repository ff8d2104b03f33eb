"""The QA role's screen (issue 15): a profile with role "qa" opens the month's sample per
agent; a sampled ticket opens read-only; scoring it against the rubric (weights, a critical
item that scores 0) and saving records the review in the store and queues it for the
helpdesk as an internal comment; a snapshot at 120x40."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.core.actions import Action
from agentdesk.screens.qa_review import QaReviewScreen, cells
from agentdesk.screens.qa_score import QaScoreScreen
from agentdesk.screens.ticket import TicketScreen
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle

SIZE = (160, 48)


@pytest.fixture
def qa(demo: Settings) -> Settings:
    return dataclasses.replace(demo, extra={**demo.extra, "role": "qa"})


def _reviews(settings: Settings) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as db:
        return db.execute(
            "SELECT ticket_id, reviewer, marks, score, critical_failed, comment FROM qa_reviews"
        ).fetchall()


def _queued_notes(settings: Settings, ticket_id: int) -> list[str]:
    with sqlite3.connect(settings.db_path) as db:
        return [
            row[0]
            for row in db.execute(
                "SELECT payload FROM outbox WHERE ticket_id = ? ORDER BY id", (ticket_id,)
            )
        ]


async def _sample(pilot: Pilot[Any]) -> QaReviewScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, QaReviewScreen)
    assert screen.sample is not None
    return screen


async def test_the_qa_role_scores_a_sampled_ticket_and_the_review_is_kept(
    qa: Settings, clock: SteppedClock
) -> None:
    app = make_app(qa, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _sample(pilot)
        sample = screen.sample
        assert sample is not None and sample.month == "2026-11"
        assert sample.items, "the demo month has a sample"
        assert screen.table.row_count == len(sample.items)
        first = sample.items[0]
        assert [str(c) for c in screen.table.get_row_at(0)] == list(cells(first))
        assert first.score is None

        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, QaScoreScreen)
        line = dialog.query_one("#qa-score-line")
        assert str(line.render()) == "Score 100%"
        critical = dialog.query_one("#qa-item-verification", Checkbox)
        assert "weight 3" in str(critical.label) and "CRITICAL" in str(critical.label)
        # A critical item not met scores the whole review 0, as the rubric says.
        critical.value = False
        await pilot.pause()
        assert str(line.render()) == "Score 0% · critical item not met: verification"
        critical.value = True
        dialog.query_one("#qa-item-greeting", Checkbox).value = False
        await pilot.pause()
        assert str(line.render()) == "Score 92%"  # 11 of 12 weight
        dialog.query_one("#qa-comment", Input).value = "Greet by name next time."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.cursor_item() is not None
        assert screen.items[str(first.ticket_id)].score == pytest.approx(11 / 12)

    ((ticket, reviewer, marks, score, critical_failed, comment),) = _reviews(qa)
    assert (ticket, reviewer) == (first.ticket_id, qa.agent_handle)
    assert '"greeting": false' in marks and '"verification": true' in marks
    assert (score, critical_failed, comment) == (
        pytest.approx(11 / 12),
        0,
        "Greet by name next time.",
    )
    # Through the helpdesk: queued as the ticket's internal comment.
    assert any(
        "[agentdesk QA review]" in p and "score: 92%" in p for p in _queued_notes(qa, ticket)
    )


async def test_a_sampled_ticket_opens_read_only(qa: Settings, clock: SteppedClock) -> None:
    app = make_app(qa, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _sample(pilot)
        item = screen.cursor_item()
        assert item is not None
        await pilot.press("enter")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen)
        assert ticket.ticket_id == item.ticket_id
        assert ticket.desk.read_only
        assert all(ticket.check_action(action.value, ()) is False for action in Action)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_an_agent_profile_has_no_qa_screen(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not isinstance(app.screen, QaReviewScreen)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "QA review" not in titles


async def _ready(pilot: Pilot[Any]) -> None:
    await _sample(pilot)


async def _scoring(pilot: Pilot[Any]) -> None:
    await _sample(pilot)
    await pilot.press("s")
    await settle(pilot)


def test_qa_sample_snapshot_120x40(snap_compare: Any, qa: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(qa, clock=clock), terminal_size=(120, 40), run_before=_ready)


def test_qa_score_snapshot_120x40(snap_compare: Any, qa: Settings, clock: SteppedClock) -> None:
    assert snap_compare(make_app(qa, clock=clock), terminal_size=(120, 40), run_before=_scoring)
