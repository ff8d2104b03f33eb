"""The per-profile key the verifier hashes are made with.

Issue 16: secrets live only in the system keyring, so a copy of the SQLite file alone cannot
be brute-forced. A real profile without a usable keyring (a headless or SSH session on
keyring's fail or null backend) is refused with what to do, like every other secret; the
verification wizard shows that message and records nothing.

A demo profile keeps its key in an owner-only file beside its database: its customers and
answers are made up, the folder is thrown away on exit (or kept with --demo --db, whose
stored hashes must still match at the next run, which an in-memory key would not), and a
demo must run anywhere without a keyring and never write into the agent's real one.

An owner-only verifier.key left beside a real profile's database by an earlier agentdesk
(the design before issue 16) is moved into the keyring once one is usable, then removed.
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
    """The key cannot be had or read; the message says where and what to do."""


@dataclass(frozen=True)
class VerifierKey:
    key: bytes
    held_in: str  # "keyring" or the path of a demo profile's file

    def __repr__(self) -> str:
        return f"VerifierKey(held_in={self.held_in!r})"  # never the key itself


def account(profile: str) -> str:
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


def _no_keyring(problem: str, old_file: Path | None) -> VerifierKeyError:
    from agentdesk.security.keyring_access import WHAT_TO_DO

    kept = (
        f" The key an earlier agentdesk kept in {old_file} is moved into the keyring (and "
        "the file removed) at the first start with one."
        if old_file is not None
        else ""
    )
    return VerifierKeyError(
        f"Cannot verify a customer here: the verifier key lives only in the system keyring, "
        f"and {problem}. To fix it: {WHAT_TO_DO}.{kept} Nothing was recorded."
    )


def _from_keyring(profile: str, old_file: Path) -> VerifierKey:
    from agentdesk.security.keyring_access import (
        KeyringUnavailable,
        get_secret,
        keyring_problem,
        set_secret,
    )

    left = old_file if old_file.is_file() else None
    problem = keyring_problem()
    if problem is not None:
        raise _no_keyring(problem, left)
    try:
        stored = get_secret(account(profile), "read the verifier key")
        if left is not None:
            return _move_in(profile, left, stored)
        if stored is not None:
            return VerifierKey(_decode(stored, "the system keyring"), "keyring")
        key = secrets.token_bytes(KEY_BYTES)
        set_secret(account(profile), base64.b64encode(key).decode(), "save the verifier key")
    except KeyringUnavailable as error:  # locked, refusing or hanging: its own what-to-do
        raise VerifierKeyError(str(error)) from None
    return VerifierKey(key, "keyring")


def _move_in(profile: str, old_file: Path, stored: str | None) -> VerifierKey:
    """An earlier agentdesk's key file: into the keyring (read back), then removed. It made
    the hashes beside it, so a different key already in the keyring is a question for the
    agent, not something to overwrite."""
    from agentdesk.security.keyring_access import get_secret, set_secret

    key = _decode(old_file.read_text(), str(old_file))
    text = base64.b64encode(key).decode()
    if stored is not None and _decode(stored, "the system keyring") != key:
        raise VerifierKeyError(
            f"The system keyring and {old_file} (from an earlier agentdesk) hold different "
            "verifier keys, and the file's made this database's hashes. Remove the keyring's "
            f"entry {SERVICE}/{account(profile)} to move the file's key in, or remove the "
            "file if its database's verifiers will be synced or set again. Nothing was changed."
        )
    if stored is None:
        set_secret(account(profile), text, "move the verifier key into the keyring")
        if get_secret(account(profile), "read the verifier key back") != text:
            raise VerifierKeyError(
                f"the keyring did not keep the verifier key; it stays in {old_file} for now"
            )
    old_file.unlink()
    return VerifierKey(key, "keyring")


def _demo_file(path: Path) -> VerifierKey:
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


def verifier_key(profile: str, key_file: Path, *, demo: bool = False) -> VerifierKey:
    """The profile's key, made on first use: a demo profile's in key_file, a real one's in
    the keyring only (key_file: where an earlier agentdesk may have left it)."""
    if demo:
        return _demo_file(key_file)
    return _from_keyring(profile, key_file)
