"""The automatic items of the start checklist, each one blocking call for a worker.

run_check() does the IO and returns a CheckResult with how long it took; it writes nothing
(desk.shift.record_check stores it). The helpdesk and clock checks share one probe of the
helpdesk (sync.probe); a network failure there means "working offline", which does not keep
the agent from working (the program is offline-first), while a refused token does.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agentdesk.core.shift import CLOCK_TOLERANCE, OFFLINE, TeamCommand
from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.config import Settings

Timer = Callable[[], float]


@dataclass(frozen=True)
class CheckResult:
    item_id: str
    passed: bool
    reason: str
    seconds: float


def describe_age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def _last_sync_age(desk: Desk) -> str:
    from agentdesk.store.shifts import last_good_sync

    with desk.reading(), desk.store.read() as connection:
        last = last_good_sync(connection)
    if last is None:
        return "no good sync yet"
    return f"last good sync {describe_age(desk.now() - last)} ago"


def _helpdesk(desk: Desk) -> tuple[bool, str]:
    from agentdesk.core.errors import AgentdeskError
    from agentdesk.sync.errors import Offline, Unreachable
    from agentdesk.sync.runner import probe_helpdesk

    try:
        probe = probe_helpdesk(desk.settings)
    except (Offline, Unreachable) as error:
        return True, f"{OFFLINE} ({_last_sync_age(desk)}): {error}"
    except AgentdeskError as error:
        return False, str(error)
    return True, probe.line


def _clock(desk: Desk) -> tuple[bool, str]:
    from agentdesk.core.errors import AgentdeskError
    from agentdesk.sync.errors import Offline, Unreachable
    from agentdesk.sync.runner import probe_helpdesk

    try:
        probe = probe_helpdesk(desk.settings)
    except (Offline, Unreachable):
        return True, f"{OFFLINE}: no helpdesk clock to compare with"
    except AgentdeskError as error:
        return False, f"cannot read the helpdesk's clock: {error}"
    if probe.server_date is None:
        return True, "local backend: no remote clock" if probe.local else "no Date header"
    return clock_verdict(desk.now(), probe.server_date)


def clock_verdict(local: datetime, server: datetime) -> tuple[bool, str]:
    skew = (local - server).total_seconds()
    ahead = "ahead of" if skew > 0 else "behind"
    text = f"local clock {abs(skew):.0f} s {ahead} the helpdesk"
    if abs(skew) <= CLOCK_TOLERANCE.total_seconds():
        return True, text
    return False, f"{text} (more than 30 s: SLA clocks and sign-in codes depend on it)"


NOTHING_IN_THE_KEYRING = "not needed: a demo profile keeps nothing in the keyring"


def keyring_needed(settings: Settings) -> bool:
    """Whether this profile keeps anything in the keyring. A demo profile keeps its verifier
    key in a file beside its store and its store plain (security/verifier_key.py, db_key.py);
    only its sign-in secret (sign-in on) or a helpdesk token (not the local backend) would
    be there. Every other profile's verifier key lives only in the keyring."""
    return not settings.demo or settings.sign_in or settings.backend != "local"


def _keyring() -> tuple[bool, str]:
    from agentdesk.security.keyring_access import (
        KeyringUnavailable,
        get_secret,
        keyring_problem,
    )

    problem = keyring_problem()
    if problem is not None:
        return False, f"no usable keyring ({problem}): tokens must come from the environment"
    try:
        get_secret("shift-check/probe", "read the keyring", timeout=5.0)
    except KeyringUnavailable as error:
        return False, f"the keyring failed: {error}"
    import keyring

    return True, f"keyring usable ({type(keyring.get_keyring()).__name__})"


def _outbox(desk: Desk) -> tuple[bool, str]:
    from agentdesk.store.shifts import leftover_work

    with desk.reading(), desk.store.read() as connection:
        unsent, conflicts = leftover_work(connection)
    if not unsent and not conflicts:
        return True, "nothing unsent, no open conflicts"
    parts = []
    if unsent:
        parts.append(f"{unsent} unsent outbox item{'s' if unsent > 1 else ''}")
    if conflicts:
        parts.append(f"{conflicts} open conflict{'s' if conflicts > 1 else ''} (C)")
    return False, ", ".join(parts) + " from the last shift"


def _command(command: TeamCommand | None) -> tuple[bool, str]:
    if command is None:
        return False, "no [command] in checklists.toml"
    try:
        done = subprocess.run(
            list(command.argv),
            capture_output=True,
            text=True,
            timeout=command.timeout,
            check=False,
        )
    except FileNotFoundError:
        return False, f"command not found: {command.argv[0]}"
    except subprocess.TimeoutExpired:
        return False, f"{command.argv[0]} gave no answer in {command.timeout:g} s"
    except OSError as error:
        return False, f"{command.argv[0]} cannot run: {error.strerror}"
    first = (done.stdout or done.stderr).strip().splitlines()
    said = f": {first[0][:80]}" if first else ""
    return done.returncode == 0, f"exit status {done.returncode}{said}"


def run_check(
    desk: Desk, item_id: str, check: str, command: TeamCommand | None, timer: Timer = time.monotonic
) -> CheckResult:
    """Run one automatic check (blocking: call it in a worker). Never raises for the check's
    own failure: that is the result."""
    started = timer()
    if check == "helpdesk":
        passed, reason = _helpdesk(desk)
    elif check == "clock":
        passed, reason = _clock(desk)
    elif check == "keyring" and not keyring_needed(desk.settings):
        # Not even imported: keyring finds its backends at once (D-Bus among them), ~0.3 s.
        passed, reason = True, NOTHING_IN_THE_KEYRING
    elif check == "keyring":
        passed, reason = _keyring()
    elif check == "outbox":
        passed, reason = _outbox(desk)
    elif check == "command":
        passed, reason = _command(command)
    else:
        passed, reason = False, f"unknown check {check!r}"
    return CheckResult(item_id, passed, reason, timer() - started)
