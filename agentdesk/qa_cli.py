"""`agentdesk qa sample [--month YYYY-MM] [--agent HANDLE]` and `agentdesk qa review TICKET
--missed ITEM[,ITEM] [--comment TEXT]`: the QA role's month without the TUI (issue 15).

The sample and the score are desk.qa's (core.qa's rules, data/qa_rubric.toml); a review is
recorded by a profile with `[agent] role = "qa"` and sent to the helpdesk as a comment.
Exit status: 0 done; 2 refused (not the QA role); 1 an error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime

from agentdesk.core.errors import AgentdeskError, BadInput, Refused, agent_message


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    qa = commands.add_parser("qa", parents=parents, help="the QA sample and reviews")
    actions = qa.add_subparsers(dest="qa_command", metavar="ACTION", required=True)
    sample = actions.add_parser("sample", parents=parents, help="the month's sample per agent")
    sample.add_argument("--month", metavar="YYYY-MM", help="default: this month")
    sample.add_argument("--agent", metavar="HANDLE")
    review = actions.add_parser("review", parents=parents, help="score one sampled ticket")
    review.add_argument("ticket", type=int, metavar="TICKET")
    review.add_argument(
        "--missed", default="", metavar="ITEMS", help="rubric items not met, comma-separated"
    )
    review.add_argument("--comment", default="", metavar="TEXT")


def qa_command(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    from agentdesk.config import load_settings
    from agentdesk.desk import qa
    from agentdesk.desk.session import close_desk, open_desk

    try:
        settings = load_settings(args.profile, db_path=args.db)
        desk = open_desk(settings, clock, start_of_day=False)
    except AgentdeskError as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 1
    try:
        rubric = qa.rubric(desk)
        if args.qa_command == "sample":
            month = args.month or desk.now().strftime("%Y-%m")
            items = qa.qa_sample(desk, month, args.agent)
            print(f"QA sample {month}: {len(items)} interaction(s)")
            for item in items:
                state = "not reviewed" if item.score is None else f"scored {item.score:.0%}"
                print(
                    f"  #{item.ticket_id}  {item.agent}  {item.priority} {item.channel}  "
                    f"{item.subject}  ({item.percent:g} % sample; {state})"
                )
            print(
                "rubric: "
                + ", ".join(f"{i.key}{' (critical)' if i.critical else ''}" for i in rubric.items)
            )
            return 0
        missed = {m.strip() for m in args.missed.split(",") if m.strip()}
        unknown = sorted(missed - set(rubric.keys))
        if unknown:
            raise BadInput(
                f"--missed {', '.join(unknown)}: not in the rubric ({', '.join(rubric.keys)})"
            )
        marks = {key: key not in missed for key in rubric.keys}
        score = qa.record_review(desk, args.ticket, marks, args.comment)
        print(
            f"#{args.ticket}: QA review recorded, {score:.0%}; it goes to the helpdesk as a comment"
        )
        return 0
    except Refused as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 2
    except AgentdeskError as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 1
    finally:
        close_desk(desk)
