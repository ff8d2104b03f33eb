"""Pilot tests of the queue: order, views, filters, search, detail, live SLA, failures."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual import events
from textual.binding import Binding

from agentdesk.app import AgentDeskApp, make_app
from agentdesk.config import Settings
from agentdesk.core.ticket import Channel, MessageKind, Priority, Tier
from agentdesk.demo import DEMO_AGENT_HANDLE
from agentdesk.screens.error import ErrorScreen
from agentdesk.screens.filters import FilterScreen
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.ticket import TicketScreen
from agentdesk.store.rows import QueueFilter, View
from agentdesk.widgets.conversation import Conversation
from agentdesk.widgets.ticket_pages import PAGE_SIZE
from agentdesk.widgets.ticket_table import TicketTable
from tests.ui.conftest import SteppedClock
from tests.ui.pilot_tools import line_text, settle, shown_rows

SIZE = (120, 40)


def _read(settings: Settings, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.db_path) as connection:
        return connection.execute(sql, params).fetchall()


def _table(app: AgentDeskApp) -> TicketTable:
    return app.queue_screen.table


def _sql_order(app: AgentDeskApp, queue: QueueFilter, limit: int) -> list[int]:
    from agentdesk.store.queries import page_queue

    assert app.session is not None
    with app.session.store.read() as connection:
        return [row.id for row in page_queue(connection, queue, app.clock(), 0, limit)]


async def test_first_rows_appear_in_sla_risk_order(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        shown = [row.id for row in shown_rows(table)]
        assert len(shown) == table.size.height - 1
        assert shown == _sql_order(app, app.queue_screen.queue_filter, len(shown))
        assert app.focused is table
        assert table.cursor_ticket_id == shown[0]


async def test_views_switch_the_rows(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        await pilot.press("1")
        await settle(pilot)
        assert app.queue_screen.queue_filter.view is View.MINE
        mine = shown_rows(table)
        assert mine and {row.assignee for row in mine} == {DEMO_AGENT_HANDLE}

        await pilot.press("2")
        await settle(pilot)
        unassigned = shown_rows(table)
        assert unassigned and {row.assignee for row in unassigned} == {""}

        await pilot.press("3")
        await settle(pilot)
        everyone = {row.assignee for row in shown_rows(table)}
        assert "" in everyone and len(everyone) > 2
        open_count = _read(
            demo, "SELECT count(*) FROM tickets WHERE status NOT IN ('resolved', 'closed')"
        )[0][0]
        assert table.total == open_count
        assert app.queue_screen.summary.total == open_count


async def test_a_view_or_filter_change_does_not_read_the_header_counts_again(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header counts every open ticket whatever the view: a filter change reads only
    its own count and page (issue 17). A refresh reads the counts again."""
    from agentdesk.desk import queue as desk_queue

    reads: list[int] = []
    real = desk_queue.queue_counts

    def counted(desk: object) -> desk_queue.QueueCounts:
        reads.append(1)
        return real(desk)  # type: ignore[arg-type]

    monkeypatch.setattr(desk_queue, "queue_counts", counted)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(reads)
        await pilot.press("2")
        await settle(pilot)
        app.queue_screen.action_reset_filter()
        app.queue_screen._filter_chosen(
            replace(app.queue_screen.queue_filter, priorities=frozenset({Priority.P1}))
        )
        await settle(pilot)
        assert {row.priority for row in shown_rows(_table(app))} == {Priority.P1}
        assert len(reads) == before
        await pilot.press("r")
        await settle(pilot)
        assert len(reads) == before + 1


async def test_the_tier_view_and_the_tier_filter(demo: Settings, clock: SteppedClock) -> None:
    """Issue 12 item 13: `4` shows the agent's tier's queue; the filter picks tiers."""
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        queue = app.queue_screen.queue_filter
        assert queue.view is View.TIER and queue.tier is Tier.L1  # the demo agent is L1
        assert "4 L1 queue" in str(app.queue_screen.summary.render())
        expected = _read(
            demo,
            "SELECT count(*) FROM tickets WHERE tier = 'L1' "
            "AND status NOT IN ('resolved', 'closed')",
        )[0][0]
        assert _table(app).total == expected > 0
        await pilot.press("3", "f")
        await settle(pilot)
        app.screen.query_one("#filter-tier").select("L2")
        await pilot.press("a")
        await settle(pilot)
        l2 = _read(
            demo,
            "SELECT count(*) FROM tickets WHERE tier = 'L2' "
            "AND status NOT IN ('resolved', 'closed')",
        )[0][0]
        assert _table(app).total == l2 > 0
        assert "L2" in str(app.queue_screen.summary.render())


