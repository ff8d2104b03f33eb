"""The start of the shift: handovers for this agent first, then announcements, then the
checklist. Opening it starts the shift (desk.shift.start_shift); each automatic check runs in
its own thread worker and lands as it finishes; enter ticks the highlighted manual item.
Escape goes to the queue at any time: taking a ticket still waits for the required items.
Enter on the priority-queue item goes to the queue filtered to P0/P1 (the screen is dismissed
with PRIORITY_REVIEW); the item ticks itself once the agent has seen them all there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from agentdesk.core.errors import agent_message
from agentdesk.core.shift import ItemState, Phase
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.base import Desk
from agentdesk.desk.shift import ShiftView
from agentdesk.widgets.key_bar import KeyBar

RUNNING = "…"
# What the screen is dismissed with when the agent goes to review the P0/P1 tickets.
PRIORITY_REVIEW = "priority_review"


class ShiftStartScreen(Screen[str | None]):
    DEFAULT_CSS = """
    ShiftStartScreen #shift-title { background: $panel; padding: 0 1; }
    ShiftStartScreen #shift-items { height: auto; }
    ShiftStartScreen #shift-handovers, ShiftStartScreen #shift-announcements { padding: 0 1; }
    ShiftStartScreen #shift-detail { padding: 1 1 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "tick", "Tick / open", id="shift_start.tick", priority=True),
        Binding("a", "acknowledge", "Acknowledge", id="shift_start.acknowledge"),
        Binding("r", "run_checks", "Re-run checks", id="shift_start.run_checks"),
        Binding("escape", "to_queue", "To the queue", id="shift_start.to_queue"),
    ]

    @dataclass
    class Loaded(Message):
        view: ShiftView

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, desk: Desk, *, run_checks: bool = True) -> None:
        super().__init__()
        self.desk = desk
        self.view: ShiftView | None = None
        self.running: set[str] = set()
        self._run_checks = run_checks

    def compose(self) -> ComposeResult:
        yield Static("", id="shift-title")
        with VerticalScroll(id="shift-body"):
            yield Static("", id="shift-handovers")
            yield Static("", id="shift-announcements")
            yield DataTable(id="shift-items", cursor_type="row", zebra_stripes=False)
            yield Static("", id="shift-detail")
        yield KeyBar()

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#shift-items", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns("", "Item", "Kind", "Result")
        self.table.focus()
        self._start()

    # Workers: every desk call is a blocking one.

    @work(thread=True, exclusive=True, exit_on_error=False, group="shift-start")
    def _start(self) -> None:
        try:
            view = desk_shift.start_shift(self.desk)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.post_message(self.Loaded(view))
        if self._run_checks:
            self.app.call_from_thread(self.action_run_checks)

    def _call(self, call: Callable[[], ShiftView | None]) -> None:
        def run() -> None:
            try:
                view = call()
            except Exception as error:
                self.post_message(self.Failed(agent_message(error)))
                return
            if view is not None:
                self.post_message(self.Loaded(view))

        self.run_worker(run, thread=True, exit_on_error=False, group="shift-write")

    def _check(self, item_id: str, check: str) -> None:
        from agentdesk.desk import shift_checks

        files = desk_shift.shift_files(self.desk)
        result = shift_checks.run_check(self.desk, item_id, check, files.checklist.command)
        try:
            view = desk_shift.record_check(self.desk, result)
        except Exception as error:
            self.post_message(self.Failed(agent_message(error)))
            return
        self.running.discard(item_id)
        self.post_message(self.Loaded(view))

    # Actions

    def action_run_checks(self) -> None:
        if self.view is None:
            return
        for state in self.view.items:
            if state.item.phase is Phase.START and state.item.automatic:
                self.running.add(state.item.id)
                self.run_worker(
                    partial(self._check, state.item.id, state.item.check),
                    thread=True,
                    exit_on_error=False,
                    group=f"check-{state.item.id}",
                    exclusive=True,
                )
        self._show()

    def _highlighted(self) -> ItemState | None:
        if self.view is None or self.table.row_count == 0:
            return None
        starts = [s for s in self.view.items if s.item.phase is Phase.START]
        row = self.table.cursor_row
        return starts[row] if 0 <= row < len(starts) else None

    def action_tick(self) -> None:
        state = self._highlighted()
        if state is None:
            return
        if state.item.automatic:
            self.running.add(state.item.id)
            self.run_worker(
                partial(self._check, state.item.id, state.item.check),
                thread=True,
                exit_on_error=False,
                group=f"check-{state.item.id}",
                exclusive=True,
            )
            self._show()
        elif state.item.check == "priority_queue" and not state.done:
            self.dismiss(PRIORITY_REVIEW)
        elif state.item.check == "announcements" and not state.done:
            self.action_acknowledge()
        else:
            self._call(lambda: desk_shift.tick(self.desk, state.item.id, not state.done))

    def action_acknowledge(self) -> None:
        """The first handover not yet acknowledged, else the first unread announcement."""
        view = self.view
        if view is None:
            return
        if view.handovers:
            message_id = view.handovers[0].message_id

            def ack_handover() -> ShiftView | None:
                desk_shift.acknowledge_handover(self.desk, message_id)
                return desk_shift.shift_status(self.desk)

            self._call(ack_handover)
            return
        unread = [a for a, acked in view.announcements if not acked]
        if unread:
            announcement_id = unread[0].id
            self._call(lambda: desk_shift.acknowledge_announcement(self.desk, announcement_id))

    def action_to_queue(self) -> None:
        self.dismiss(None)

    # Messages

    def on_shift_start_screen_loaded(self, message: Loaded) -> None:
        self.view = message.view
        self._show()

    def on_shift_start_screen_failed(self, message: Failed) -> None:
        self.notify(message.error, severity="error", markup=False)

    @on(DataTable.RowHighlighted, "#shift-items")
    def _row_highlighted(self) -> None:
        state = self._highlighted()
        if state is None:
            return
        detail = state.reason or state.item.help
        self.query_one("#shift-detail", Static).update(Content(detail))

    def _show(self) -> None:
        view = self.view
        if view is None:
            return
        self._show_title(view, self.desk.now())
        self._show_handovers(view)
        self._show_announcements(view)
        row = self.table.cursor_row
        self.table.clear()
        for state in view.items:
            if state.item.phase is not Phase.START:
                continue
            running = state.item.id in self.running
            mark = RUNNING if running else state.mark
            kind = ("auto" if state.item.automatic else "manual") + (
                "" if state.item.required else " · advisory"
            )
            result = "checking…" if running else state.reason
            if state.seconds is not None and not running:
                result = f"{result} ({state.seconds:.1f} s)"
            self.table.add_row(mark, state.item.label, kind, result)
        if row < self.table.row_count:
            self.table.move_cursor(row=row)

    def _show_title(self, view: ShiftView, now: datetime) -> None:
        planned = "no planned shift in the roster"
        if view.planned is not None:
            planned = f"planned {view.planned.start:%H:%M}-{view.planned.end:%H:%M} UTC"
        missing = len(view.missing)
        state = (
            Content.styled("ready to take tickets", "$text-success")
            if not missing
            else Content.styled(f"{missing} required item(s) to do", "$text-warning")
        )
        self.query_one("#shift-title", Static).update(
            Content.assemble(
                ("Start of shift", "bold"),
                f"  {view.shift.handle} · {planned} · started "
                f"{view.shift.started_at:%H:%M} ({desk_shift.lateness(view)}) · ",
                state,
            )
        )

    def _show_handovers(self, view: ShiftView) -> None:
        widget = self.query_one("#shift-handovers", Static)
        widget.display = bool(view.handovers)
        lines: list[Content | str | tuple[str, str]] = [
            (f"Handovers for you ({len(view.handovers)}) — a acknowledges the first\n", "bold")
        ]
        for handover in view.handovers:
            lines.append(
                Content(
                    f"#{handover.ticket_id} {handover.subject} — from {handover.handover.sender}"
                    f" to {handover.handover.target}: {handover.handover.note}\n"
                )
            )
        widget.update(Content.assemble(*lines))

    def _show_announcements(self, view: ShiftView) -> None:
        widget = self.query_one("#shift-announcements", Static)
        widget.display = bool(view.announcements) and not view.handovers
        parts: list[Content | str | tuple[str, str]] = [("Announcements\n", "bold")]
        for announcement, acked in view.announcements:
            mark = ("✓ ", "$text-success") if acked else ("• ", "$text-warning")
            parts += [mark, Content(f"{announcement.title}: {announcement.body}\n")]
        if any(not acked for _, acked in view.announcements):
            parts.append(("a acknowledges the first unread one", "$text-muted"))
        widget.update(Content.assemble(*parts))
