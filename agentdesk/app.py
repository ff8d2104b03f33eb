"""AgentDeskApp: wiring only. Screens do the work; the workspace opens in a thread worker.

Nothing imported here may pull in SQLAlchemy, SQLModel or httpx: the first frame must not
wait for them (tests/test_import_hygiene.py holds this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import Worker, WorkerState

from agentdesk import marks
from agentdesk.config import ConfigError, Settings
from agentdesk.core.sla import SlaPolicyError
from agentdesk.screens.queue import QueueScreen
from agentdesk.shipped import DataFileError

if TYPE_CHECKING:
    from agentdesk.session import Session
    from agentdesk.store.peek import Peek

Clock = Callable[[], datetime]

AUTO_CLOSE_SECONDS = 300.0
"""How often resolved tickets past their 48-hour window get the quality check."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def open_error_message(error: BaseException) -> str:
    """Our own errors are written for the agent; anything else gets its type named."""
    user_facing: tuple[type[BaseException], ...] = (DataFileError, ConfigError, SlaPolicyError)
    try:
        from agentdesk.store.engine import StoreError

        user_facing += (StoreError,)
    except ImportError:
        pass
    if isinstance(error, user_facing):
        return str(error)
    return f"Unexpected error: {type(error).__name__}: {error}"


class AgentDeskApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "agentdesk"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
    ]

    @dataclass
    class SessionOpened(Message):
        session: Session

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
        super().__init__()
        self.settings = settings
        self.clock: Clock = clock or system_clock
        self.session: Session | None = None
        self.queue_screen = QueueScreen(settings, self.clock)

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
        from agentdesk.store.peek import peek_queue
        from agentdesk.widgets.ticket_table import PAGE_SIZE

        queue = self.queue_screen.queue_filter
        peek = None
        try:
            peek = peek_queue(
                self.settings.db_path, queue, self.settings.agent_handle, self.clock(), PAGE_SIZE
            )
        except Exception:
            peek = None  # only a head start: the full open below reports any problem
        self.post_message(self.QueuePeeked(peek))

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
            from agentdesk.session import open_session

            session = open_session(self.settings, self.clock(), quick_check=False)
        except Exception as error:
            self.post_message(self.SessionFailed(open_error_message(error)))
            return
        self.post_message(self.SessionOpened(session))

    @work(thread=True, exclusive=True, exit_on_error=False, group="store-check")
    def _check_store(self, session: Session) -> None:
        # SQLite's quick_check reads the whole file (about 1 s per 200 MB): after the queue shows.
        from agentdesk.store.engine import check_store

        try:
            check_store(session.store)
        except Exception as error:
            self.post_message(self.SessionFailed(open_error_message(error)))

    def on_agent_desk_app_session_opened(self, message: SessionOpened) -> None:
        if marks.mark("session_opened"):
            self.exit()
            return
        self.session = message.session
        self.queue_screen.show_session(message.session)
        self._check_store(message.session)
        self.set_interval(AUTO_CLOSE_SECONDS, self.run_auto_close, name="auto-close")

    def run_auto_close(self) -> None:
        if self.session is not None:
            self._auto_close(self.session)

    @work(thread=True, exclusive=True, exit_on_error=False, group="auto-close")
    def _auto_close(self, session: Session) -> None:
        from agentdesk.store.auto_close import run_auto_close

        try:
            result = run_auto_close(session.store, self.clock())
        except Exception as error:
            self.post_message(self.SessionFailed(open_error_message(error), fatal=False))
            return
        if result.closed or result.flagged:
            self.post_message(self.AutoClosed(len(result.closed), len(result.flagged)))

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

        self.session = None  # closed (and set aside, if damaged) by whoever failed
        self.queue_screen.session = None
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
        if self.session is not None:
            self.session.store.close()


def make_app(settings: Settings, clock: Clock | None = None) -> AgentDeskApp:
    """The one factory for the CLI and the tests; clock returns aware UTC datetimes."""
    return AgentDeskApp(settings, clock)