async def test_the_filter_screen_narrows_the_queue(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        app.screen.query_one("#filter-priority").select("P1")
        app.screen.query_one("#filter-channel").select("chat")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        rows = shown_rows(_table(app))
        expected = _read(
            demo,
            "SELECT count(*) FROM tickets WHERE priority = 'P1' AND channel = 'chat' "
            "AND status NOT IN ('resolved', 'closed')",
        )[0][0]
        assert 0 < len(rows) == expected == _table(app).total
        assert all(r.priority is Priority.P1 and r.channel is Channel.CHAT for r in rows)


async def test_cancelling_the_filter_screen_changes_nothing(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.queue_screen.queue_filter
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#filter-priority").select("P0")
        await pilot.press("escape")
        await settle(pilot)
        assert app.queue_screen.queue_filter == before


async def test_search_finds_a_ticket_by_subject_words(demo: Settings, clock: SteppedClock) -> None:
    (ticket_id, subject), *_ = _read(
        demo, "SELECT id, subject FROM tickets WHERE status = 'new' ORDER BY id LIMIT 1"
    )
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*str(subject).lower())
        await settle(pilot)
        found = [row.id for row in shown_rows(_table(app))]
        assert ticket_id in found
        assert all(
            str(subject).lower() in row.subject.lower() for row in shown_rows(_table(app))[:1]
        )
        # Enter leaves the search box for the results.
        await pilot.press("enter")
        assert app.focused is _table(app)
        # Esc clears the search and shows the whole queue again.
        await pilot.press("escape")
        await settle(pilot)
        assert app.queue_screen.search_query == ""
        assert _table(app).total > len(found)


@pytest.mark.parametrize("typed", ["#42", "42"])
async def test_search_puts_an_exact_id_first(
    demo: Settings, clock: SteppedClock, typed: str
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.queue_screen.queue_filter = replace(app.queue_screen.queue_filter, statuses=frozenset())
        await pilot.press("slash", *typed)
        await settle(pilot)
        assert shown_rows(_table(app))[0].id == 42


async def test_search_keeps_to_the_filter(demo: Settings, clock: SteppedClock) -> None:
    (closed_id,), *_ = _read(demo, "SELECT id FROM tickets WHERE status = 'closed' LIMIT 1")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *f"#{closed_id}")
        await settle(pilot)
        # The default filter shows open tickets only.
        assert closed_id not in [row.id for row in shown_rows(_table(app))]


async def test_enter_opens_the_ticket_and_escape_goes_back(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        ticket_id = _table(app).cursor_ticket_id
        assert ticket_id is not None
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.workspace is not None and screen.workspace.detail.id == ticket_id
        (subject,), *_ = _read(demo, "SELECT subject FROM tickets WHERE id = ?", ticket_id)
        assert str(screen.query_one("#ticket-subject").render()) == subject
        kinds = [
            kind
            for (kind,) in _read(
                demo,
                "SELECT kind FROM messages WHERE ticket_id = ? ORDER BY created_at, id",
                ticket_id,
            )
        ]
        entries = screen.query_one(Conversation).entries
        assert [entry.message.kind.value for entry in entries] == kinds
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.queue_screen
        assert _table(app).cursor_ticket_id == ticket_id


async def test_keys_typed_while_a_ticket_opens_go_to_the_ticket(
    demo: Settings, clock: SteppedClock
) -> None:
    """An agent on a slow link presses Enter, r and a reply at once: the keys reach the app
    together. Every letter must land in the composer; none may run a queue or ticket key
    (a, s, p, t and f are assign, start, pend, tags and attach there; r refreshes the queue)."""
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        ticket_id = table.cursor_ticket_id
        assert ticket_id is not None and app.focused is table
        before = _read(demo, "SELECT status, assignee_id FROM tickets WHERE id = ?", ticket_id)
        reply = "Thanks, I'll fix this fast"
        for key in ["enter", "r", *reply]:
            char = key if len(key) == 1 else ("\r" if key == "enter" else None)
            name = {" ": "space", ",": "comma", "'": "apostrophe"}.get(key, key)
            app.post_message(events.Key(name, char))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ticket_id == ticket_id
        assert screen.composer.text == reply
        assert app.focused is screen.composer.text_area
        after = _read(demo, "SELECT status, assignee_id FROM tickets WHERE id = ?", ticket_id)
        assert after == before
        assert list(app.screen_stack) == [app.screen_stack[0], screen]  # no dialog opened


async def test_internal_notes_never_look_like_replies(demo: Settings, clock: SteppedClock) -> None:
    (ticket_id,), *_ = _read(
        demo,
        "SELECT ticket_id FROM messages GROUP BY ticket_id "
        "HAVING sum(kind = 'internal_note') > 0 AND sum(kind = 'reply') > 0 LIMIT 1",
    )
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.queue_screen.open_ticket(int(ticket_id))
        await settle(pilot)
        conversation = app.screen.query_one(Conversation)
        drawn = {
            kind: [
                [line.plain for line in e.lines(80)]
                for e in conversation.entries
                if e.message.kind is kind
            ]
            for kind in MessageKind
        }
        assert drawn[MessageKind.INTERNAL_NOTE] and drawn[MessageKind.REPLY]
        for lines in drawn[MessageKind.INTERNAL_NOTE]:
            # Boxed, dashed, labelled as not seen by the customer, on every line of it.
            assert lines[0].startswith("   ┏╍ INTERNAL") and "customer does not see" in lines[0]
            assert lines[1].startswith("   ╏ Internal note")
            assert all(line.startswith("   ╏ ") and line.endswith(" ╏") for line in lines[1:-2])
            assert lines[-2].startswith("   ┗╍")
        for lines in drawn[MessageKind.REPLY]:
            assert lines[0].startswith("      ▌ Reply to customer")
            assert all(line.startswith("      ▌ ") for line in lines[:-1])
            assert not any("INTERNAL" in line or "╏" in line for line in lines)
        for lines in drawn[MessageKind.CUSTOMER]:
            assert lines[0].startswith("▌ Customer")


async def test_ticket_text_is_shown_literally(demo: Settings, clock: SteppedClock) -> None:
    nasty = "[bold]x[/bold] \x1b[31m"
    with sqlite3.connect(demo.db_path) as connection:
        connection.execute("UPDATE tickets SET subject = ? WHERE id = 42", (nasty,))
        connection.execute("UPDATE tickets SET status = 'new', priority = 'P0' WHERE id = 42")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"#42")
        await settle(pilot)
        table = _table(app)
        assert shown_rows(table)[0].id == 42
        text = line_text(table, 0)
        assert "[bold]x[/bold] ␛[31m" in text
        assert "\x1b" not in text
        await pilot.press("enter", "enter")
        await settle(pilot)
        subject = app.screen.query_one("#ticket-subject").render()
        assert str(subject) == "[bold]x[/bold] ␛[31m"


async def test_the_sla_countdown_runs_without_reloading(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        # A running clock on a row already past its tier's limit: its ⇧ stays as time passes
        # (on a row that passes the limit in the hour, the ⇧ appearing is a change too).
        running = next(
            index
            for index, row in enumerate(shown_rows(table))
            if row.sla_due_at is not None
            and row.status.value != "pending"
            and "⇧" in line_text(table, index)
        )
        before = line_text(table, running)
        loads = table.page_loads
        queries = app.queue_screen._generation
        clock.advance(timedelta(minutes=61))  # every format (12m, 1h05m, 3d04h) moves
        table.refresh_sla()
        await pilot.pause()
        after = line_text(table, running)
        assert after != before
        assert before[:-12] == after[:-12]  # only the SLA cell (11 wide and a space) changed
        assert table.page_loads == loads
        assert app.queue_screen._generation == queries


async def test_pages_load_lazily_and_the_cache_stays_small(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.queue_screen
        screen.queue_filter = replace(screen.queue_filter, statuses=frozenset())
        screen.reload()
        await settle(pilot)
        table = _table(app)
        assert table.total == 300 > PAGE_SIZE
        # The first page came with the count; nothing else was fetched.
        assert table.page_loads == 0
        assert table.row_at(PAGE_SIZE) is None  # not loaded yet: a placeholder
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == 299
        assert table.page_loads == 1
        assert table.cursor_ticket_id == _sql_order(app, screen.queue_filter, 300)[-1]


async def test_mouse_click_selects_a_row(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _table(app)
        await pilot.click(TicketTable, offset=(20, 4))
        assert table.cursor_row == 3


async def test_the_command_palette_switches_views(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"View: Unassigned")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.queue_screen.queue_filter.view is View.UNASSIGNED


async def test_the_command_palette_jumps_to_a_ticket(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"#42")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket_id == 42


async def test_the_header_shows_profile_agent_state_and_counts(
    demo: Settings, clock: SteppedClock
) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = str(app.query_one("#queue-header").render())
        assert "demo" in text and DEMO_AGENT_HANDLE in text and "local" in text
        for priority, count in _read(
            demo,
            "SELECT priority, count(*) FROM tickets "
            "WHERE status NOT IN ('resolved', 'closed') GROUP BY priority",
        ):
            assert f"{priority} {count}" in text


async def test_a_store_error_is_shown_not_raised(tmp_path: Path, clock: SteppedClock) -> None:
    database = tmp_path / "agentdesk.db"
    database.write_text("this is not a database")
    settings = Settings(
        profile="broken", config_path=None, db_path=database, cache_dir=tmp_path / "cache"
    )
    app = make_app(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        message = str(app.screen.query_one("#error-message").render())
        assert "not an SQLite database" in message and "nothing was changed" in message
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_code == 1
    assert database.read_text() == "this is not a database"  # the user's file, untouched


async def test_damage_found_after_the_queue_shows_is_reported(
    demo: Settings, clock: SteppedClock
) -> None:
    # Pages of a table neither the open (it reads meta's migration names) nor the queue
    # reads: the queue reads fine, SQLite's quick_check does not.
    with sqlite3.connect(demo.db_path) as connection:
        connection.execute("CREATE TABLE filler (k TEXT, v TEXT)")
        connection.executemany(
            "INSERT INTO filler VALUES (?, ?)", [(f"filler{i}", "x" * 500) for i in range(400)]
        )
    connection.close()  # the last connection checkpoints the WAL into the file
    damaged = bytearray(demo.db_path.read_bytes())
    for offset in range(len(damaged) - 4096 * 20, len(damaged) - 4096 * 2):
        damaged[offset] = 0xA5
    demo.db_path.write_bytes(bytes(damaged))

    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        message = str(app.screen.query_one("#error-message").render())
        # Only the check after the first rows reads the damaged pages.
        assert "integrity check failed" in message and "nothing was deleted" in message
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_code == 1
    assert not demo.db_path.exists()
    assert list(demo.db_path.parent.glob(demo.db_path.name + ".unusable-*"))


async def test_the_queue_shows_before_the_store_is_open(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import agentdesk.session

    release = threading.Event()
    real_open = agentdesk.session.open_session

    def slow_open(*args: object, **kwargs: object) -> object:
        release.wait(10)  # as if SQLAlchemy took its time to import
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(agentdesk.session, "open_session", slow_open)
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):  # not settle(): the open is meant to hang until released
            await pilot.pause(0.01)
            if _table(app).total:
                break
        await pilot.pause()
        assert app.session is None
        assert _table(app).total > 0
        peeked = shown_rows(_table(app))
        await pilot.press("enter")  # nothing to open yet: said, not silently ignored
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert any("Still opening" in str(n.message) for n in app._notifications)
        release.set()
        await settle(pilot)
        assert app.session is not None
        assert shown_rows(_table(app)) == peeked
        assert [row.id for row in peeked][:10] == _sql_order(app, app.queue_screen.queue_filter, 10)


async def test_the_copies_a_crash_left_behind_go_once_the_workspace_is_open(
    demo: Settings, clock: SteppedClock
) -> None:
    """Issue 16: the sweep left the open (its imports are not the first rows') for a worker
    of the app's own; it still runs at every start."""
    from agentdesk.desk.attachments import opened_folder

    left = opened_folder(demo.cache_dir) / "999999999.7.0badf00d"  # above any pid_max: gone
    left.mkdir(mode=0o700, parents=True)
    (left / "scan.pdf").write_bytes(b"%PDF customer passport")
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.session is not None
        assert not left.exists()


async def test_a_failing_query_becomes_a_notification(
    demo: Settings, clock: SteppedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentdesk.store.queries as queries

    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def broken(*args: object) -> int:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(queries, "count_queue", broken)
        await pilot.press("r")
        await settle(pilot)
        assert app.is_running
        assert any("disk on fire" in str(n.message) for n in app._notifications)


def test_every_binding_has_an_id_and_a_description() -> None:
    from agentdesk.screens.error import ErrorScreen
    from agentdesk.widgets.search_bar import SearchBar

    owners = [AgentDeskApp, QueueScreen, TicketScreen, FilterScreen, ErrorScreen]
    owners += [TicketTable, SearchBar]
    for owner in owners:
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id and binding.description, f"{owner.__name__}: {binding}"


async def test_a_keymap_rebinds_a_view_key(demo: Settings, clock: SteppedClock) -> None:
    app = make_app(demo, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.set_keymap({"queue.view_unassigned": "u"})
        await pilot.press("u")
        await settle(pilot)
        assert app.queue_screen.queue_filter.view is View.UNASSIGNED
