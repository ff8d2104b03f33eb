"""`agentdesk shift start|status|end` and `agentdesk checklists check [DIR]`: the shift
without the TUI, printing the same checklist lines (core.shift.checklist_lines).

Exit status: 0 all required items done (or the shift closed); 2 some required item failed or
is not done (or the end is refused, each blocker printed); 1 an error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.core.errors import AgentdeskError, Refused, agent_message

if TYPE_CHECKING:
    from agentdesk.core.shift_record import TeamShift
    from agentdesk.desk.base import Desk
    from agentdesk.desk.shift import ShiftView

NOT_DONE = 2


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shift = commands.add_parser("shift", help="start, show or end your shift without the TUI")
    actions = shift.add_subparsers(dest="shift_command", metavar="ACTION", required=True)
    start = actions.add_parser(
        "start", help="open a shift (or show the open one), run the checks, print the checklist"
    )
    start.add_argument(
        "--tick", action="append", default=[], metavar="ID", help="tick a manual item (repeat)"
    )
    start.add_argument(
        "--ack-announcements", action="store_true", help="acknowledge the current announcements"
    )
    actions.add_parser("status", help="print the open shift's checklist, presence, adherence")
    end = actions.add_parser("end", help="close the shift, or list what blocks it")
    end.add_argument("--wrap-up", metavar="TEXT", help="the wrap-up notes for the shift")
    actions.add_parser(
        "team", help="teammates' shifts as the last sync brought them from the helpdesk"
    )

    checklists = commands.add_parser("checklists", help="the shift's checklist files")
    check_actions = checklists.add_subparsers(
        dest="checklists_command", metavar="ACTION", required=True
    )
    check = check_actions.add_parser(
        "check",
        help="validate checklists.toml, roster.toml and announcements.toml; file:line problems",
    )
    check.add_argument(
        "folder", nargs="?", type=Path, metavar="DIR", help="a team folder (default: shipped)"
    )


def checklists_check(folder: Path | None) -> int:
    from agentdesk.core.shift_files import SHIFT_FILES, ShiftFileError
    from agentdesk.shipped import load_shift_data, shift_file

    problems = 0
    for name in SHIFT_FILES:
        path = shift_file(name, folder)
        try:
            load_shift_data(name, folder)
        except ShiftFileError as error:
            problems += len(error.problems)
            for problem in error.problems:
                print(problem)
            continue
        except AgentdeskError as error:
            problems += 1
            print(agent_message(error))
            continue
        print(f"{path}: OK", file=sys.stderr)
    return 1 if problems else 0


def _print_view(view: ShiftView) -> None:
    from agentdesk.core.shift import Phase, checklist_lines
    from agentdesk.desk.shift import lateness

    shift = view.shift
    planned = (
        "no planned shift"
        if view.planned is None
        else (f"planned {view.planned.start:%Y-%m-%d %H:%M}-{view.planned.end:%H:%M} UTC")
    )
    print(
        f"shift of {shift.handle}: started {shift.started_at:%Y-%m-%d %H:%M} UTC "
        f"({lateness(view)}); {planned}"
    )
    if view.presence is not None:
        print(f"presence: {view.presence.state.label} since {view.presence.start:%H:%M} UTC")
    if view.adherence is not None:
        print(f"schedule adherence so far: {view.adherence:.0%}")
    for handover in view.handovers:
        print(
            f"handover #{handover.ticket_id} from {handover.handover.sender}: "
            f"{handover.handover.note}"
        )
    for announcement, acked in view.announcements:
        print(
            f"announcement [{'read' if acked else 'new'}] {announcement.id}: {announcement.title}"
        )
    print("start checklist:")
    for line in checklist_lines([s for s in view.items if s.item.phase is Phase.START]):
        print(f"  {line}")
    if view.missing:
        print("required items not done: " + ", ".join(view.missing))


def _hm(at: datetime | None) -> str:
    return "?" if at is None else f"{at:%Y-%m-%d %H:%M}"


def team_shift_lines(record: TeamShift) -> list[str]:
    """One teammate's shift as `agentdesk shift team` prints it."""
    state = "ended " + _hm(record.ended_at) if record.ended_at else "open"
    planned = (
        f"planned {_hm(record.planned_start)}-{record.planned_end:%H:%M} UTC"
        if record.planned_start and record.planned_end
        else "no planned shift"
    )
    now = ""
    if record.presence is not None:
        now = f"; {record.presence.label} since {_hm(record.presence_since)}"
    out = [
        f"{record.agent} (RT #{record.remote_id}): {state}; {planned}; "
        f"started {_hm(record.started_at)} UTC{now}"
    ]
    out += [f"  handover {h.ticket} to {h.to}: {h.note}" for h in record.handovers]
    if record.wrap_up:
        out.append(f"  wrap-up: {record.wrap_up}")
    return out


def _with_desk(
    args: argparse.Namespace, clock: Callable[[], datetime], run: Callable[[Desk], int]
) -> int:
    from agentdesk.config import load_settings
    from agentdesk.desk.session import close_desk, open_desk

    try:
        settings = load_settings(args.profile, db_path=args.db)
        desk = open_desk(settings, clock, start_of_day=False)
    except AgentdeskError as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 1
    try:
        return run(desk)
    except Refused as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        for missing in error.missing:
            print(f"  - {missing}")
        return NOT_DONE
    except AgentdeskError as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 1
    finally:
        close_desk(desk)


def shift_command(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    from agentdesk.desk import shift

    def start(desk: Desk) -> int:
        view = shift.start_shift(desk)
        if args.ack_announcements:
            for announcement, acked in view.announcements:
                if not acked:
                    view = shift.acknowledge_announcement(desk, announcement.id)
        for item_id in args.tick:
            view = shift.tick(desk, item_id)
        view = shift.run_checks(desk)
        _print_view(view)
        return NOT_DONE if view.missing else 0

    def status(desk: Desk) -> int:
        view = shift.shift_status(desk)
        if view is None:
            print("no shift is open")
            return NOT_DONE
        _print_view(view)
        return NOT_DONE if view.missing else 0

    def end(desk: Desk) -> int:
        from agentdesk.core.shift import checklist_lines

        if args.wrap_up:
            shift.write_wrap_up(desk, args.wrap_up)
        review = shift.review_end(desk)
        for ticket in review.tickets:
            state = ticket.disposition.label if ticket.disposition else "no decision yet"
            print(f"  {ticket.ref} {ticket.priority.value} {ticket.subject} — {state}")
        print("end checklist:")
        for line in checklist_lines(review.items):
            print(f"  {line}")
        closed = shift.end_shift(desk)
        score = "" if closed.adherence is None else f"; schedule adherence {closed.adherence:.0%}"
        print(f"shift closed at {closed.ended_at:%Y-%m-%d %H:%M} UTC{score}")
        return 0

    def team(desk: Desk) -> int:
        from agentdesk.desk.shift_record import team_shifts

        lines = team_shifts(desk)
        if not lines:
            print("no teammate's shift pulled from the helpdesk yet (agentdesk sync)")
        for line in lines:
            for text in team_shift_lines(line.record):
                print(text)
        return 0

    run = {"start": start, "status": status, "end": end, "team": team}[args.shift_command]
    return _with_desk(args, clock, run)
