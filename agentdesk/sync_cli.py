"""`agentdesk sync [--once] [--interval S]`: sync the profile with its helpdesk without the
TUI, printing each run's summary (desk.sync_status).

Exit status: 0 online; 3 offline (nothing lost: the outbox keeps it); 4 paused (the token was
refused); 5 busy (another writer holds the database); 1 an error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.cli_values import fail, positive
from agentdesk.core.errors import AgentdeskError, Busy, agent_message

if TYPE_CHECKING:
    from agentdesk.desk.sync_status import Backend, SyncSummary

EXIT_BUSY = 5
"""`sync`: another writer holds the database; nothing was changed, run again later."""


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    sync = commands.add_parser(
        "sync",
        parents=parents,
        help="sync the profile with its helpdesk without the TUI and print a summary",
    )
    sync.add_argument("--once", action="store_true", help="one run (push, then pull), then exit")
    sync.add_argument(
        "--interval",
        type=positive,
        default=60,
        metavar="S",
        help="seconds between runs without --once (default 60)",
    )


def fail_with(error: AgentdeskError) -> int:
    return fail(agent_message(error), EXIT_BUSY if isinstance(error, Busy) else 1)


def sync_command(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    from agentdesk.config import load_settings
    from agentdesk.desk import sync_status
    from agentdesk.desk.session import close_desk, open_desk
    from agentdesk.log_file import start_log
    from agentdesk.progress_line import ProgressLine

    start_log()
    backend: Backend | None = None
    try:
        settings = load_settings(args.profile, db_path=args.db)
        backend = sync_status.open_backend(settings)
        # Without the start-of-day work of the TUI: sync touches only the outbox and pulls.
        desk = open_desk(settings, clock, start_of_day=False)
    except AgentdeskError as error:
        if backend is not None:
            backend.close()
        return fail_with(error)

    def report(summary: SyncSummary) -> None:
        for line in summary.lines():
            print(line, flush=True)
        if summary.state == "offline":
            print(offline_next(summary, once=args.once, interval=args.interval), flush=True)

    progress = ProgressLine(sys.stdout)  # a first sync's progress (progress_line.py)
    sync_status.on_progress(backend, progress)
    try:
        summary = sync_status.keep_syncing(
            desk, backend, once=args.once, interval=args.interval, report=progress.then(report)
        )
    except KeyboardInterrupt:
        return 0
    except AgentdeskError as error:
        return fail_with(error)
    finally:
        backend.close()
        close_desk(desk)
    return {"online": 0, "offline": 3, "paused": 4}.get(summary.state, 1)


def offline_next(summary: SyncSummary, *, once: bool, interval: int) -> str:
    """What `agentdesk sync` does after an offline run, in words: nothing is lost either way."""
    if summary.queued:
        kept = f"{summary.queued} change(s) stay queued in the outbox"
        when = "; they go out with the next `agentdesk sync` or while agentdesk runs"
    else:
        kept, when = "nothing was waiting to be sent", ""
    if once:
        return (
            "sync --once: no usable answer from the helpdesk (why: above), nothing more is "
            f"tried now; {kept}{when}"
        )
    return f"{kept}; trying again in {interval} s (ctrl+c stops)"
