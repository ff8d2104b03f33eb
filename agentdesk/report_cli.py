"""`agentdesk report --week 2026-W48 [--format md|html|csv] [--out FILE] [--mail-to ADDR]`.

The figures are desk.kpis' (core.kpi's definitions); agentdesk.weekly_report renders them.
A file (--out, desk.team_report.export_report, as the KPI board's Export key), a CSV on
stdout and a mail are written to the audit (the security trail, event "export") before they
leave. --mail-to sends the report (text, HTML, the CSV attached) through the profile's [mail].
In monitoring mode (`--supervisor`, or a profile with role "supervisor") the report reads the
supervisor's read-only desk, and the export's audit event goes to the profile's own store
(desk.audit_trail.record_event's narrow writer), also with --db.

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
    from agentdesk.desk.team_report import audit_export, export_report
    from agentdesk.weekly_report import render

    period = week(args.week or last_week(desk.now()))
    overview = kpi_overview(desk, period)
    if args.out:
        # Named on the command line, as with a shell's `>`: an existing file is replaced.
        export_report(desk, overview, args.format, args.out, overwrite=True)
        print(f"{args.out}: weekly report {period.label} ({args.format})", file=sys.stderr)
    elif not args.mail_to:
        body = render(overview, args.format)
        if args.format == "csv":
            audit_export(desk, "weekly report csv", f"{period.label} to stdout")
        sys.stdout.write(body)
    if args.mail_to:
        mail(desk, overview, args.mail_to)
    return 0


def mail(desk: Desk, overview: object, to: list[str]) -> None:
    from agentdesk.desk.kpis import KpiOverview
    from agentdesk.desk.team_report import audit_export
    from agentdesk.report_mail import build_message, mail_settings, send, smtp_password
    from agentdesk.weekly_report import render

    assert isinstance(overview, KpiOverview)
    settings = desk.settings
    where = str(settings.config_path or "the profile")
    mail_cfg = mail_settings(settings.extra.get("mail", {}), where)
    label = overview.period.label
    audit_export(desk, "weekly report mail", f"{label} to {', '.join(to)}")
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

    start_log()  # the export's audit line lands there too
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
