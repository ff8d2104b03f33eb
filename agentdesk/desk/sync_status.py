"""Sync with the helpdesk: make the profile's backend, run one sync, resume after a pause.

The TUI's sync worker and `agentdesk sync` both come here; httpx loads with the backend,
inside these functions. Backends are called through the Backend protocol only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.core.sync_progress import SyncProgress
    from agentdesk.sync.protocol import Backend as Backend
    from agentdesk.sync.protocol import SyncSummary as SyncSummary

SYNCING = "sync with the helpdesk"
# The TUI's runs spend at most this long on a first sync's conversations before they end (and
# the next push can go): a batch started by then finishes (sync/rt/conversations.py).
CONVERSATION_SECONDS = 8.0


def open_backend(settings: Settings) -> Backend:
    """The profile's backend (local, or RT with its token). Raises SyncSettingsError or
    CredentialError, written for the agent, when the profile cannot sync. Needs no store:
    `agentdesk sync` asks before it opens one."""
    from agentdesk.sync.runner import make_backend

    return make_backend(settings)


def on_progress(backend: Backend, report: Callable[[SyncProgress], None]) -> None:
    """Have a backend that can tell (RT) report each page of a first sync to `report`
    (called in the thread that runs the sync)."""
    if hasattr(backend, "progress"):
        setattr(backend, "progress", report)  # noqa: B010 (not every backend has it)


def pace_for_the_desk(desk: Desk, backend: Backend) -> None:
    """The TUI's pace: a first sync's conversations a few seconds a run, the tickets the
    agent opens first. `agentdesk sync` leaves the backend to read them all in one run."""
    if hasattr(backend, "conversation_seconds"):
        setattr(backend, "conversation_seconds", CONVERSATION_SECONDS)  # noqa: B010
        setattr(backend, "conversations_first", desk.opened_first)  # noqa: B010


def sync_once(desk: Desk, backend: Backend, *, resume: bool = False) -> SyncSummary:
    """One run: push the outbox, then pull. Network trouble is a state in the summary, not
    an exception. resume=False keeps a 401 pause: it waits for the agent, not for a timer."""
    with desk.writing(SYNCING):
        return _sync(desk, backend, resume=resume)


def resume_sync(desk: Desk, backend: Backend) -> SyncSummary:
    """The agent gave a valid token: lift a 401 pause and run."""
    return sync_once(desk, backend, resume=True)


def keep_syncing(
    desk: Desk,
    backend: Backend,
    *,
    once: bool,
    interval: float,
    report: Callable[[SyncSummary], None],
    sleep: Callable[[float], None] = time.sleep,
) -> SyncSummary:
    """Sync once, or every `interval` seconds until interrupted (`agentdesk sync`); a 401
    pause is resumed each run. Returns the last summary."""
    from agentdesk.sync.runner import run_sync

    with desk.writing(SYNCING):
        return run_sync(
            desk.store, backend, once=once, interval=interval, report=report, sleep=sleep
        )


def _sync(desk: Desk, backend: Backend, *, resume: bool) -> SyncSummary:
    if resume:
        backend.resume()  # a 401 pause holds until the agent says the token is fixed
    return backend.sync(desk.store, desk.now())
