"""AgentDeskApp: wiring only. Screens do the work through the desk; the workspace opens in a
thread worker, and each sync run is broadcast to every screen (sync_events).

Nothing imported here may pull in SQLAlchemy, SQLModel or httpx: the first frame must not
wait for them (tests/test_import_hygiene.py holds this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from agentdesk import marks, terminal_input, terminal_output
from agentdesk.config import Settings
from agentdesk.core.errors import agent_message
from agentdesk.screens.queue import QueueScreen
from agentdesk.widgets.sync_driver import SyncDriver

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk
    from agentdesk.desk.queue import Peek
    from agentdesk.desk.sync_status import SyncSummary
    from agentdesk.session import Session

Clock = Callable[[], datetime]

AUTO_CLOSE_SECONDS = 300.0
"""How often resolved tickets past their 48-hour window get the quality check."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class AgentDeskApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "agentdesk"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
    ]

    @dataclass
    class SessionOpened(Message):
        desk: Desk

    @dataclass
    class SessionFailed(Message):
        message: str
        fatal: bool = True

    @dataclass
    class AutoClosed(Message):
        closed: int
        flagged: int

    @dataclass
    class QueuePeeked(Message):
        peek: Peek | None

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        # A bracketed paste arrives whole and in order (see terminal_input.py).
        terminal_input.install()
        # A partial update writes the changed cells only (see terminal_output.py).
        terminal_output.install()
        super().__init__()
        self.settings = settings
        self.clock: Clock = clock or system_clock
        self.desk: Desk | None = None
        self.queue_screen = QueueScreen(settings, self.clock)
        # Every sync run's summary, for any screen that subscribes (an open ticket does).
        self.sync_events: Signal[SyncSummary] = Signal(self, "sync-events")

    @property
    def session(self) -> Session | None:
        return None if self.desk is None else self.desk.session

    def get_default_screen(self) -> QueueScreen:
        return self.queue_screen

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self.notify(
                f"Unknown theme {self.settings.theme!r} in the profile; using the default.",
                severity="warning",
                markup=False,
            )
        self.call_after_refresh(self._first_frame)

    def _first_frame(self) -> None:
        if marks.mark("first_frame"):
            self.exit()
            return
        # Only now: importing SQLAlchemy in a thread holds the GIL the first frame needs.
        # A standard-library peek at the queue comes first, so tickets show before that.
        self._peek_queue()

    @work(thread=True, exclusive=True, exit_on_error=False, group="peek")
    def _peek_queue(self) -> None:
        from agentdesk.desk.queue import peek_queue
        from agentdesk.widgets.ticket_table import PAGE_SIZE

        # Only a head start: None on any problem, which the full open below reports.
        queue = self.queue_screen.queue_filter
        self.post_message(
            self.QueuePeeked(peek_queue(self.settings, queue, self.clock(), PAGE_SIZE))
        )

    def on_agent_desk_app_queue_peeked(self, message: QueuePeeked) -> None:
        if message.peek is not None:
            self.queue_screen.show_peek(message.peek)
            # Let the peeked rows paint before the open's imports compete for the GIL.
            self.call_after_refresh(self._open_session)
        else:
            self._open_session()

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def _open_session(self) -> None:
        try:
            from agentdesk.desk.session import open_desk

            desk = open_desk(self.settings, self.clock, quick_check=False, interactive=True)
        except Exception as error:
            self.post_message(self.SessionFailed(agent_message(error)))
            return
        self.post_message(self.SessionOpened(desk))

    @work(thread=True, exclusive=True, exit_on_error=False, group="store-check")
    def _check_store(self, desk: Desk) -> None:
        # SQLite's quick_check reads the whole file (about 1 s per 200 MB): after the queue shows.
        from agentdesk.desk.session import check_store_health

        try:
            check_store_health(desk)
        except Exception as error:
            self.post_message(self.SessionFailed(agent_message(error)))

    def on_agent_desk_app_session_opened(self, message: SessionOpened) -> None:
        if marks.mark("session_opened"):
            self.exit()
            return
        self.desk = message.desk
        self.queue_screen.show_desk(message.desk)
        self._check_store(message.desk)
        if self.settings.shift and not message.desk.read_only:
            # The start-of-shift checklist comes first (screens/shift_start.py).
            from agentdesk.screens.shift_start import ShiftStartScreen

            self.push_screen(
                ShiftStartScreen(message.desk), lambda _: self.queue_screen.show_presence()
            )
        if not message.desk.read_only:
            self.set_interval(AUTO_CLOSE_SECONDS, self.run_auto_close, name="auto-close")

    def run_auto_close(self) -> None:
        if self.desk is not None:
            self._auto_close(self.desk)

    @work(thread=True, exclusive=True, exit_on_error=False, group="auto-close")
    def _auto_close(self, desk: Desk) -> None:
        from agentdesk.desk.session import auto_close

        try:
            result = auto_close(desk)
        except Exception as error:
            self.post_message(self.SessionFailed(agent_message(error), fatal=False))
            return
        if result.closed or result.flagged:
            self.post_message(self.AutoClosed(result.closed, result.flagged))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        terminal_output.steady_cursor(event.widget)  # no blinking over a slow link

    def on_sync_driver_synced(self, message: SyncDriver.Synced) -> None:
        # The queue header has shown it on the way up; now every screen that listens hears.
        self.sync_events.publish(message.summary)

    def on_agent_desk_app_auto_closed(self, message: AutoClosed) -> None:
        self.notify(
            f"Auto-close: {message.closed} closed, {message.flagged} held by the quality check.",
            title="Quality window",
            markup=False,
        )

    def on_agent_desk_app_session_failed(self, message: SessionFailed) -> None:
        from agentdesk.screens.error import ErrorScreen

        if not message.fatal:
            self.notify(message.message, severity="error", markup=False)
            return

        self.desk = None  # closed (and set aside, if damaged) by whoever failed
        self.queue_screen.desk = None
        self.queue_screen.table.show_waiting("The workspace could not be opened.")
        self.push_screen(
            ErrorScreen("agentdesk cannot open this workspace", message.message),
            lambda _: self.exit(return_code=1),
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers report their own failures; this catches the ones nobody expected.
        if event.state is WorkerState.ERROR:
            self.notify(
                f"{event.worker.name} failed: {event.worker.error}",
                title="Background task",
                severity="error",
                markup=False,
            )

    def on_unmount(self) -> None:
        if self.desk is not None:
            self.desk.store.close()


def make_app(settings: Settings, clock: Clock | None = None) -> AgentDeskApp:
    """The one factory for the CLI and the tests; clock returns aware UTC datetimes."""
    return AgentDeskApp(settings, clock)
