"""Sign-in with the second factor (issue 16): enrolment on a profile's first start, the code
at every start and at every unlock. Blocking (SQLite, keyring): a UI calls these in a worker.

The secret is in the keyring (security/keyring_access.py, which refuses a keyring that cannot
keep it); the state that stops replays and guessing is in the store (store/totp_state.py): the
desk's own, or for a read-only desk the profile's own through the narrow security writer
(desk/security_desk.py), so a supervisor signs in like an agent.
Every attempt is an audit row. The enrolment's URI and codes are never logged or stored.

A store with no sign-in state while the keyring holds the profile's secret (the database was
deleted or replaced, or `--db` names a fresh file) is NOT a first start: enrolling again
would let anyone who can delete a file replace the agent's second factor. The current code,
checked against the kept secret, rebuilds the state instead (Gate.REBUILD); a new phone is
enrolled only after a valid code or a recovery code. The recovery codes' hashes are kept in
the keyring beside the secret, so they survive the store's loss (a used one stays used); so
are the wrong-code count, the lockout and the last accepted step (security/totp_guard.py), so
a deleted store gives no fresh tries and lets no recent code be replayed.

A recovery code says the phone is lost: from then until a new phone is enrolled, the old
phone's codes are refused (the guard keeps "a new phone owed", security/totp_guard.py). An
agent who quits the re-enrolment (closes the app at the enrol screen, ctrl+c in the CLI) is
asked at the next start for another recovery code (Gate.NEW_PHONE), then enrols the phone.
"""

from __future__ import annotations

import json
from enum import StrEnum

from agentdesk.core.errors import DeskError, Refused
from agentdesk.desk.audit_trail import Event, record_event
from agentdesk.desk.base import Desk
from agentdesk.desk.security_desk import security_store
from agentdesk.security import totp


class Gate(StrEnum):
    ENROL = "enrol"
    CODE = "code"
    REBUILD = "rebuild"
    """Enrolled (the keyring holds the secret) but the store has no sign-in state: the
    current code rebuilds it; never a new enrolment."""
    NEW_PHONE = "new_phone"
    """A recovery code signed in and no new phone was enrolled: another recovery code, then
    the enrolment of the new phone; the old phone's codes are refused."""


REBUILT = "sign-in state rebuilt: the store had none"
NEW_PHONE_OWED = (
    "a recovery code was used and no new phone was enrolled after it, so the old phone's "
    "codes no longer sign in: type another recovery code, then enrol your new phone"
)


class SecretMissing(DeskError):
    """Enrolled, but the keyring no longer holds the secret (a new keyring, a wiped one)."""


def _account(desk: Desk) -> str:
    return desk.settings.profile


def secret_account(profile: str) -> str:
    """The keyring entry of a profile's TOTP secret."""
    return f"totp/{profile}"


def _secret_account(desk: Desk) -> str:
    return secret_account(desk.settings.profile)


def recovery_account(profile: str) -> str:
    """The keyring entry of a profile's recovery-code hashes (scrypt; never the codes)."""
    return f"totp-recovery/{profile}"


def _keep_recovery_hashes(desk: Desk, hashes: tuple[str, ...]) -> None:
    from agentdesk.security.keyring_access import set_secret

    set_secret(
        recovery_account(desk.settings.profile), json.dumps(list(hashes)), "keep recovery codes"
    )


def _kept_recovery_hashes(desk: Desk) -> tuple[str, ...]:
    """The hashes kept in the keyring; none for a profile enrolled before they were kept."""
    from agentdesk.security.keyring_access import get_secret

    kept = get_secret(recovery_account(desk.settings.profile), "read the recovery codes")
    try:
        hashes = json.loads(kept) if kept else []
    except ValueError:
        return ()
    return tuple(h for h in hashes if isinstance(h, str)) if isinstance(hashes, list) else ()


def _keep_guard(desk: Desk, state: totp.TotpState, *, new_phone_owed: bool = False) -> None:
    from agentdesk.security.keyring_access import set_secret
    from agentdesk.security.totp_guard import guard_account, guard_text

    set_secret(
        guard_account(desk.settings.profile),
        guard_text(state, new_phone_owed=new_phone_owed),
        "keep the sign-in guard",
    )


def _kept_guard(profile: str) -> str | None:
    from agentdesk.security.keyring_access import get_secret
    from agentdesk.security.totp_guard import guard_account

    return get_secret(guard_account(profile), "read the sign-in guard")


def new_phone_is_owed(profile: str) -> bool:
    """Whether a recovery code signed in and no new phone was enrolled since (False without
    a usable keyring: nothing can have been kept there)."""
    from agentdesk.security.keyring_access import keyring_problem
    from agentdesk.security.totp_guard import new_phone_owed

    return keyring_problem() is None and new_phone_owed(_kept_guard(profile))


def secret_is_kept(profile: str) -> bool:
    """Whether the keyring holds the profile's secret (False without a usable keyring:
    nothing can have been enrolled there)."""
    from agentdesk.security.keyring_access import get_secret, keyring_problem

    if keyring_problem() is not None:
        return False
    secret = get_secret(secret_account(profile), "read the sign-in secret")
    if secret is not None:
        from agentdesk.security.masking import never_log

        never_log(secret)
    return secret is not None


def gate(desk: Desk) -> Gate:
    """What this start asks: an enrolment (never enrolled), the current code, the current
    code to rebuild a lost store's state (enrolled: the keyring holds the secret), or a
    recovery code when the last one was not followed by a new phone."""
    if new_phone_is_owed(desk.settings.profile):
        return Gate.NEW_PHONE
    return _store_gate(desk)


