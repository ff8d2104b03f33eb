"""`agentdesk encrypt` (issue 16): encrypt the profile's plain store in place."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime

from agentdesk.core.errors import AgentdeskError, agent_message


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    commands.add_parser(
        "encrypt",
        parents=parents,
        help="encrypt the profile's plain database in place (SQLCipher, key in the keyring)",
    )


def encrypt_command(args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    from agentdesk.config import load_settings
    from agentdesk.desk.encrypt import encrypt_store
    from agentdesk.log_file import start_log

    start_log()
    try:
        settings = load_settings(args.profile, db_path=args.db)
        done = encrypt_store(settings, clock=clock)
    except AgentdeskError as error:
        print(f"agentdesk: {agent_message(error)}", file=sys.stderr)
        return 1
    print(
        f"{done.path}: encrypted ({done.tables} tables, {done.rows} rows checked); its key "
        "is in the keyring, and no plain copy is left beside it"
    )
    for path in done.left_plain:
        print(
            f"  still plain: {path} (a damaged store set aside earlier); delete it, or "
            "`agentdesk purge`, once you no longer need it"
        )
    return 0
