"""`agentdesk encrypt` (issue 16): a profile's plain store becomes an SQLCipher one.

Only the profile's own store, which agentdesk made and may rewrite: a file given with --db
is the user's and is never moved or rewritten. The key goes into the keyring first (where
every encrypted store's key lives, security/db_key.py), so a swapped-in copy always has a key
to open it; then store/encrypt_file.py exports, verifies and swaps. The conversion is a
security event: a `credential_change` row (resource "database key": a new key now guards the
store) in the profile's audit trail, written into the encrypted store it made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agentdesk.config import Settings, profile_paths
from agentdesk.core.errors import AgentdeskError, BadInput
from agentdesk.store.encrypt_file import Step

log = logging.getLogger("agentdesk.audit")

AUDIT_RESOURCE = "database key"


@dataclass(frozen=True)
class EncryptResult:
    path: Path
    tables: int
    rows: int
    left_plain: tuple[Path, ...]
    """Damaged stores set aside earlier (`.unusable-*`): plain, and not ours to judge."""


def own_store(settings: Settings) -> bool:
    """Whether db_path is the profile's own store (not a file the user gave with --db)."""
    _, own_db, _ = profile_paths(settings.profile)
    return Path(settings.db_path).expanduser().resolve() == own_db.resolve()


def _system_clock() -> datetime:
    return datetime.now(UTC)


def encrypt_store(
    settings: Settings,
    *,
    step: Step | None = None,
    clock: Callable[[], datetime] = _system_clock,
) -> EncryptResult:
    """Encrypt the profile's plain store; BadInput/DeskError say why not, changing nothing."""
    from agentdesk.security.db_key import file_state, forget_cached, key_for_conversion
    from agentdesk.store.encrypt_file import encrypt_file

    path = Path(settings.db_path).expanduser()
    if settings.demo:
        raise BadInput("a demo profile is thrown away when agentdesk exits; nothing to encrypt")
    if not own_store(settings):
        raise BadInput(
            f"{path} is a file you gave (--db), not the profile's own store: agentdesk never "
            "moves or rewrites your files. Encrypt a copy yourself with SQLCipher's "
            "sqlcipher_export, or run `agentdesk encrypt` without --db for the profile's store"
        )
    if settings.encrypt == "off":
        raise BadInput(
            f"{settings.config_path}: [security] encrypt = false keeps this profile plain; set "
            "it to true (or remove the line), then run `agentdesk encrypt` again"
        )
    state = file_state(path)
    if state == "new":
        raise BadInput(
            f"{path} does not exist yet: the profile's first start makes it encrypted "
            "(with a usable keyring); nothing to convert"
        )
    if state == "sealed":
        raise BadInput(f"{path} is encrypted already; nothing was changed")
    if state == "other":
        raise BadInput(f"{path} is not an SQLite database; nothing was changed")
    key = key_for_conversion(settings)  # in the keyring before the copy exists
    done = encrypt_file(path, key, step=step)
    forget_cached(settings.profile)  # the next open reads the key, not "plain"
    left = tuple(sorted(path.parent.glob(path.name + ".unusable-*")))
    _audit(settings, clock, f"store encrypted (SQLCipher): {done.tables} tables, {done.rows} rows")
    return EncryptResult(path, done.tables, done.rows, left)


def _audit(settings: Settings, clock: Callable[[], datetime], detail: str) -> None:
    """The security audit row, through the narrow writer on the store just encrypted. The
    store is encrypted already: a busy one keeps the event in the log (record_event says)."""
    from agentdesk.desk.audit_trail import Event, record_event
    from agentdesk.desk.security_desk import open_security_desk

    try:
        desk = open_security_desk(settings, clock)
    except AgentdeskError:
        log.warning(
            "audit credential_change ok (NOT in the database: it cannot be opened) %s %s",
            AUDIT_RESOURCE,
            detail,
        )
        return
    try:
        record_event(
            desk, Event.CREDENTIAL_CHANGE, resource=AUDIT_RESOURCE, detail=detail, required=False
        )
    finally:
        desk.store.close()
