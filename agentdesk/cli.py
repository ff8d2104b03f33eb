"""The `agentdesk` command: the TUI, and subcommands that run without it."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from agentdesk import __version__
from agentdesk.cli_values import aware as _aware
from agentdesk.cli_values import fail as _fail
from agentdesk.cli_values import positive as _positive
from agentdesk.core.errors import AgentdeskError, agent_message
from agentdesk.sync_cli import EXIT_BUSY

# Re-exported: `sync` and `connect` live in sync_cli.py and connect_cli.py now.
__all__ = ["EXIT_BUSY", "connect_command", "main", "sync_command"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentdesk",
        description="A terminal workstation for remote customer-service agents.",
    )
    parser.add_argument("--version", action="version", version=f"agentdesk {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the queue on a throwaway profile filled with demo data",
    )
    parser.add_argument(
        "--demo-tickets",
        type=_positive,
        default=2_000,
        metavar="N",
        help="how many demo tickets --demo generates (default 2000)",
    )
    parser.add_argument(
        "--no-shift",
        action="store_true",
        help="no start-of-shift checklist and no shift gate (a look at the queue)",
    )
    parser.add_argument(
        "--supervisor",
        action="store_true",
        help='monitoring mode: the team dashboard, read-only (also [agent] role = "supervisor")',
    )
    parser.add_argument("--profile", default="default", help="profile name (default: default)")
    parser.add_argument("--db", type=Path, help="use this SQLite file instead of the profile's")
    # The same options after a subcommand (`agentdesk sync --once --profile work`); SUPPRESS
    # keeps a value given before the subcommand when none is given after it.
    profile_options = argparse.ArgumentParser(add_help=False)
    profile_options.add_argument(
        "--profile", default=argparse.SUPPRESS, help="profile name (default: default)"
    )
    profile_options.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="use this SQLite file instead of the profile's",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo-data", help="generate a deterministic demo dataset into a SQLite file"
    )
    demo.add_argument("--tickets", type=_positive, default=2_000, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.add_argument("--db", type=Path, required=True, metavar="PATH", dest="demo_db")
    demo.add_argument(
        "--now",
        type=_aware,
        metavar="ISO",
        help="the moment the dataset is built around (default: now); fixes it for repeat runs",
    )

    macros = commands.add_parser("macros", help="canned responses and macros")
    macro_commands = macros.add_subparsers(dest="macros_command", metavar="ACTION", required=True)
    check = macro_commands.add_parser(
        "check",
        help="validate a macro folder; prints file:line: problem, exits 1 on any",
    )
    check.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="the folder to check (default: the shipped library)",
    )

    from agentdesk import connect_cli, sync_cli

    sync_cli.add_command(commands, [profile_options])
    connect_cli.add_command(commands, [profile_options])
    from agentdesk.shift_cli import add_commands

    add_commands(commands)
    from agentdesk import report_cli

    report_cli.add_command(commands, [profile_options])
    from agentdesk import security_cli

    security_cli.add_commands(commands, profile_options)  # audit, purge (issue 16)
    from agentdesk import encrypt_cli

    encrypt_cli.add_command(commands, [profile_options])  # issue 16: plain -> SQLCipher
    from agentdesk import qa_cli

    qa_cli.add_command(commands, [profile_options])
    return parser


def _system_clock() -> datetime:
    return datetime.now(UTC)


def demo_data(db: Path, tickets: int, seed: int, now: datetime | None) -> int:
    from agentdesk.desk.session import generate_demo_data

    moment = now or _system_clock()
    try:
        summary = generate_demo_data(db, tickets=tickets, seed=seed, clock=lambda: moment)
    except AgentdeskError as error:
        return _fail(agent_message(error))
    print(
        f"{db}: {summary.tickets} tickets, {summary.customers} customers, "
        f"{summary.agents} agents, {summary.messages} messages, "
        f"{summary.breaches} SLA breaches in {summary.seconds:.1f} s"
    )
    return 0


def macros_check(folder: Path | None) -> int:
    """Every problem as file:line: message on stdout; exit 1 if there is any."""
    from agentdesk.macro_files import check_folder, wrap_warnings
    from agentdesk.shipped import shipped_dir

    folder = folder or shipped_dir("macros")
    good, problems = check_folder(folder)
    warnings = wrap_warnings(good)
    for problem in [*problems, *warnings]:
        print(problem)
    bad_files = len({problem.path for problem in problems})
    also = f", {len(warnings)} warning(s)" if warnings else ""
    print(
        f"{folder}: {len(good)} macro file(s) OK, {bad_files} with problems "
        f"({len(problems)} problem(s){also})",
        file=sys.stderr,
    )
    return 1 if problems else 0


def run_tui(args: argparse.Namespace) -> int:
    if args.demo and not args.db:
        # A throwaway profile: gone when agentdesk exits.
        with tempfile.TemporaryDirectory(prefix="agentdesk-demo-") as folder:
            return _run_tui(args, Path(folder))
    return _run_tui(args, None)


def _run_tui(args: argparse.Namespace, demo_folder: Path | None) -> int:
    from agentdesk.config import demo_settings, load_settings

    try:
        if args.demo:
            # With --db the demo store is kept for the next run.
            folder = demo_folder or args.db.parent
            settings = demo_settings(folder, tickets=args.demo_tickets)
            if args.db:
                settings = replace(settings, db_path=args.db)
        else:
            settings = load_settings(args.profile, db_path=args.db)
        settings = replace(settings, shift=not args.no_shift and (args.demo or settings.shift))
        if args.supervisor or settings.supervisor:
            # Monitoring mode (issue 15): no shift of one's own; --db names another's store.
            settings = replace(
                settings,
                supervisor=True,
                shift=False,
                watching_other_store=bool(args.db) and not args.demo,
            )
    except AgentdeskError as error:
        return _fail(agent_message(error))
    from agentdesk.app import make_app
    from agentdesk.log_file import start_log

    start_log()  # issue 16: rotated, owner-only, masked
    app = make_app(settings)
    app.run()
    return int(app.return_code or 0)


def sync_command(args: argparse.Namespace) -> int:
    from agentdesk.sync_cli import sync_command

    return sync_command(args, _system_clock)


def connect_command(args: argparse.Namespace) -> int:
    from agentdesk.connect_cli import connect_command

    return connect_command(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from agentdesk import cli_sign_in

    if args.command in cli_sign_in.GATED:  # issue 16: the code first, as in the TUI
        refused = cli_sign_in.require_code(args, _system_clock)
        if refused is not None:
            return refused
    if args.command == "demo-data":
        return demo_data(args.demo_db, args.tickets, args.seed, args.now)
    if args.command == "macros":
        return macros_check(args.folder)
    if args.command == "sync":
        return sync_command(args)
    if args.command == "connect":
        return connect_command(args)
    if args.command == "qa":
        from agentdesk.qa_cli import qa_command

        return qa_command(args, _system_clock)
    if args.command == "report":
        from agentdesk.report_cli import report_command

        return report_command(args, _system_clock)
    if args.command in ("shift", "checklists"):
        from agentdesk import shift_cli

        if args.command == "checklists":
            return shift_cli.checklists_check(args.folder)
        return shift_cli.shift_command(args, _system_clock)
    if args.command == "encrypt":
        from agentdesk.encrypt_cli import encrypt_command

        return encrypt_command(args, _system_clock)
    if args.command in ("audit", "purge"):
        from agentdesk import security_cli

        if args.command == "audit":
            return security_cli.audit_command(args, _system_clock)
        return security_cli.purge_command(args)
    return run_tui(args)


if __name__ == "__main__":
    sys.exit(main())
