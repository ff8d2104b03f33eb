"""The key a real profile's database is encrypted with (issue 16, SQLCipher at rest).

256 random bits, made when the profile's database is created, kept only in the system
keyring (never in a file: a key beside the file it opens protects nothing). Which stores
are encrypted:
- a demo profile and a test's Settings() (encrypt "off"): plain;
- "auto" (no [security] encrypt in the config): encrypted when a usable keyring can hold the
  key, plain otherwise (a headless CI or SSH session on keyring's fail backend keeps working);
- "on" ([security] encrypt = true): encrypted, and refused where no keyring can hold the key.
An existing file decides for itself: a plain SQLite header opens plain (refused when
encryption is required), anything else needs the key from the keyring.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import secrets
import threading
from pathlib import Path

from agentdesk.config import Settings
from agentdesk.core.errors import DeskError

KEY_BYTES = 32
_SQLITE_HEADER = b"SQLite format 3\x00"
_known: dict[tuple[str, str], bytes | None] = {}  # the peek and the open ask once
_lock = threading.Lock()


class DatabaseKeyError(DeskError):
    """The database key cannot be had; the message says which file and what to do."""


def account(profile: str) -> str:
    return f"db-key/{profile}"


def file_state(path: Path) -> str:
    """ "new" (absent or empty), "plain" (an SQLite header) or "sealed" (anything else)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return "new"
    except OSError:
        return "plain"  # unreadable: the engine's open says why, without a key
    if not head:
        return "new"
    if head == _SQLITE_HEADER:
        return "plain"
    # SQLCipher writes whole pages (512 bytes to 64 KiB, a power of two): a text file or
    # another program's file at --db is "other", and the engine refuses it as before.
    size = path.stat().st_size
    return "sealed" if size >= 512 and size % 512 == 0 else "other"


def database_key(settings: Settings) -> bytes | None:
    """The profile's database key, made and stored on first use; None: the store is plain.
    Raises DatabaseKeyError (or KeyringUnavailable) with what to do."""
    cache_key = (settings.profile, str(settings.db_path))
    with _lock:
        if cache_key in _known:
            return _known[cache_key]
        key = _find(settings)
        _known[cache_key] = key
        return key


def forget_cached(profile: str) -> None:
    """After a purge: the next open makes a new key."""
    with _lock:
        for cached in [k for k in _known if k[0] == profile]:
            del _known[cached]


def _find(settings: Settings) -> bytes | None:
    from agentdesk.security.keyring_access import get_secret, keyring_problem, set_secret

    path = Path(settings.db_path).expanduser()
    state = file_state(path)
    if settings.demo or state == "other":
        return None
    if state == "sealed" and settings.watching_other_store:
        return _watched_key(settings, path)  # the agent's file decides, not our encrypt
    if settings.encrypt == "off" and state != "sealed":
        return None  # an encrypted file stays readable with encrypt = false: its key below
    if state == "plain":
        if settings.encrypt == "on":
            raise DatabaseKeyError(_plain_refused(settings, path))
        return None
    if state == "new":
        problem = keyring_problem()
        if problem is not None:
            if settings.encrypt == "on":
                from agentdesk.security.keyring_access import WHAT_TO_DO

                raise DatabaseKeyError(
                    f"[security] encrypt = true, but the database key for {path} has nowhere "
                    f"safe to live: {problem}. To fix it: {WHAT_TO_DO}; or set "
                    "[security] encrypt = false to keep this profile's database unencrypted"
                )
            return None
        stored = get_secret(account(settings.profile), "read the database key")
        if stored is not None:
            return _decode(stored, path)  # a key kept from before: the new file uses it
        key = secrets.token_bytes(KEY_BYTES)
        set_secret(
            account(settings.profile), base64.b64encode(key).decode(), "save the database key"
        )
        return key
    stored = get_secret(account(settings.profile), f"read the database key for {path}")
    if stored is None:
        raise DatabaseKeyError(
            f"{path} is encrypted (or not a database), and the keyring holds no database key "
            f"for profile {settings.profile!r}. Without its key the local data cannot be read: "
            "move the file away and sync again (the helpdesk still holds the tickets; "
            "unsent outbox work in that file is lost)"
        )
    return _decode(stored, path)


