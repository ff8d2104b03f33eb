"""The note tab shows at once: the form is built after the ticket's first frame, while the
agent reads the conversation (issue 17: the first show took ~320 ms, target <= 100 ms)."""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import TextArea

from agentdesk.app import make_app
from agentdesk.config import Settings
from agentdesk.screens.ticket import TicketScreen
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.conversation import Conversation
from agentdesk.widgets.note_form import NoteForm
from agentdesk.widgets.ticket_panes import TicketPanes
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import settle
from tests.ui.test_ticket import _bare_ticket

SIZE = (120, 40)


async def test_the_note_form_is_built_while_the_conversation_is_read(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NoteForm, "DRAFT_SECONDS", 0.01)
    ticket_id = _bare_ticket(demo)  # no note yet: the form suggests its tags
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        # Built, filled and hidden: the conversation stays on show and keeps the focus.
        form = screen.note_form
        assert form is not None and form.query(NoteForm) is not None
        assert screen.query_one(TicketPanes).current == "tab-conversation"
        assert isinstance(app.focused, Conversation)
        assert not form.region.height
        # What the build loaded (the suggested tags) is no draft of the agent's.
        await pilot.pause(0.1)
        await settle(pilot)
        with sqlite3.connect(demo.db_path) as connection:
            assert not connection.execute(
                "SELECT body FROM drafts WHERE ticket_id = ?", (ticket_id,)
            ).fetchall()
        await pilot.press("2")
        await settle(pilot)
        assert screen.note_form is form and form.region.height
        assert len(screen.query(NoteForm)) == 1


async def test_the_note_tab_asked_for_at_once_is_built_once(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(1)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        # `2` typed with the open, before the first frame: it waits for the one build.
        await pilot.press("2")
        await settle(pilot)
        assert len(screen.query(NoteForm)) == 1
        assert screen.query_one(TicketPanes).current == "tab-note"
        assert not screen.query("#note-loading")
        # The reply box is untouched by the build behind it.
        assert not screen.query_one(Composer).has_focus


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_the_hidden_form_is_wrapped_as_it_will_be_shown(
    demo: Settings, clock: SteppedClock, size: tuple[int, int]
) -> None:
    """A text area built hidden re-wrapped on its first show: its height changed with it and
    the screen was laid out twice for `2` (issue 17). It wraps at its shown width now, its
    own scrollbar included (the long section overflows its box at both sizes)."""
    steps = " ".join(f"Step {n}: checked the account and the order history." for n in range(6))
    ticket_id = _bare_ticket(demo)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(ticket_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        form = screen.note_form
        assert form is not None and not form.region.height
        areas = list(form.query(TextArea))
        areas[1].load_text(steps)  # as a draft or $EDITOR fills it while the tab is hidden
        areas[0].load_text("Refund for a damaged desk.")
        hidden = [area.wrapped_document.lines for area in areas]
        assert len(hidden[1][0]) > 2  # wrapped (more lines than its box shows), not one line
        screen.action_show_tab("tab-note")
        # The pane switches with the strip, in the same handler: one frame for both.
        assert screen.query_one(TicketPanes).current == "tab-note"
        await settle(pilot)
        assert form.region.height
        assert [area.wrapped_document.lines for area in areas] == hidden