def _store_gate(desk: Desk) -> Gate:
    from agentdesk.store.totp_state import read_totp_state

    with desk.reading(), security_store(desk).read() as connection:
        state = read_totp_state(connection, _account(desk))
    if state is not None:
        return Gate.CODE
    return Gate.REBUILD if secret_is_kept(desk.settings.profile) else Gate.ENROL


def begin_enrolment(desk: Desk) -> totp.Enrolment:
    """A new secret, its URI and recovery codes; refused first if no keyring can keep it,
    so the agent never scans a code that cannot be saved."""
    from agentdesk.security.keyring_access import KeyringUnavailable, keyring_problem

    problem = keyring_problem()
    if problem is not None:
        from agentdesk.security.keyring_access import WHAT_TO_DO

        raise KeyringUnavailable(
            f"cannot enrol the sign-in code: {problem}. To fix it: {WHAT_TO_DO}."
        )
    from agentdesk.security.masking import never_log

    handle = desk.actor.handle or desk.settings.profile
    enrolment = totp.enrol(f"{handle}@{desk.settings.profile}")
    for value in (enrolment.secret, enrolment.uri, *enrolment.recovery_codes):
        never_log(value)
    return enrolment


def finish_enrolment(desk: Desk, enrolment: totp.Enrolment, typed: str) -> totp.Check:
    """The first code confirms the phone holds the secret; then the secret goes to the
    keyring and the state (with the hashed recovery codes) to the store."""
    from agentdesk.security.keyring_access import set_secret
    from agentdesk.store.totp_state import save_totp_state

    if _store_gate(desk) is Gate.REBUILD:
        # An empty store alone never replaces a kept secret: sign in with the current code
        # (or a recovery code) first, then a new phone may be enrolled.
        record_event(desk, Event.ENROL, success=False, detail="refused: the store had no state")
        raise Refused(
            "this profile is already enrolled: sign in with the current code from your "
            "authenticator app (or a recovery code) before enrolling a new phone"
        )
    check = totp.confirm_enrolment(enrolment, typed, desk.now())
    if not check.ok:
        record_event(desk, Event.ENROL, success=False, detail="first code did not match")
        return check
    set_secret(_secret_account(desk), enrolment.secret, "save the sign-in secret")
    _keep_recovery_hashes(desk, check.state.recovery_hashes)
    _keep_guard(desk, check.state)
    with desk.reading(), security_store(desk).write() as connection:
        save_totp_state(connection, _account(desk), check.state, enrolled_at=desk.now())
    record_event(desk, Event.CREDENTIAL_CHANGE, resource="totp", detail="enrolled")
    record_event(desk, Event.SIGN_IN, detail="first code of the enrolment")
    return check


def check_code(
    desk: Desk, typed: str, event: Event = Event.SIGN_IN, *, resource: str = ""
) -> totp.Check:
    """A code (or a recovery code) at sign-in or unlock; counts, locks out, audits.
    resource: what it signs in to, for the trail ("agentdesk sync"; the TUI: none)."""
    from agentdesk.security.keyring_access import get_secret
    from agentdesk.store.totp_state import read_totp_state, save_totp_state

    with desk.reading(), security_store(desk).read() as connection:
        state = read_totp_state(connection, _account(desk))
    secret = get_secret(_secret_account(desk), "read the sign-in secret")
    if secret is not None:
        from agentdesk.security.masking import never_log

        never_log(secret)
    rebuild = state is None
    if state is None:
        if secret is None:
            raise DeskError("this profile has not enrolled a sign-in code yet; restart agentdesk")
        # Enrolled, the store lost: a fresh state, checked against the kept secret.
        state = totp.TotpState(recovery_hashes=_kept_recovery_hashes(desk))
    # The keyring's guard where it is stricter: deleting the store resets no count or step.
    from agentdesk.security.totp_guard import new_phone_owed, stricter

    kept = _kept_guard(desk.settings.profile)
    state = stricter(state, kept)
    owed = new_phone_owed(kept)
    now = desk.now()
    if totp.looks_like_recovery_code(typed):
        check = totp.use_recovery_code(state, typed, now)
        how = "recovery code"
        if check.ok:  # used up in the keyring's copy too, or a lost store would revive it
            _keep_recovery_hashes(desk, check.state.recovery_hashes)
            owed = True  # the old phone is lost: its codes are refused until a new one
    else:
        if owed:
            # Not counted (no guess can win here), but in the trail: it may be the lost phone.
            record_event(
                desk, event, success=False, resource=resource, detail="code: new phone owed"
            )
            raise Refused(NEW_PHONE_OWED)
        if secret is None:
            raise SecretMissing(
                "the keyring no longer holds this profile's sign-in secret: type one of your "
                "recovery codes, then enrol your phone again"
            )
        check = totp.check_code(secret, state, typed, now)
        how = "code"
    with desk.reading(), security_store(desk).write() as connection:
        # A rebuild writes the whole row at once, right code or wrong: a wrong one is counted.
        save_totp_state(
            connection, _account(desk), check.state, enrolled_at=now if rebuild else None
        )
    try:
        _keep_guard(desk, check.state, new_phone_owed=owed)
    except DeskError:
        # Fail closed: a guard the keyring did not keep could be reset with the store.
        record_event(desk, event, success=False, resource=resource, detail=f"{how}: no guard")
        raise
    if rebuild:
        record_event(desk, Event.CREDENTIAL_CHANGE, resource="totp", detail=REBUILT)
    detail = how if check.ok else f"{how}: {check.outcome.value}"
    record_event(desk, event, success=check.ok, resource=resource, detail=detail)
    return check
