"""Scoring one sampled ticket against the QA rubric (issue 15): one checkbox per rubric item
with its weight, critical items marked; the score as core.qa computes it (the weighted share
of items met; a critical item not met scores 0), a comment, and ctrl+s to record it through
desk.qa.record_review (which queues it to the helpdesk as an internal comment). Returns the
score, or None when cancelled. The save runs in a thread worker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from agentdesk.core.errors import agent_message
from agentdesk.core.qa import Rubric, RubricItem, score_review
from agentdesk.screens.qa_keys import SCORE_KEYS
from agentdesk.screens.supervisor_keys import WatchCommands, bar_ranks, bindings
from agentdesk.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk
    from agentdesk.desk.qa import SampleItem


def item_label(item: RubricItem) -> str:
    # Weight and the critical mark first: a narrow terminal cuts the end of the line.
    critical = ", CRITICAL" if item.critical else ""
    return f"weight {item.weight:g}{critical} · {item.label}"


def score_words(rubric: Rubric, marks: dict[str, bool]) -> str:
    result = score_review(rubric, marks)
    if result.critical_failed:
        return f"Score 0% · critical item not met: {', '.join(result.critical_failed)}"
    return f"Score {result.score:.0%}"


class QaScoreScreen(ModalScreen[float | None]):
    CSS_PATH = Path(__file__).with_name("qa_review.tcss")
    COMMANDS = {WatchCommands}
    KEYS = SCORE_KEYS
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(SCORE_KEYS))

    @dataclass
    class Saved(Message):
        score: float

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, desk: Desk, item: SampleItem, rubric: Rubric) -> None:
        super().__init__()
        self.desk = desk
        self.item = item
        self.rubric = rubric
        self.saving = False

    def compose(self) -> ComposeResult:
        item = self.item
        with Vertical(id="qa-score-dialog"):
            yield Static(
                Content(f"QA review of #{item.ticket_id} · {item.agent} · {item.subject}"),
                id="qa-score-title",
            )
            yield Label("Tick each rubric item met. A CRITICAL item not met scores the review 0.")
            with VerticalScroll(id="qa-score-items"):
                for rubric_item in self.rubric.items:
                    box = Checkbox(
                        Content(item_label(rubric_item)), True, id=f"qa-item-{rubric_item.key}"
                    )
                    box.set_class(rubric_item.critical, "critical")
                    yield box
            yield Static(Content(score_words(self.rubric, self.marks())), id="qa-score-line")
            yield Input(placeholder="Comment for the agent (optional)", id="qa-comment")
            yield Static("", id="qa-score-error")
            yield KeyBar(bar_ranks(SCORE_KEYS))

    def on_mount(self) -> None:
        self.query_one(Checkbox).focus()

    def marks(self) -> dict[str, bool]:
        found = {box.id: box.value for box in self.query(Checkbox)}
        return {i.key: bool(found.get(f"qa-item-{i.key}", True)) for i in self.rubric.items}

    @on(Checkbox.Changed)
    def _marked(self) -> None:
        self.query_one("#qa-score-line", Static).update(
            Content(score_words(self.rubric, self.marks()))
        )

    @on(Input.Submitted, "#qa-comment")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        comment = self.query_one("#qa-comment", Input).value
        self._save(self.desk, self.item.ticket_id, self.marks(), comment)

    @work(thread=True, exclusive=True, exit_on_error=False, group="qa-save")
    def _save(self, desk: Desk, ticket_id: int, marks: dict[str, bool], comment: str) -> None:
        from agentdesk.desk.qa import record_review

        try:
            score = record_review(desk, ticket_id, marks, comment)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Saved(score))

    def on_qa_score_screen_saved(self, message: Saved) -> None:
        self.dismiss(message.score)

    def on_qa_score_screen_failed(self, message: Failed) -> None:
        self.saving = False
        self.query_one("#qa-score-error", Static).update(Content(f"Not recorded: {message.error}"))

    def action_cancel(self) -> None:
        self.dismiss(None)
