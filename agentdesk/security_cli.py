"""`agentdesk audit --since DATE [--format csv]` and `agentdesk purge` (issue 16)."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from agentdesk.core.errors import AgentdeskError, agent_message

if TYPE_CHECKING:
    from agentdesk.config import Settings

_COLUMNS = ("at", "actor", "event", "success", "origin", "resource", "detail")


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    profile_options: argparse.ArgumentParser,
) -> None:
    audit = commands.add_parser(
        "audit", parents=[profile_options], help="print the security audit trail"
    )
    audit.add_argument(
        "--since", type=_day, required=True, metavar="DATE", help="from this day (YYYY-MM-DD, UTC)"
    )
    audit.add_argument("--format", choices=["text", "csv"], default="text")
    purge = commands.add_parser(
        "purge",
        parents=[profile_options],
        help="wipe the profile's local data (database, drafts, cache, attachments)",
    )
    purge.add_argument("--yes", action="store_true", help="do not ask for the profile name")
    purge.add_argument(
        "--force", action="store_true", help="purge even with unsent outbox work (it is lost)"
    )


def _day(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date such as 2026-11-23") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _fail(message: str) -> int:
    print(f"agentdesk: {message}", file=sys.stderr)
    return 1


def audit_command(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    from agentdesk.config import load_settings
    from agentdesk.desk.audit_trail import audit_lines
    from agentdesk.desk.session import close_desk, open_desk

    try:
        settings = load_settings(args.profile, db_path=args.db)
        desk = open_desk(settings, clock, read_only=True, start_of_day=False)
    except AgentdeskError as error:
        return _fail(agent_message(error))
    try:
        lines = audit_lines(desk, args.since)
    except AgentdeskError as error:
        return _fail(agent_message(error))
    finally:
        close_desk(desk)
    rows = [
        (
            line.at.isoformat(timespec="seconds"),
            line.actor,
            line.event,
            "ok" if line.success else "failed",
            line.origin,
            line.resource,
            line.detail,
        )
        for line in lines
    ]
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(_COLUMNS)
        writer.writerows(rows)
    else:
        for row in rows:
            print("  ".join(value for value in row if value))
        print(f"{len(rows)} event(s) since {args.since.date().isoformat()}", file=sys.stderr)
    return 0


def purge_command(args: argparse.Namespace) -> int:
    from agentdesk.config import load_settings
    from agentdesk.desk.purge import plan_purge, run_purge
    from agentdesk.log_file import start_log

    start_log()  # the purge's record outlives the audit table it wipes

    try:
        settings = load_settings(args.profile, db_path=args.db)
        plan = plan_purge(settings)
    except AgentdeskError as error:
        return _fail(agent_message(error))
    if plan.unsent:
        print(f"{len(plan.unsent)} outbox op(s) are not sent to the helpdesk yet:")
        for line in plan.lost():
            print(f"  {line}")
        if not args.force:
            return _fail(
                "nothing was removed; run `agentdesk sync --once` first, or add --force to "
                "lose exactly these"
            )
        print("--force: these are lost with the purge.")
    if not plan.files and not plan.folders:
        print(f"profile {plan.profile!r} has no local data; nothing to remove")
        return 0
    for path in (*plan.files, *plan.folders):
        print(f"  will remove {path}")
    if not args.yes:
        if not sys.stdin.isatty():
            return _fail("not a terminal: add --yes to purge without the typed confirmation")
        typed = input(f"Type the profile name ({plan.profile}) to wipe its local data: ")
        if typed.strip() != plan.profile:
            return _fail("the name did not match; nothing was removed")
    try:
        removed = run_purge(plan, force=args.force)
    except (AgentdeskError, OSError) as error:
        return _fail(agent_message(error) if isinstance(error, AgentdeskError) else str(error))
    print(f"profile {plan.profile!r}: {len(removed)} file(s) and folder(s) removed")
    return 0


def audit_credential_change(settings: Settings, resource: str) -> None:
    """`agentdesk connect` saved a token: a credential change in the profile's audit trail.
    Best effort: the token is saved already, and a busy store must not undo that."""
    from agentdesk.desk.audit_trail import Event, record_event
    from agentdesk.desk.session import close_desk, open_desk

    try:
        desk = open_desk(settings, lambda: datetime.now(UTC), start_of_day=False)
    except AgentdeskError:
        return
    try:
        record_event(desk, Event.CREDENTIAL_CHANGE, resource=resource, required=False)
    finally:
        close_desk(desk)
