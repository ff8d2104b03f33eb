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
    parser.add_argument("--profile", default="default", help="profile name (default: default)")
    parser.add_argument("--db", type=Path, help="use this SQLite file instead of the profile's")
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
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return number


def _aware(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO date-time such as 2026-11-23T14:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no time zone; add +00:00 or Z")
    return moment.astimezone(UTC)


def _fail(message: str) -> int:
    print(f"agentdesk: {message}", file=sys.stderr)
    return 1


def demo_data(db: Path, tickets: int, seed: int, now: datetime | None) -> int:
    from agentdesk.demo import generate_demo
    from agentdesk.shipped import DataFileError, load_sla_policy
    from agentdesk.store.engine import StoreError, open_store

    try:
        store = open_store(db, load_sla_policy())
    except (StoreError, DataFileError) as error:
        return _fail(str(error))
    try:
        summary = generate_demo(store, tickets=tickets, seed=seed, now=now or datetime.now(UTC))
    except ValueError as error:
        return _fail(str(error))
    finally:
        store.close()
    print(
        f"{db}: {summary.tickets} tickets, {summary.customers} customers, "
        f"{summary.agents} agents, {summary.messages} messages, "
        f"{summary.breaches} SLA breaches in {summary.seconds:.1f} s"
    )
    return 0


def macros_check(folder: Path | None) -> int:
    """Every problem as file:line: message on stdout; exit 1 if there is any."""
    from agentdesk.macro_files import check_folder
    from agentdesk.shipped import shipped_dir

    folder = folder or shipped_dir("macros")
    good, problems = check_folder(folder)
    for problem in problems:
        print(problem)
    bad_files = len({problem.path for problem in problems})
    print(
        f"{folder}: {len(good)} macro file(s) OK, {bad_files} with problems "
        f"({len(problems)} problem(s))",
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
    from agentdesk.config import ConfigError, demo_settings, load_settings

    try:
        if args.demo:
            # With --db the demo store is kept for the next run.
            folder = demo_folder or args.db.parent
            settings = demo_settings(folder, tickets=args.demo_tickets)
            if args.db:
                settings = replace(settings, db_path=args.db)
        else:
            settings = load_settings(args.profile, db_path=args.db)
    except ConfigError as error:
        return _fail(str(error))
    from agentdesk.app import make_app

    app = make_app(settings)
    app.run()
    return int(app.return_code or 0)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo-data":
        return demo_data(args.demo_db, args.tickets, args.seed, args.now)
    if args.command == "macros":
        return macros_check(args.folder)
    return run_tui(args)


if __name__ == "__main__":
    sys.exit(main())
