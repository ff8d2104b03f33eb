"""The end of the shift: the agent's open tickets, a decision for each (follow-up with a due
time, hand over to an agent or the queue with a note, leave assigned with a reason), the
wrap-up notes, and the close, which lists every blocker when it refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from agentdesk.core.errors import Refused, agent_message
from agentdesk.core.shift import checklist_lines
from agentdesk.core.shift_end import EndReview, EndTicket, ticket_blockers
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.base import Desk
from agentdesk.screens.text_dialog import Field, TextDialog
from agentdesk.widgets.key_bar import KeyBar


class ShiftEndScreen(Screen[None]):
    DEFAULT_CSS = """
    ShiftEndScreen #shift-end-title { background: $panel; padding: 0 1; }
    ShiftEndScreen #shift-end-tickets { height: auto; max-height: 50%; }
    ShiftEndScreen #shift-end-notes { height: 1fr; scrollbar-gutter: stable; }
    ShiftEndScreen #shift-end-items, ShiftEndScreen #shift-end-blockers { padding: 1 1 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "hand_over", "Hand over", id="shift_end.hand_over"),
        Binding("f", "follow_up", "Follow-up", id="shift_end.follow_up"),
        Binding("l", "leave", "Leave assigned", id="shift_end.leave"),
        Binding("w", "wrap_up", "Wrap-up", id="shift_end.wrap_up"),
        Binding("e", "end", "End shift", id="shift_end.end"),
        Binding("escape", "back", "Back", id="shift_end.back"),
    ]

    @dataclass
    class Reviewed(Message):
        review: EndReview

    @dataclass
    class Closed(Message):
        text: str

    @dataclass
    class Failed(Message):
        error: str
        blockers: tuple[str, ...] = ()

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.review: EndReview | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("End of shift", "bold"), id="shift-end-title")
        yield DataTable(id="shift-end-tickets", cursor_type="row")
        # The blockers (first: they say what to do next) and the end items scroll (tab to
        # them, then the arrows): at 80x24 a refusal lists more than fits below the tickets.
        with VerticalScroll(id="shift-end-notes"):
            yield Static("", id="shift-end-blockers")
            yield Static("", id="shift-end-items")
        yield KeyBar()

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#shift-end-tickets", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns("Ticket", "P", "Subject", "Decision", "Blocks the end")
        self.table.focus()
        self._run(lambda: desk_shift.review_end(self.desk))

    def _run(self, call: Callable[[], EndReview]) -> None:
        def run() -> None:
            try:
                self.post_message(self.Reviewed(call()))
            except Exception as error:
                self.post_message(self.Failed(agent_message(error)))

        self.run_worker(run, thread=True, exit_on_error=False, group="shift-end")

    def _ticket(self) -> EndTicket | None:
        if self.review is None or not self.review.tickets:
            return None
        row = self.table.cursor_row
        return self.review.tickets[row] if 0 <= row < len(self.review.tickets) else None

    def action_hand_over(self) -> None:
        ticket = self._ticket()
        if ticket is None:
            return

        def chosen(values: dict[str, str] | None) -> None:
            if values is None:
                return
            to = values["to"]
            queue = to.removeprefix("queue:") if to.startswith("queue:") else ""
            agent = "" if queue else to.lstrip("@")
            note = values["note"]
            self._run(
                lambda: desk_shift.hand_over(
                    self.desk, ticket.id, note, to_agent=agent, to_queue=queue
                )
            )

        self.app.push_screen(
            TextDialog(
                f"Hand over {ticket.ref} {ticket.subject}",
                [
                    Field("to", "To (an agent's handle, or queue:NAME)", "li.wei or queue:General"),
                    Field("note", "Handover note (what the next agent must know)"),
                ],
            ),
            chosen,
        )

    def action_follow_up(self) -> None:
        ticket = self._ticket()
        if ticket is None:
            return

        def chosen(values: dict[str, str] | None) -> None:
            if values is None:
                return
            try:
                hours = float(values["hours"])
            except ValueError:
                self.notify(f"{values['hours']!r} is not a number of hours", severity="error")
                return
            due = self.desk.now() + timedelta(hours=hours)
            note = values["note"]
            self._run(lambda: desk_shift.mark_follow_up(self.desk, ticket.id, due, note))

        self.app.push_screen(
            TextDialog(
                f"Follow-up on {ticket.ref}",
                [
                    Field("hours", "Due in (hours)", "24", "24"),
                    Field("note", "What to follow up", required=False),
                ],
            ),
            chosen,
        )

    def action_leave(self) -> None:
        ticket = self._ticket()
        if ticket is None:
            return

        def chosen(values: dict[str, str] | None) -> None:
            if values is not None:
                reason = values["reason"]
                self._run(lambda: desk_shift.leave_assigned(self.desk, ticket.id, reason))

        self.app.push_screen(
            TextDialog(
                f"Leave {ticket.ref} assigned to you", [Field("reason", "Why it stays with you")]
            ),
            chosen,
        )

    def action_wrap_up(self) -> None:
        def chosen(values: dict[str, str] | None) -> None:
            if values is not None:
                text = values["text"]
                self._run(lambda: desk_shift.write_wrap_up(self.desk, text))

        self.app.push_screen(
            TextDialog(
                "Wrap-up notes for the shift",
                [Field("text", "What happened; what the next shift must know")],
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="shift-close")
    def action_end(self) -> None:
        try:
            closed = desk_shift.end_shift(self.desk)
        except Refused as error:
            self.post_message(self.Failed(agent_message(error), error.missing))
            return
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        score = "" if closed.adherence is None else f"; schedule adherence {closed.adherence:.0%}"
        self.post_message(self.Closed(f"Shift closed at {closed.ended_at:%H:%M} UTC{score}."))

    def action_back(self) -> None:
        self.dismiss(None)

    def on_shift_end_screen_reviewed(self, message: Reviewed) -> None:
        self.review = message.review
        row = self.table.cursor_row
        self.table.clear()
        for ticket in message.review.tickets:
            decision = ticket.disposition.label if ticket.disposition else "—"
            blocks = "; ".join(b.split(": ", 1)[1] for b in ticket_blockers(ticket))
            self.table.add_row(ticket.ref, ticket.priority.value, ticket.subject, decision, blocks)
        if row < self.table.row_count:
            self.table.move_cursor(row=row)
        # Its header again too, with the widths the new rows gave the columns.
        self.table.refresh()
        self.query_one("#shift-end-items", Static).update(
            Content("\n".join(checklist_lines(message.review.items)))
        )
        blockers = self.query_one("#shift-end-blockers", Static)
        blockers.update("")
        blockers.display = False

    def on_shift_end_screen_failed(self, message: Failed) -> None:
        if message.blockers:
            blockers = self.query_one("#shift-end-blockers", Static)
            blockers.update(
                Content.assemble(
                    ("The shift cannot close yet:\n", "bold $text-error"),
                    "\n".join(f"• {b}" for b in message.blockers),
                )
            )
            blockers.display = True
            self.query_one("#shift-end-notes", VerticalScroll).scroll_home(animate=False)
        else:
            self.notify(message.error, severity="error", markup=False)

    def on_shift_end_screen_closed(self, message: Closed) -> None:
        self.notify(message.text, title="Shift", markup=False)
        self.dismiss(None)
