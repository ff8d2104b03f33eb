"""The one-line and line-API widgets the ticket screen is built from: the conversation (lazy
wrapping, scrolling back, resizing), the key bar and the tab strip."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType

from agentdesk.core.ticket import MessageKind
from agentdesk.store.rows import MessageRow
from agentdesk.widgets.conversation import Conversation, Entry
from agentdesk.widgets.key_bar import KeyBar
from agentdesk.widgets.tab_strip import TabStrip
from tests.conftest import FIXED_NOW
from tests.ui.pilot_tools import shown_conversation

KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY, MessageKind.INTERNAL_NOTE)


def _entries(count: int) -> list[Entry]:
    return [
        Entry(
            MessageRow(
                id=n,
                kind=KINDS[n % 3],
                author="Maria Garcia" if n % 3 == 0 else "Amara Okafor",
                body=f"Entry {n}. " + "A sentence of a real conversation. " * 3,
                created_at=FIXED_NOW - timedelta(minutes=count - n),
            )
        )
        for n in range(count)
    ]


class ConversationApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Conversation(id="conversation")


async def test_the_newest_entry_shows_and_only_what_the_view_needs_is_wrapped() -> None:
    app = ConversationApp()
    async with app.run_test(size=(80, 20)) as pilot:
        conversation = app.query_one(Conversation)
        conversation.show(_entries(300))
        await pilot.pause()
        shown = shown_conversation(app.screen)
        assert "Entry 299." in shown
        assert "Entry 250." not in shown
        # A screen or two of the newest entries are wrapped, not all 300.
        assert 0 < 300 - conversation.earlier < 20
        assert conversation.scroll_y == conversation.max_scroll_y


async def test_scrolling_to_the_top_wraps_earlier_entries_and_keeps_the_view() -> None:
    app = ConversationApp()
    async with app.run_test(size=(80, 20)) as pilot:
        conversation = app.query_one(Conversation)
        conversation.show(_entries(300))
        await pilot.pause()
        oldest_wrapped = conversation.earlier
        conversation.scroll_to(y=0, animate=False)
        await pilot.pause()
        rows = shown_conversation(app.screen).splitlines()
        assert conversation.earlier < oldest_wrapped
        # Older entries went in above; what the agent was reading did not move: the entry
        # that was first under the two-line notice still starts on row 2, so its body is on
        # row 3 (row 4 for an internal note, under its box's top edge).
        body_row = next(n for n, row in enumerate(rows) if f"Entry {oldest_wrapped}." in row)
        boxed = KINDS[oldest_wrapped % 3] is MessageKind.INTERNAL_NOTE
        assert body_row == (4 if boxed else 3), rows[:6]
        assert not rows[0].startswith("↑")
        await pilot.press("home")
        await pilot.pause()
        assert conversation.earlier == 0
        assert "Entry 0." in shown_conversation(app.screen)
        await pilot.press("end")
        await pilot.pause()
        assert "Entry 299." in shown_conversation(app.screen)


async def test_new_entries_keep_a_reader_where_they_are_and_follow_otherwise() -> None:
    app = ConversationApp()
    async with app.run_test(size=(80, 20)) as pilot:
        conversation = app.query_one(Conversation)
        entries = _entries(100)
        conversation.show(entries[:98])
        await pilot.pause()
        conversation.scroll_to(y=conversation.max_scroll_y - 30, animate=False)
        await pilot.pause()
        reading = shown_conversation(app.screen)
        conversation.show(entries[:99])  # a pull brought one more
        await pilot.pause()
        assert shown_conversation(app.screen) == reading
        await pilot.press("end")
        conversation.show(entries)  # at the newest: follow
        await pilot.pause()
        assert "Entry 99." in shown_conversation(app.screen)
        conversation.show(list(reversed(entries)))  # another ticket's: start at its end
        await pilot.pause()
        assert "Entry 0." in shown_conversation(app.screen)


async def test_a_narrower_terminal_rewraps_and_keeps_the_newest_in_view() -> None:
    app = ConversationApp()
    async with app.run_test(size=(120, 20)) as pilot:
        conversation = app.query_one(Conversation)
        conversation.show(_entries(30))
        await pilot.pause()
        wide = conversation.virtual_size.height
        await pilot.resize_terminal(50, 20)
        await pilot.pause()
        await pilot.pause()
        assert conversation.virtual_size.height > wide
        assert conversation.virtual_size.width == conversation.scrollable_content_region.width
        assert "Entry 29." in shown_conversation(app.screen)


async def test_an_empty_conversation_says_so() -> None:
    app = ConversationApp()
    async with app.run_test(size=(80, 10)) as pilot:
        app.query_one(Conversation).show([])
        await pilot.pause()
        assert shown_conversation(app.screen).splitlines()[0].strip() == "No messages yet."


class KeysApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "pressed('a')", "Alpha", id="t.a"),
        Binding("b", "pressed('b')", "Bravo is long", id="t.b"),
        Binding("c", "pressed('c')", "Charlie", id="t.c"),
        Binding("d", "pressed('d')", "Delta", id="t.d"),
        Binding("x", "pressed('x')", "Hidden", show=False, id="t.x"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def action_pressed(self, key: str) -> None:
        self.pressed.append(key)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if parameters == ("c",) else True  # c: shown, but not available now


def _bar(app: App[Any]) -> str:
    return app.query_one(KeyBar).render().plain


async def test_the_key_bar_leaves_off_whole_keys_and_keeps_the_palette_key() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        line = _bar(app)
        assert "a Alpha  b Bravo is long  c Charlie  d Delta" in line
        assert "Hidden" not in line
        assert line.rstrip().endswith("^p palette")
        await pilot.resize_terminal(40, 5)
        await pilot.pause()
        line = _bar(app)
        assert len(line) <= 40 and line.rstrip().endswith("^p palette")
        assert "a Alpha" in line and "Charlie" not in line and "Char" not in line


async def test_a_click_on_a_key_presses_it() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        column = _bar(app).index("b Bravo")
        await pilot.click(KeyBar, offset=(column + 2, 0))
        await pilot.pause()
        assert app.pressed == ["b"]


class TabsApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.activated: list[str] = []

    def compose(self) -> ComposeResult:
        yield TabStrip([("one", "First"), ("two", "Second (3)")])

    def on_tab_strip_activated(self, message: TabStrip.Activated) -> None:
        self.activated.append(message.tab)


async def test_a_click_on_a_tab_name_activates_it() -> None:
    app = TabsApp()
    async with app.run_test(size=(60, 5)) as pilot:
        strip = app.query_one(TabStrip)
        assert strip.active == "one"
        column = strip.render().plain.index("2 Second (3)")
        await pilot.click(TabStrip, offset=(column + 1 + strip.styles.padding.left, 0))
        await pilot.pause()
        assert strip.active == "two" and app.activated == ["two"]
        strip.set_label("two", "Second (4)")
        assert "2 Second (4)" in strip.render().plain


def test_the_sla_cell_names_the_clock_and_fits_its_column() -> None:
    from agentdesk.core.sla import Clock, Risk
    from agentdesk.core.ticket import Channel, Priority, Region, Status
    from agentdesk.store.rows import QueueRow
    from agentdesk.widgets.ticket_cells import layout_columns, sla_cell

    def row(clock: Clock, minutes: float, status: Status = Status.IN_PROGRESS) -> QueueRow:
        due = FIXED_NOW + timedelta(minutes=minutes)
        return QueueRow(
            1, Priority.P0, status, "s", "c", Channel.EMAIL, Region.EMEA, "", clock,
            due, due - timedelta(minutes=5), None,
        )  # fmt: skip

    assert sla_cell(row(Clock.NEXT_UPDATE, 26.5), FIXED_NOW) == ("upd 26m", Risk.OK)
    assert sla_cell(row(Clock.FIRST_RESPONSE, 3), FIXED_NOW) == ("!1st 3m", Risk.AT_RISK)
    assert sla_cell(row(Clock.RESOLUTION, -(23 * 60 + 59.5)), FIXED_NOW) == (
        "res -23h59m",
        Risk.BREACHED,
    )
    assert sla_cell(row(Clock.RESOLUTION, 9, Status.PENDING), FIXED_NOW) == ("paused", Risk.PAUSED)
    widest = len("1st -23h59m")
    for width in (80, 160):
        assert next(c for c in layout_columns(width) if c.key == "sla").width >= widest


class RankedKeysApp(KeysApp):
    def compose(self) -> ComposeResult:
        yield KeyBar({"t.d": 0, "t.a": 9})


async def test_when_room_is_short_the_lowest_ranked_keys_go_first() -> None:
    app = RankedKeysApp()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        line = _bar(app)
        # Delta (rank 0) stays; Alpha (rank 9) goes first; the screen's order is kept.
        assert "d Delta" in line and "a Alpha" not in line, line
        assert line.index("b Bravo is long") < line.index("d Delta")
        assert line.rstrip().endswith("^p palette") and len(line) <= 40