def _decode(text: str, path: Path) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise DatabaseKeyError(
            f"the database key in the keyring for {path} is damaged; the file cannot be "
            "opened without it and was left as it is"
        )
    return key


def _plain_refused(settings: Settings, path: Path) -> str:
    from agentdesk.config import profile_paths

    if path.resolve() == profile_paths(settings.profile)[1].resolve():
        return (
            f"{path} is a plain, unencrypted database and [security] encrypt = true requires "
            "encryption. Run `agentdesk encrypt"
            + ("" if settings.profile == "default" else f" --profile {settings.profile}")
            + "` (with agentdesk closed): it encrypts it in place, its key in the keyring"
        )
    return (
        f"{path} (given with --db) is a plain, unencrypted database and [security] encrypt = "
        "true requires encryption. agentdesk never rewrites a file you gave: use the "
        "profile's own store (no --db), or set [security] encrypt = false for this file"
    )


def key_for_conversion(settings: Settings) -> bytes:
    """`agentdesk encrypt`: the key the plain store is about to be encrypted with, already
    in the keyring (and read back) before any encrypted copy exists."""
    from agentdesk.security.keyring_access import (
        WHAT_TO_DO,
        get_secret,
        keyring_problem,
        set_secret,
    )

    path = Path(settings.db_path).expanduser()
    problem = keyring_problem()
    if problem is not None:
        raise DatabaseKeyError(
            f"cannot encrypt {path}: its key has nowhere safe to live: {problem}. To fix it: "
            f"{WHAT_TO_DO}. Nothing was changed"
        )
    name = account(settings.profile)
    stored = get_secret(name, "read the database key")
    if stored is not None:
        with contextlib.suppress(DatabaseKeyError):  # damaged: the plain file needs none
            return _decode(stored, path)
    key = secrets.token_bytes(KEY_BYTES)
    set_secret(name, base64.b64encode(key).decode(), "save the database key")
    kept = get_secret(name, "read the database key back")
    if kept is None or kept.strip() != base64.b64encode(key).decode():
        raise DatabaseKeyError(
            "the keyring did not keep the database key (a null or read-only keyring?); "
            f"{path} was left plain and unchanged"
        )
    return key


def _watched_key(settings: Settings, path: Path) -> bytes:
    """Monitoring mode's --db on an agent's encrypted store: it opens only with that agent's
    key. On the same login the key of the profile the path belongs to (or the supervisor's
    own) is tried; none that opens it is a clear refusal, never "file is not a database"."""
    from agentdesk.config import profile_paths
    from agentdesk.security.keyring_access import KeyringUnavailable, get_secret, keyring_problem

    _, own_db, _ = profile_paths(settings.profile)
    profiles = own_db.parent.parent
    owners = []
    if path.name == own_db.name and path.parent.parent.resolve() == profiles.resolve():
        owners.append(path.parent.name)  # <data>/profiles/<name>/agentdesk.db
    owners.append(settings.profile)
    why = "no key in your keyring opens it"
    problem = keyring_problem()
    if problem is not None:
        why, owners = problem, []
    for owner in dict.fromkeys(owners):
        try:
            stored = get_secret(account(owner), f"read the database key for {path}")
        except KeyringUnavailable:  # it stopped answering: the same as no key here
            why = "your keyring did not answer"
            break
        if stored is None:
            continue
        with contextlib.suppress(DatabaseKeyError):
            key = _decode(stored, path)
            if _opens(path, key):
                return key
    raise DatabaseKeyError(
        f"{path} is an agent's encrypted store: it opens only with that agent's database "
        f"key, which lives in their keyring ({why}). Monitoring mode reads it only on the "
        "agent's own login (`agentdesk --supervisor --db` there), or run `agentdesk "
        "--supervisor` without --db: the dashboard then reads the team from the helpdesk "
        "into your own store. Nothing was read or changed"
    )


def _opens(path: Path, key: bytes) -> bool:
    from urllib.parse import quote

    from agentdesk.store.connect import connect_file, db_errors

    try:
        connection = connect_file(f"file:{quote(str(path))}?mode=ro", key, uri=True)
    except db_errors(key):
        return False
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except db_errors(key):
        return False
    finally:
        connection.close()
    return True
