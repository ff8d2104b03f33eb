"""The per-profile key the verifier hashes are made with.

Kept in the system keyring, so a copy of the SQLite file alone cannot be brute-forced. A
headless machine often has no keyring (no Secret Service over SSH); then the key lives in a
file next to the profile's data, readable by its owner only, and the caller is told so.
keyring is imported on first use: it costs ~0.2 s and the first frame must not wait for it.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from agentdesk.core.errors import DeskError

SERVICE = "agentdesk"
KEY_BYTES = 32


class VerifierKeyError(DeskError):
    """The key exists but cannot be read; the message says where and what to do."""


@dataclass(frozen=True)
class VerifierKey:
    key: bytes
    held_in: str  # "keyring" or the path of the fallback file

    def __repr__(self) -> str:
        return f"VerifierKey(held_in={self.held_in!r})"  # never the key itself


def _account(profile: str) -> str:
    return f"verifier-key/{profile}"


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) < KEY_BYTES:
        raise VerifierKeyError(
            f"The verifier key in {where} is damaged. Without it, stored verifiers cannot be "
            "checked: restore it from a backup, or remove it to start again (every customer's "
            "verifiers must then be synced or set again)."
        )
    return key


def _keyring_usable() -> bool:
    from agentdesk.security.keyring_access import keyring_problem

    return keyring_problem() is None


def _from_keyring(profile: str) -> VerifierKey | None:
    from agentdesk.security.keyring_access import KeyringUnavailable, get_secret, set_secret

    try:
        stored = get_secret(_account(profile), "read the verifier key")
        if stored is not None:
            return VerifierKey(_decode(stored, "the system keyring"), "keyring")
        key = secrets.token_bytes(KEY_BYTES)
        set_secret(_account(profile), base64.b64encode(key).decode(), "save the verifier key")
    except KeyringUnavailable:
        return None  # locked, refusing or hanging: the file below keeps the profile working
    return VerifierKey(key, "keyring")


def _from_file(path: Path) -> VerifierKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        # O_EXCL: two processes starting at once must not each write their own key.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return VerifierKey(_decode(path.read_text(), str(path)), str(path))
    with os.fdopen(handle, "w") as out:
        out.write(base64.b64encode(key).decode() + "\n")
        out.flush()
        os.fsync(out.fileno())
    return VerifierKey(key, str(path))


def verifier_key(profile: str, fallback_file: Path) -> VerifierKey:
    """The profile's key, made on first use. A key already in the fallback file wins, so
    a keyring that appears later does not orphan the hashes made with the file's key."""
    if fallback_file.exists():
        return _from_file(fallback_file)
    if _keyring_usable():
        found = _from_keyring(profile)
        if found is not None:
            return found
    return _from_file(fallback_file)
