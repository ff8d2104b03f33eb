"""What the `agentdesk` subcommands share: the argparse value types and the one way an error
is printed (`agentdesk: message` on stderr, and an exit status)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return number


def aware(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO date-time such as 2026-11-23T14:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no time zone; add +00:00 or Z")
    return moment.astimezone(UTC)


def fail(message: str, code: int = 1) -> int:
    print(f"agentdesk: {message}", file=sys.stderr)
    return code
