"""Sign-in with the second factor (issue 16): enrolment on a profile's first start, the code
at every start and at every unlock. Blocking (SQLite, keyring): a UI calls these in a worker.

The secret is in the keyring (security/keyring_access.py, which refuses a keyring that cannot
keep it); the state that stops replays and guessing is in the store (store/totp_state.py): the
desk's own, or for a read-only desk the profile's own through the narrow security writer
(desk/security_desk.py), so a supervisor signs in like an agent.
Every attempt is an audit row. The enrolment's URI and codes are never logged or stored.
"""

from __future__ import annotations

from enum import StrEnum

from agentdesk.core.errors import DeskError
from agentdesk.desk.audit_trail import Event, record_event
from agentdesk.desk.base import Desk
from agentdesk.desk.security_desk import security_store
from agentdesk.security import totp


class Gate(StrEnum):
    ENROL = "enrol"
    CODE = "code"


class SecretMissing(DeskError):
    """Enrolled, but the keyring no longer holds the secret (a new keyring, a wiped one)."""


def _account(desk: Desk) -> str:
    return desk.settings.profile


def secret_account(profile: str) -> str:
    """The keyring entry of a profile's TOTP secret."""
    return f"totp/{profile}"


def _secret_account(desk: Desk) -> str:
    return secret_account(desk.settings.profile)


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
    """What this start asks: an enrolment (never enrolled) or the current code."""
    from agentdesk.store.totp_state import read_totp_state

    with desk.reading(), security_store(desk).read() as connection:
        state = read_totp_state(connection, _account(desk))
    return Gate.ENROL if state is None else Gate.CODE


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

    check = totp.confirm_enrolment(enrolment, typed, desk.now())
    if not check.ok:
        record_event(desk, Event.ENROL, success=False, detail="first code did not match")
        return check
    set_secret(_secret_account(desk), enrolment.secret, "save the sign-in secret")
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
    if state is None:
        raise DeskError("this profile has not enrolled a sign-in code yet; restart agentdesk")
    now = desk.now()
    if totp.looks_like_recovery_code(typed):
        check = totp.use_recovery_code(state, typed, now)
        how = "recovery code"
    else:
        secret = get_secret(_secret_account(desk), "read the sign-in secret")
        if secret is not None:
            from agentdesk.security.masking import never_log

            never_log(secret)
        if secret is None:
            raise SecretMissing(
                "the keyring no longer holds this profile's sign-in secret: type one of your "
                "recovery codes, then enrol your phone again"
            )
        check = totp.check_code(secret, state, typed, now)
        how = "code"
    with desk.reading(), security_store(desk).write() as connection:
        save_totp_state(connection, _account(desk), check.state)
    detail = how if check.ok else f"{how}: {check.outcome.value}"
    record_event(desk, event, success=check.ok, resource=resource, detail=detail)
    return check
