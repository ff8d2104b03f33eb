"""`agentdesk encrypt` (issue 16): a profile's plain store becomes an SQLCipher one.

Only the profile's own store, which agentdesk made and may rewrite: a file given with --db
is the user's and is never moved or rewritten. The key goes into the keyring first (where
every encrypted store's key lives, security/db_key.py), so a swapped-in copy always has a key
to open it; then store/encrypt_file.py exports, verifies and swaps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from agentdesk.config import Settings, profile_paths
from agentdesk.core.errors import BadInput
from agentdesk.store.encrypt_file import Step

log = logging.getLogger("agentdesk.audit")


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


def encrypt_store(settings: Settings, *, step: Step | None = None) -> EncryptResult:
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
    log.warning(
        "audit encrypt ok: profile %s, %s now encrypted (%d tables, %d rows)",
        settings.profile,
        path,
        done.tables,
        done.rows,
    )
    return EncryptResult(path, done.tables, done.rows, left)
