"""The second factor's guard against guessing and replay (the wrong-code count, the lockout,
the last accepted step), kept in the keyring beside the secret as well as in the store; and
whether a new phone is owed (a recovery code signed in, no new phone was enrolled since).

The store's copy alone is reset by deleting the database: ten fresh tries per deletion, and
a code seen over a shoulder in the last 90 s accepted once more. The keyring's copy survives
that, and a check reads the stricter of the two (security/totp.py decides; this only keeps).

A new phone owed is kept here only: a recovery code says the old phone is lost (maybe in
someone else's hands), so until a new one is enrolled its codes are refused, whatever the
store says and across starts; quitting the re-enrolment does not undo that.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from agentdesk.security.totp import TotpState


def guard_account(profile: str) -> str:
    """The keyring entry of a profile's guard (no secret in it: counts, a step, a time)."""
    return f"totp-guard/{profile}"


def guard_text(state: TotpState, *, new_phone_owed: bool = False) -> str:
    locked = None if state.locked_until is None else state.locked_until.isoformat()
    guard: dict[str, object] = {
        "last_step": state.last_step,
        "failures": state.failures,
        "locked_until": locked,
    }
    if new_phone_owed:
        guard["new_phone_owed"] = True
    return json.dumps(guard)


def new_phone_owed(kept: str | None) -> bool:
    """Whether the guard says a recovery code signed in and no new phone was enrolled since
    (a missing or unreadable guard, as in stricter(): no)."""
    try:
        guard = json.loads(kept) if kept else None
    except ValueError:
        return False
    return isinstance(guard, dict) and guard.get("new_phone_owed") is True


def stricter(state: TotpState, kept: str | None) -> TotpState:
    """The state with the keyring's guard where it is stricter: the later step, the higher
    count, the later lockout. A missing or unreadable guard (a profile enrolled before it
    was kept) leaves the state as it is."""
    try:
        guard = json.loads(kept) if kept else None
    except ValueError:
        return state
    if not isinstance(guard, dict):
        return state
    step, failures, locked = (
        guard.get("last_step"),
        guard.get("failures"),
        guard.get("locked_until"),
    )
    if isinstance(step, int) and (state.last_step is None or step > state.last_step):
        state = replace(state, last_step=step)
    if isinstance(failures, int) and failures > state.failures:
        state = replace(state, failures=failures)
    if isinstance(locked, str):
        try:
            until = datetime.fromisoformat(locked)
        except ValueError:
            return state
        if until.tzinfo is not None and (state.locked_until is None or until > state.locked_until):
            state = replace(state, locked_until=until)
    return state
