"""The app's alert watcher: after every sync run (the app's sync_events signal) and once a
minute (a ticket turns at risk without any sync), ask the desk what is new and show it as a
notification over whatever screen is open (a search, a ticket, a dialog), with a terminal
bell when the profile asks for one ([alerts] bell = true).

It also documents in the incident any breach that follows an at-risk path (the SOP).
The desk call runs in a thread worker; one check at a time, so two checks never both see a
state as unannounced. Nothing here imports SQLAlchemy: the app's first frame stays quick.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING

from agentdesk.core.errors import agent_message

if TYPE_CHECKING:
    from agentdesk.app import AgentDeskApp
    from agentdesk.core.alerts import Notice
    from agentdesk.desk.base import Desk
    from agentdesk.desk.sync_status import SyncSummary

CHECK_SECONDS = 60.0
NOTICE_SECONDS = 12.0


class AlertWatcher:
    def __init__(self, app: AgentDeskApp, *, bell: bool = False) -> None:
        self.app = app
        self.bell = bell
        self.desk: Desk | None = None
        self.shown: list[Notice] = []
        """Every notice shown (tests and the log read it)."""
        self._one_at_a_time = threading.Lock()
        self._baseline_due = True
        """Whichever check runs first after opening is the baseline (a sync run may come
        before the first timer check)."""

    def start(self, desk: Desk) -> None:
        self.desk = desk
        self.app.sync_events.subscribe(self.app, self._synced)
        self.app.set_interval(CHECK_SECONDS, self.check, name="alerts")
        self.check(baseline=True)

    def _synced(self, summary: SyncSummary) -> None:
        # A run that brought nothing cannot bring a new ticket or handover (the minute's
        # check covers a clock turning at risk): no check, no worker, for an idle sync.
        if summary.pulled or summary.messages or summary.changed_tickets:
            self.check()

    def check(self, *, baseline: bool = False) -> None:
        """baseline: the first check, which records what is already there as seen (the
        queue shows it) and tells nothing."""
        if self.desk is not None:
            self.app.run_worker(
                partial(self._check, baseline),
                thread=True,
                group="alerts",
                exit_on_error=False,
                name="alerts",
            )

    def _check(self, baseline: bool) -> None:
        from agentdesk.desk.alerts import check_alerts
        from agentdesk.desk.emergency import document_breaches

        desk = self.desk
        if desk is None:
            return
        with self._one_at_a_time:
            baseline, self._baseline_due = baseline or self._baseline_due, False
            try:
                # A breach that came after an at-risk path opened an incident is documented
                # in that incident (the queue records breaches as time passes).
                document_breaches(desk)
                found = check_alerts(desk, baseline=baseline)
            except Exception as error:
                message = f"Alerts could not be checked: {agent_message(error)}"
                self.app.call_from_thread(self.app.notify, message, severity="error", markup=False)
                return
        if found:
            self.app.call_from_thread(self._show, found)

    def _show(self, found: list[Notice]) -> None:
        for notice in found:
            self.shown.append(notice)
            self.app.notify(
                notice.message,
                title=notice.title,
                severity=notice.severity,  # type: ignore[arg-type]
                timeout=NOTICE_SECONDS,
                markup=False,
            )
        if self.bell:
            self.app.bell()
