"""The second factor before a CLI subcommand (issue 16): the subcommands that read or change
customer data or credentials ask for the same code as the TUI, under the same replay and
lockout rules (security/totp.py, desk/sign_in.py), before anything else is done.

Asked only of an enrolled, non-demo profile with `[security] sign_in = true` (the default).
The code comes from the terminal (not echoed), or from the environment variable
AGENTDESK_TOTP_CODE for a script a person starts (it is used once: a replay is refused like
at the TUI). Unattended jobs (the weekly report from cron, sync from a systemd timer) run as
a service-account profile the supervisor marks `sign_in = false` (README, "Sign-in on the
command line"): a code cannot come from a machine without its secret sitting beside the job,
which would be no second factor at all.

A recovery code (a lost phone) signs in once and then, as in the TUI, a new phone is enrolled
on the spot (the QR and the URI on the terminal, its first code, the new recovery codes)
before the command runs: the old phone's secret may be in someone else's hands. So a
recovery code is taken only from a terminal; from the environment it is refused unused.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from agentdesk.core.errors import AgentdeskError, BadInput, agent_message

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.desk.base import Desk

ENV_CODE = "AGENTDESK_TOTP_CODE"
GATED = frozenset({"sync", "shift", "audit", "purge", "report", "qa", "connect", "encrypt"})
"""The subcommands that read or change customer data or credentials."""
EXIT_SIGN_IN = 6
"""The code was missing, wrong, a replay, or sign-in is locked out: nothing was done."""

Prompt = Callable[[str], str]


def _getpass(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def _refuse(message: str) -> int:
    print(f"agentdesk: {message}; nothing was done", file=sys.stderr)
    return EXIT_SIGN_IN


def require_code(
    args: argparse.Namespace,
    clock: Callable[[], datetime],
    *,
    prompt: Prompt | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int | None:
    """None: signed in (or nothing to ask); otherwise the exit status, the reason printed.
    out: where a re-enrolment is shown (the terminal's stderr: stdout is the command's)."""
    from agentdesk.config import load_settings

    try:
        settings = load_settings(args.profile, db_path=args.db)
    except AgentdeskError:
        return None  # the subcommand names the bad profile itself, and does nothing
    if settings.demo or not settings.sign_in:
        return None
    try:
        return _ask(
            settings, args.command, clock, prompt or _getpass, stdin or sys.stdin, out or sys.stderr
        )
    except AgentdeskError as error:
        return _refuse(agent_message(error))


def _ask(
    settings: Settings,
    command: str,
    clock: Callable[[], datetime],
    prompt: Prompt,
    stdin: TextIO,
    out: TextIO,
) -> int | None:
    from agentdesk.desk.security_desk import open_security_desk, own_settings
    from agentdesk.desk.sign_in import NEW_PHONE_OWED, Gate, check_code, gate, secret_is_kept
    from agentdesk.security.totp import looks_like_recovery_code

    kept = secret_is_kept(settings.profile)
    if not kept and not own_settings(settings).db_path.exists():
        return None  # a fresh profile: the TUI enrols at its first start
    try:
        desk = open_security_desk(settings, clock)
    except AgentdeskError:
        if kept:
            raise  # enrolled: no code, no command
        return None  # the subcommand names the store's problem itself, and does nothing
    try:
        asks = gate(desk)
        if asks is Gate.ENROL:
            return None  # never enrolled: nothing to sign in to yet
        if asks is Gate.REBUILD:
            # Enrolled, the store replaced or deleted: the same current code, checked against
            # the kept secret, rebuilds the store's sign-in state (never a new enrolment).
            print(
                f"agentdesk: {own_settings(settings).db_path} holds no sign-in state for "
                f"profile {settings.profile!r} (deleted or replaced): your current code "
                "rebuilds it (if you did not expect this, tell your supervisor)",
                file=sys.stderr,
            )
        if asks is Gate.NEW_PHONE:
            print(f"agentdesk: {NEW_PHONE_OWED}", file=sys.stderr)
        # Read once and gone: a child process does not inherit a code.
        typed = os.environ.pop(ENV_CODE, "").strip()
        if not typed:
            if not stdin.isatty():
                return _refuse(
                    f"profile {settings.profile!r} signs in with a code: run `agentdesk "
                    f"{command}` in a terminal to type it, or set {ENV_CODE} (README, "
                    '"Sign-in on the command line")'
                )
            typed = prompt(f"agentdesk {command}: code from your authenticator app (not echoed): ")
        recovering = looks_like_recovery_code(typed)
        if recovering and not (stdin.isatty() and out.isatty()):
            return _refuse(
                "a recovery code is for a lost phone, and a new phone is enrolled right after "
                f"it: run `agentdesk {command}` in a terminal and type it there (it was not used)"
            )
        try:
            check = check_code(desk, typed, resource=f"agentdesk {command}")
        except BadInput as error:
            return _refuse(str(error))
        if not check.ok:
            return _refuse(check.message)
        if recovering and not _enrol_new_phone(desk, command, prompt, out, check.message):
            return _refuse(
                "signed in with a recovery code, but no new phone was enrolled; the old "
                "phone's codes no longer sign in: the next sign-in asks for another recovery "
                "code, then the new phone"
            )
        return None
    finally:
        desk.store.close()


ENROL_TRIES = 3
_DARK_ON_LIGHT = "\x1b[30;107m"
_PLAIN = "\x1b[0m"


def _enrol_new_phone(desk: Desk, command: str, prompt: Prompt, out: TextIO, signed: str) -> bool:
    """The TUI's re-enrolment on the terminal: a new secret, confirmed with its first code;
    then the new recovery codes, once. False: not finished (nothing was replaced; ctrl+c
    too: the new phone stays owed, security/totp_guard.py)."""
    from agentdesk.desk.sign_in import begin_enrolment, finish_enrolment
    from agentdesk.widgets.qr_code import qr_lines

    enrolment = begin_enrolment(desk)
    # Fits 24 rows with the prompt: the words and the URI first, then the QR, dark on light
    # whatever the terminal's colours (as the TUI draws it), so a phone reads it.
    print(f"agentdesk: {signed}", file=out)
    print(f"Scan the code below with the new phone, or enter this URI: {enrolment.uri}", file=out)
    for line in qr_lines(enrolment.uri):
        print(f"{_DARK_ON_LIGHT}{line}{_PLAIN}", file=out)
    out.flush()
    for _ in range(ENROL_TRIES):
        try:
            typed = prompt(f"agentdesk {command}: the 6 digits the new phone shows (not echoed): ")
        except (KeyboardInterrupt, EOFError):  # ctrl+c, ctrl+d: the enrolment is not finished
            print("", file=out, flush=True)
            return False
        if not typed.strip():
            return False
        try:
            check = finish_enrolment(desk, enrolment, typed)
        except BadInput as error:
            print(f"agentdesk: {error}", file=out)
            continue
        if check.ok:
            print(
                "New phone enrolled. Your new recovery codes (each signs in once; write them "
                "down now, they are not shown again; the old ones no longer work):",
                file=out,
            )
            for code in enrolment.recovery_codes:
                print(f"  {code}", file=out)
            print("", file=out, flush=True)
            return True
        print(f"agentdesk: {check.message}", file=out)
    return False
