"""`agentdesk purge` (issue 16): wipe a profile's local data (the database with its WAL and
shm, where drafts, attachments and the audit trail live; the verifier key file; the cache).

Only the profile's own folders, never a file the user named (--db). Unsent outbox work is
named op by op before anything goes; it is lost only when the caller forces it.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from agentdesk.config import Settings, profile_paths
from agentdesk.core.errors import BadInput
from agentdesk.security.db_key import database_key, forget_cached
from agentdesk.store.connect import connect_file, db_errors

log = logging.getLogger("agentdesk.audit")


@dataclass(frozen=True)
class UnsentOp:
    op_id: int
    ticket_id: int
    remote_id: str | None
    op: str
    state: str


@dataclass(frozen=True)
class PurgePlan:
    profile: str
    files: tuple[Path, ...]
    folders: tuple[Path, ...]
    unsent: tuple[UnsentOp, ...]

    def lost(self) -> list[str]:
        """What a forced purge loses, one line per unsent op."""
        lines = []
        for op in self.unsent:
            where = f"ticket {op.ticket_id}" + (f" (RT #{op.remote_id})" if op.remote_id else "")
            lines.append(f"outbox op {op.op_id}: {op.op} on {where}, {op.state}")
        return lines


def _unsent(db: Path, key: bytes | None) -> tuple[UnsentOp, ...]:
    if not db.exists():
        return ()
    # Read-only, no engine: purge must not migrate or write what it wipes.
    try:
        connection = connect_file(f"file:{quote(str(db))}?mode=ro", key, uri=True)
    except db_errors(key) as error:
        raise BadInput(f"{db} cannot be read to look for unsent work: {error}") from error
    try:
        rows = connection.execute(
            "SELECT o.id, o.ticket_id, t.remote_id, o.op, o.state FROM outbox o "
            "LEFT JOIN tickets t ON t.id = o.ticket_id WHERE o.state != 'done' ORDER BY o.id"
        ).fetchall()
    except db_errors(key) as error:
        if "no such table" in str(error):
            return ()
        raise BadInput(f"{db} cannot be read to look for unsent work: {error}") from error
    finally:
        connection.close()
    return tuple(UnsentOp(*row) for row in rows)


def plan_purge(settings: Settings) -> PurgePlan:
    if settings.demo:
        raise BadInput("a demo profile is thrown away when agentdesk exits; nothing to purge")
    _, own_db, own_cache = profile_paths(settings.profile)
    if Path(settings.db_path).resolve() != own_db.resolve():
        raise BadInput(
            f"purge wipes only the profile's own data, not a file you gave ({settings.db_path}); "
            "delete that file yourself if you mean to"
        )
    # First: reading the outbox can leave a -wal/-shm behind, which the list must then name.
    unsent = _unsent(own_db, database_key(settings))
    # ".encrypting": a copy `agentdesk encrypt` was making when it was stopped (issue 16).
    suffixes = ("", "-wal", "-shm", "-journal", ".encrypting", ".encrypting-journal")
    files = [own_db.with_name(own_db.name + suffix) for suffix in suffixes]
    files.append(own_db.parent / "verifier.key")
    # Damaged stores set aside by the engine hold the same data.
    files.extend(sorted(own_db.parent.glob(own_db.name + ".unusable-*")))
    return PurgePlan(
        profile=settings.profile,
        files=tuple(path for path in files if path.exists()),
        folders=tuple(path for path in (own_cache,) if path.exists()),
        unsent=unsent,
    )


def run_purge(plan: PurgePlan, *, force: bool) -> list[Path]:
    """Delete what the plan names; refused while unsent work exists unless forced."""
    if plan.unsent and not force:
        raise BadInput(
            f"{len(plan.unsent)} outbox op(s) are not sent yet; run `agentdesk sync --once` "
            "first, or purge --force to lose them"
        )
    removed: list[Path] = []
    for path in plan.files:
        path.unlink(missing_ok=True)
        removed.append(path)
    for folder in plan.folders:
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    _forget_keyring_secrets(plan.profile)
    # The audit trail went with the database: the purge itself is kept in the log, which
    # lives outside the profile's data.
    log.warning(
        "audit purge ok: profile %s, %d path(s) removed, %d unsent outbox op(s) lost%s",
        plan.profile,
        len(removed),
        len(plan.unsent),
        "".join(f"; {line}" for line in plan.lost()),
    )
    return removed


def profile_keyring_accounts(profile: str) -> tuple[str, ...]:
    """Every keyring entry of the profile that purge removes: the sign-in secret, the
    recovery codes' hashes, the sign-in guard (wrong codes, lockout, last step, a new phone
    owed), the verifier key and the database key. The helpdesk token (`<profile>@<url>`)
    and the SMTP password are the agent's credentials, not local data: they stay, so the
    agent can sync again after a purge."""
    from agentdesk.desk.sign_in import recovery_account, secret_account
    from agentdesk.security import db_key, verifier_key
    from agentdesk.security.totp_guard import guard_account

    return (
        secret_account(profile),
        recovery_account(profile),
        guard_account(profile),
        verifier_key.account(profile),
        db_key.account(profile),
    )


def _forget_keyring_secrets(profile: str) -> None:
    from agentdesk.security.keyring_access import KeyringUnavailable, delete_secret

    forget_cached(profile)
    for account in profile_keyring_accounts(profile):
        with contextlib.suppress(KeyringUnavailable):  # no keyring: nothing of ours in one
            delete_secret(account, "remove the profile's secrets", timeout=5.0)
