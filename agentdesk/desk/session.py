"""Opening the workspace as a Desk, and the store's housekeeping: the deferred health check
and the 48-hour auto-close.

Blocking work: a UI runs these in a thread worker. The heavy imports happen on the first call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.core.errors import BadInput
from agentdesk.desk.base import Clock, Desk

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.demo import DemoSummary


@dataclass(frozen=True)
class AutoClosed:
    """What one auto-close pass did: tickets closed, and tickets held by the quality check."""

    closed: int
    flagged: int


def open_desk(
    settings: Settings,
    clock: Clock,
    read_only: bool = False,
    *,
    quick_check: bool = True,
    start_of_day: bool = True,
    interactive: bool = False,
    sweep_copies: bool = True,
) -> Desk:
    """Open the profile's store (migrating it) and find the agent.

    start_of_day (the TUI): also fill an empty demo profile, record the SLA breaches and run
    the auto-close for the time agentdesk was not running. A read-only desk skips those
    writes. quick_check=False: the caller runs check_store_health() later (the TUI does,
    once the queue is on screen). interactive (the TUI): "busy" comes after a short wait.
    sweep_copies=False: the caller runs sweep_opened_copies() later (the TUI does, in a
    worker of its own).
    """
    from agentdesk.session import open_session

    session = open_session(
        settings,
        clock(),
        quick_check=quick_check,
        start_of_day=start_of_day and not read_only,
        interactive=interactive,
        read_only=read_only,
        sweep_copies=sweep_copies,
    )
    return Desk(session, clock, read_only=read_only)


def sweep_opened_copies(desk: Desk) -> int:
    """Remove the opened attachment copies a crash left behind (issue 16); how many went."""
    from agentdesk.desk.attachments import sweep_opened_copies as sweep

    return sweep(desk.settings.cache_dir)


def check_store_health(desk: Desk) -> None:
    """SQLite's integrity check (about 1 s per 200 MB). A damaged store is closed and set
    aside, and StoreError says so."""
    from agentdesk.store.engine import check_store

    check_store(desk.store)


def auto_close(desk: Desk) -> AutoClosed:
    """Close every resolved ticket past its 48-hour quality window that passes the quality
    check; those that fail stay resolved and are flagged for a person."""
    from agentdesk.store.auto_close import run_auto_close

    with desk.writing("close the tickets past their quality window"):
        result = run_auto_close(desk.store, desk.now())
    return AutoClosed(len(result.closed), len(result.flagged))


def close_desk(desk: Desk) -> None:
    desk.store.close()


def generate_demo_data(db_path: Path, *, tickets: int, seed: int, clock: Clock) -> DemoSummary:
    """A deterministic demo dataset in a new store at db_path (`agentdesk demo-data`).
    Raises BadInput (bad numbers, a store already filled) or StoreError (a foreign file)."""
    from agentdesk.demo import generate_demo
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    store = open_store(db_path, load_sla_policy())
    try:
        return generate_demo(store, tickets=tickets, seed=seed, now=clock())
    except BadInput:
        raise
    except ValueError as error:
        raise BadInput(str(error)) from error
    finally:
        store.close()
