"""AgentDeskApp: wiring only. Screens do the work through the desk; the workspace opens in a
thread worker, and each sync run is broadcast to every screen (sync_events). The security
rules (idle lock, palette, screenshots, audited copy) are app_security.SecuredApp's.

Nothing imported here may pull in SQLAlchemy, SQLModel or httpx: the first frame must not
wait for them (tests/test_import_hygiene.py holds this).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from agentdesk import heap, marks, terminal_input, terminal_output
from agentdesk.app_security import SecuredApp
from agentdesk.config import Settings
from agentdesk.core.errors import agent_message
from agentdesk.screens.lock import IdleLock
from agentdesk.screens.queue import QueueScreen
from agentdesk.screens.sign_in import SignInScreen

if TYPE_CHECKING:
    from agentdesk.alerts import AlertWatcher
    from agentdesk.desk.base import Desk
    from agentdesk.desk.queue import Peek
    from agentdesk.desk.sync_status import SyncSummary
    from agentdesk.screens.supervisor import SupervisorScreen
    from agentdesk.session import Session
    from agentdesk.widgets.sync_driver import SyncDriver

Clock = Callable[[], datetime]

AUTO_CLOSE_SECONDS = 300.0
"""How often resolved tickets past their 48-hour window get the quality check."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class AgentDeskApp(SecuredApp):
    # The sign-in, lock and enrolment screens' rules too, though those screens name them:
    # read with the app's, the sign-in at start (and the first lock) finds them already there.
    # A screen's own CSS_PATH is read when it is first shown, and then Textual parses every
    # rule of the app again (Stylesheet.reparse: ~30 ms at start, before the first rows).
    CSS_PATH: ClassVar[list[str | PurePath]] = ["app.tcss", "screens/security.tcss"]
    TITLE = "agentdesk"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        # Off the key bar (it would push a screen's own keys off); in the palette instead.
        Binding("ctrl+l", "lock", "Lock", priority=True, show=False, id="app.lock"),
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
        # Monitoring mode (issue 15): the dashboard instead of the queue, on a read-only desk
        # (imported only then: an agent's start does not wait for it).
        self.supervisor_screen: SupervisorScreen | None = None
        if settings.supervisor:
            from agentdesk.screens.supervisor import SupervisorScreen

            self.supervisor_screen = SupervisorScreen(settings)
        # Every sync run's summary, for any screen that subscribes (an open ticket does).
        self.sync_events: Signal[SyncSummary] = Signal(self, "sync-events")
        self.alerts: AlertWatcher | None = None
        # Issue 16: the code before the queue or the dashboard, and the idle lock
        # (screens/sign_in.py, lock.py). In monitoring mode the code's state and the audit go
        # to the profile's own store through the narrow security writer (desk/security_desk.py).
        self.sign_in_screen: SignInScreen | None = SignInScreen() if settings.sign_in else None
        self.idle_lock = IdleLock(settings.idle_lock_minutes)
        # The peeked rows show once the first frame is painted; the store opens after them.
        self._before_open = {"first frame", "peek"}
        self._peeked: Peek | None = None

    @property
    def _background_screens(self) -> list[Screen[Any]]:
        # Textual counts the screen under the top one as seen through it even when the top
        # one is opaque (an open ticket over the queue): see terminal_output.py.
        return terminal_output.screens_seen_through(self._screen_stack, super()._background_screens)

    @property
    def session(self) -> Session | None:
        return None if self.desk is None else self.desk.session

    def get_default_screen(self) -> QueueScreen | SupervisorScreen:
        return self.supervisor_screen or self.queue_screen

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self.notify(
                f"Unknown theme {self.settings.theme!r} in the profile; using the default.",
                severity="warning",
                markup=False,
            )
        if self.sign_in_screen is not None:
            self.push_screen(self.sign_in_screen, self._signed_in)
        self.set_interval(IdleLock.CHECK_SECONDS, self.lock_if_idle, name="idle-lock")
        if self.supervisor_screen is None:
            # A standard-library peek at the queue, at once: its SQL runs beside the first
            # frame (SQLite lets go of the GIL).
            self._peek_queue()
        else:
            self._before_open.discard("peek")  # the peek is the queue's; monitoring has none
        self.call_after_refresh(self._first_frame)

    def _first_frame(self) -> None:
        if marks.mark("first_frame"):
            self.exit()
            return
        self._ready_to_open("first frame")
        if self._peeked is not None:
            self._show_peek(self._peeked)

    def _ready_to_open(self, what: str) -> None:
        # Only then: importing SQLAlchemy in a thread holds the GIL the first frame and the
        # peeked rows need.
        self._before_open.discard(what)
        if not self._before_open:
            self._open_session()

    @work(thread=True, exclusive=True, exit_on_error=False, group="peek")
    def _peek_queue(self) -> None:
        from agentdesk.desk.queue import peek_queue
        from agentdesk.widgets.ticket_pages import PAGE_SIZE

        # Only a head start: None on any problem, which the full open below reports.
        queue = self.queue_screen.queue_filter
        self.post_message(
            self.QueuePeeked(peek_queue(self.settings, queue, self.clock(), PAGE_SIZE))
        )

    def on_agent_desk_app_queue_peeked(self, message: QueuePeeked) -> None:
        if message.peek is None:
            self._ready_to_open("peek")
        elif "first frame" in self._before_open:
            # Not before it: the table lays out its columns for the width its first layout
            # leaves (with or without a scrollbar), the same on every start.
            self._peeked = message.peek
        else:
            self._show_peek(message.peek)

    def _show_peek(self, peek: Peek) -> None:
        self._peeked = None
        self.queue_screen.show_peek(peek)
        # Let the peeked rows paint before the open's imports compete for the GIL.
        self.call_after_refresh(self._ready_to_open, "peek")

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def _open_session(self) -> None:
        try:
            if self.settings.supervisor:
                from agentdesk.desk.supervisor import open_supervisor_desk

                desk = open_supervisor_desk(self.settings, self.clock, interactive=True)
            else:
                from agentdesk.desk.session import open_desk

                desk = open_desk(
                    self.settings,
                    self.clock,
                    quick_check=False,
                    interactive=True,
                    sweep_copies=False,
                )
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

    @work(thread=True, exclusive=True, exit_on_error=False, group="sweep-copies")
    def _sweep_opened_copies(self, desk: Desk) -> None:
        # Issue 16: the copies a crash left behind. Here, not in the open: the sweep imports
        # desk.attachments and the change model behind it, which the first rows do not need.
        from agentdesk.desk.session import sweep_opened_copies

        try:
            sweep_opened_copies(desk)
        except Exception as error:
            self.post_message(self.SessionFailed(agent_message(error), fatal=False))

    def on_agent_desk_app_session_opened(self, message: SessionOpened) -> None:
        if marks.mark("session_opened"):
            self.exit()
            return
        self.desk = message.desk
        if self.supervisor_screen is not None:
            # Read-only: no health check (it may move a file aside), no shift, no auto-close.
            self.supervisor_screen.show_desk(message.desk)
            if self.sign_in_screen is not None:
                self.sign_in_screen.desk_ready(message.desk)
            return
        self.queue_screen.show_desk(message.desk)
        heap.settle()  # issue 17: start-up's objects out of every later full collection
        self._check_store(message.desk)
        self._sweep_opened_copies(message.desk)
        if self.sign_in_screen is not None:
            self.sign_in_screen.desk_ready(message.desk)  # the shift and the rest come after it
        else:
            self._after_sign_in(message.desk)

    def _signed_in(self, _: bool | None) -> None:
        self.sign_in_screen = None
        self.idle_lock.touch(self.clock())
        if self.desk is not None:
            self._after_sign_in(self.desk)

    def _after_sign_in(self, desk: Desk) -> None:
        if self._reviews_qa:
            self.action_qa_review()  # the QA role (issue 15): over the queue, under the shift
        if self.settings.shift and not desk.read_only:
            # The start-of-shift checklist comes first (screens/shift_start.py).
            from agentdesk.screens.shift_start import ShiftStartScreen

            self.push_screen(ShiftStartScreen(desk), self.queue_screen.after_shift_start)
        if not desk.read_only:
            self.set_interval(AUTO_CLOSE_SECONDS, self.run_auto_close, name="auto-close")
            # New tickets, SLA risk and breaches, handovers: told over any screen.
            from agentdesk.alerts import AlertWatcher

            self.alerts = AlertWatcher(self, bell=self.settings.alert_bell)
            self.alerts.start(desk)

    @property
    def _reviews_qa(self) -> bool:
        return self.settings.extra.get("role") == "qa" and self.desk is not None

    def action_qa_review(self) -> None:
        from agentdesk.screens.qa_review import QaReviewScreen

        if self.desk is not None and not any(
            isinstance(screen, QaReviewScreen) for screen in self.screen_stack
        ):
            self.push_screen(QaReviewScreen(self.desk))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self._reviews_qa:
            yield SystemCommand(
                "QA review", "The month's sample per agent: read and score", self.action_qa_review
            )

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
        if self.supervisor_screen is None:
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
            if self.desk.read_only:
                from agentdesk.desk.security_desk import close_security_store

                close_security_store(self.desk)
        heap.release()  # another app in this process (a test) collects this one's garbage


def make_app(settings: Settings, clock: Clock | None = None) -> AgentDeskApp:
    """The one factory for the CLI and the tests; clock returns aware UTC datetimes."""
    return AgentDeskApp(settings, clock)
