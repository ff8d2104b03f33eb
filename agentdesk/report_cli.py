"""`agentdesk report --week 2026-W48 [--format md|html|csv] [--out FILE] [--mail-to ADDR]`.

The figures are desk.kpis' (core.kpi's definitions); agentdesk.weekly_report renders them.
A CSV export is written to the audit (the security trail, event "export") before the file is.
--mail-to sends the report (text, HTML, the CSV attached) through the profile's [mail].
In monitoring mode (`--supervisor`, or a profile with role "supervisor") the report reads the
supervisor's read-only desk, and the export's audit event goes to the profile's own store
(desk/supervisor_audit.py), or with --db to the log, said on stderr.

Exit status: 0 done; 1 an error (a bad week, no [mail] settings, the SMTP server refused).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.core.errors import AgentdeskError, agent_message

if TYPE_CHECKING:
    from agentdesk.desk.base import Desk

FORMATS = ("md", "html", "csv")


def last_week(now: datetime) -> str:
    """The ISO week before now's: what a Monday-morning run reports on."""
    year, number, _ = (now.astimezone(UTC) - timedelta(days=7)).isocalendar()
    return f"{year:04d}-W{number:02d}"


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    report = commands.add_parser(
        "report", parents=parents, help="the weekly KPI report (Markdown, HTML or CSV)"
    )
    report.add_argument(
        "--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W48 (default: last week)"
    )
    report.add_argument("--format", choices=FORMATS, default="md", help="default: md")
    report.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")
    report.add_argument(
        "--mail-to", action="append", default=[], metavar="ADDR", help="mail it (repeat)"
    )


def write_report(desk: Desk, args: argparse.Namespace) -> int:
    from agentdesk.core.kpi import week
    from agentdesk.desk.kpis import kpi_overview
    from agentdesk.weekly_report import render

    period = week(args.week or last_week(desk.now()))
    overview = kpi_overview(desk, period)
    body = render(overview, args.format)
    if args.format == "csv":
        where = str(args.out) if args.out else "stdout"
        audited(desk, "weekly report csv", f"{period.label} to {where}")
    if args.out:
        try:
            args.out.write_text(body, encoding="utf-8")
        except OSError as error:
            print(f"agentdesk: {args.out}: cannot be written: {error}", file=sys.stderr)
            return 1
        print(f"{args.out}: weekly report {period.label} ({args.format})", file=sys.stderr)
    elif not args.mail_to:
        sys.stdout.write(body)
    if args.mail_to:
        mail(desk, overview, args.mail_to)
    return 0


def audited(desk: Desk, what: str, detail: str) -> None:
    """The export's audit event, before the export (monitoring mode: in the supervisor
    profile's own store, also when it watches another agentdesk's with --db)."""
    from agentdesk.desk.supervisor_audit import record_report_export

    record_report_export(desk, what, detail)


def mail(desk: Desk, overview: object, to: list[str]) -> None:
    from agentdesk.desk.kpis import KpiOverview
    from agentdesk.report_mail import build_message, mail_settings, send, smtp_password
    from agentdesk.weekly_report import render

    assert isinstance(overview, KpiOverview)
    settings = desk.settings
    where = str(settings.config_path or "the profile")
    mail_cfg = mail_settings(settings.extra.get("mail", {}), where)
    label = overview.period.label
    audited(desk, "weekly report mail", f"{label} to {', '.join(to)}")
    message = build_message(
        mail_cfg,
        ", ".join(to),
        f"Weekly report {label}",
        render(overview, "md"),
        render(overview, "html"),
        render(overview, "csv"),
        f"agentdesk-report-{label}.csv",
    )
    send(mail_cfg, message, smtp_password(settings.profile) if mail_cfg.user else None)
    print(f"weekly report {label} sent to {', '.join(to)}", file=sys.stderr)


def report_command(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    from agentdesk.config import load_settings
    from agentdesk.desk.session import close_desk, open_desk
    from agentdesk.log_file import start_log

    start_log()  # an export audited to the log only (monitoring mode, --db) lands there
    try:
        settings = load_settings(args.profile, db_path=args.db)
        if getattr(args, "supervisor", False) or settings.supervisor:
            # Monitoring mode: the supervisor's read-only desk, as the dashboard's.
            from dataclasses import replace

            from agentdesk.desk.supervisor import open_supervisor_desk

            settings = replace(
                settings, supervisor=True, shift=False, watching_other_store=bool(args.db)
            )
            desk = open_supervisor_desk(settings, clock)
        else:
            desk = open_desk(settings, clock, start_of_day=False)
    except AgentdeskError as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 1
    try:
        return write_report(desk, args)
    except AgentdeskError as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 1
    finally:
        close_desk(desk)
