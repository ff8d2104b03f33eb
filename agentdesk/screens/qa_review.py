"""The QA role's screen (issue 15): the month's sample per agent, each sampled ticket to read
(read-only) and to score against the rubric (screens/qa_score.py).

The sample is desk.qa's (core.qa: a seeded hash, stable for the month); reading it and
saving a review run in thread workers and arrive as messages. Keys: screens/qa_keys.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from agentdesk.core.errors import agent_message
from agentdesk.screens.qa_keys import SAMPLE_KEYS
from agentdesk.screens.supervisor_keys import WatchCommands, bar_ranks, bindings, help_rows
from agentdesk.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk
    from agentdesk.desk.qa import QaMonth, SampleItem
    from agentdesk.desk.ticket_work import OpenedTicket

COLUMNS: tuple[tuple[str, str], ...] = (
    ("agent", "Agent"),
    ("ticket", "Ticket"),
    ("priority", "Pri"),
    ("channel", "Channel"),
    ("score", "QA score"),
    ("sample", "Sample"),
    ("subject", "Subject"),  # last: the long one, cut first on a narrow terminal
)


def cells(item: SampleItem) -> tuple[str, ...]:
    score = "not reviewed" if item.score is None else f"{item.score:.0%}"
    return (
        item.agent,
        f"#{item.ticket_id}",
        item.priority,
        item.channel,
        score,
        f"{item.percent:g} %",
        item.subject,
    )


class QaReviewScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    COMMANDS = {WatchCommands}
    KEYS = SAMPLE_KEYS
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(SAMPLE_KEYS))

    @dataclass
    class Loaded(Message):
        sample: QaMonth

    @dataclass
    class Failed(Message):
        error: str

    @dataclass
    class TicketRead(Message):
        opened: OpenedTicket | None
        ticket_id: int
        view: Desk

    def __init__(self, desk: Desk, month: str | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.month = month or desk.now().strftime("%Y-%m")
        self.sample: QaMonth | None = None
        self.items: dict[str, SampleItem] = {}
        self.loads = 0  # samples shown (tests wait on it)

    def compose(self) -> ComposeResult:
        yield Static(f"QA review · {self.month}", id="qa-title")
        yield Static("Reading the month's sample…", id="qa-summary")
        table: DataTable[str] = DataTable(id="qa-sample", cursor_type="row", zebra_stripes=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="qa-rubric")
        yield KeyBar(bar_ranks(SAMPLE_KEYS))

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#qa-sample", DataTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.action_refresh()

    # Reading

    def action_refresh(self) -> None:
        self._load(self.desk, self.month)

    @work(thread=True, exclusive=True, exit_on_error=False, group="qa-sample")
    def _load(self, desk: Desk, month: str) -> None:
        from agentdesk.desk.qa import qa_month

        try:
            sample = qa_month(desk, month)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Loaded(sample))

    def on_qa_review_screen_loaded(self, message: Loaded) -> None:
        self.show_sample(message.sample)

    def show_sample(self, sample: QaMonth) -> None:
        table = self.table
        keep = self.cursor_item()
        self.sample, self.month = sample, sample.month
        table.clear()
        self.items = {}
        for item in sample.items:
            key = str(item.ticket_id)
            self.items[key] = item
            table.add_row(*cells(item), key=key)
        if keep is not None and str(keep.ticket_id) in self.items:
            table.move_cursor(row=table.get_row_index(str(keep.ticket_id)))
        agents = len({item.agent for item in sample.items})
        self.query_one("#qa-title", Static).update(Content(f"QA review · {sample.month}"))
        self.query_one("#qa-summary", Static).update(
            Content(
                f"{len(sample.items)} sampled interaction(s) of {agents} agent(s) · "
                f"{sample.reviewed} reviewed · {len(sample.items) - sample.reviewed} to do"
            )
        )
        rubric = " · ".join(
            f"{i.key} weight {i.weight:g}{' (critical)' if i.critical else ''}"
            for i in sample.rubric.items
        )
        self.query_one("#qa-rubric", Static).update(Content(f"Rubric: {rubric}"))
        self.refresh_bindings()  # Read and Score need a row under the cursor
        self.loads += 1

    def on_qa_review_screen_failed(self, message: Failed) -> None:
        self.notify(message.error, title="QA", severity="error", markup=False)

    def cursor_item(self) -> SampleItem | None:
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key is None else self.items.get(key)

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith(("score", "open_ticket")):
            return self.cursor_item() is not None
        return True

    def action_month(self, step: int) -> None:
        from agentdesk.desk.qa import other_month

        self.month = other_month(self.month, step)
        self.query_one("#qa-summary", Static).update(Content("Reading the month's sample…"))
        self.action_refresh()

    def action_score(self) -> None:
        from agentdesk.screens.qa_score import QaScoreScreen

        item = self.cursor_item()
        if item is None or self.sample is None:
            return
        self.app.push_screen(QaScoreScreen(self.desk, item, self.sample.rubric), self._scored)

    def _scored(self, score: float | None) -> None:
        if score is not None:
            self.notify(
                f"QA review recorded, {score:.0%}; it goes to the helpdesk as a comment",
                title="QA",
                markup=False,
            )
            self.action_refresh()

    def action_open_ticket(self) -> None:
        from agentdesk.desk.qa import reading_view

        item = self.cursor_item()
        if item is not None:
            self._read_ticket(reading_view(self.desk), item.ticket_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="qa-ticket")
    def _read_ticket(self, view: Desk, ticket_id: int) -> None:
        from agentdesk.desk.ticket_work import read_ticket

        try:
            opened = read_ticket(view, ticket_id)
        except Exception as error:
            self.post_message(self.Failed(f"Ticket #{ticket_id}: {agent_message(error)}"))
            return
        self.post_message(self.TicketRead(opened, ticket_id, view))

    def on_qa_review_screen_ticket_read(self, message: TicketRead) -> None:
        from agentdesk.screens.ticket import TicketScreen

        if message.opened is None:
            self.notify(
                f"Ticket #{message.ticket_id} is not in this store",
                title="QA",
                severity="error",
                markup=False,
            )
            return
        self.app.push_screen(TicketScreen(message.view, message.opened))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_ticket()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        from agentdesk.screens.help import HelpScreen

        self.app.push_screen(HelpScreen("Keys of the QA review", help_rows(SAMPLE_KEYS, self)))
