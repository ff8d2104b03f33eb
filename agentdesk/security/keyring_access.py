"""Every keyring call of agentdesk goes through here: a worker with a timeout, and a refusal
(with what to do) where no usable keyring is.

A headless Linux or SSH session without a Secret Service resolves to keyring's fail backend
(every call raises) or, when configured, the null backend (stores nothing and says nothing);
a chainer over no backend is the same as nothing. A plaintext file keyring (keyrings.alt) is
refused: a secret in a plaintext file beside the profile is no secret. An encrypted file
keyring (keyrings.cryptfile) is fine: the agent opts in to it with a passphrase.

A Secret Service that waits for the agent to unlock it can block forever, and the UI must
never wait for it: each call runs in a daemon thread and gives up after TIMEOUT_SECONDS.
keyring is imported on first use (it costs ~0.2 s; the first frame must not wait).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from agentdesk.core.errors import DeskError

SERVICE = "agentdesk"
TIMEOUT_SECONDS = 10.0
ENV_TOKEN = "AGENTDESK_RT_TOKEN"

T = TypeVar("T")

WHAT_TO_DO = (
    "unlock your desktop's secret service (GNOME Keyring, KWallet, macOS Keychain, Windows "
    "Credential Manager); or, for the helpdesk token, set the environment variable "
    f"{ENV_TOKEN}; or opt in to an encrypted file keyring: `pip install keyrings.cryptfile` "
    "and set PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring with its "
    "passphrase in KEYRING_CRYPTFILE_PASSWORD (a prompt cannot reach you inside the TUI). "
    "agentdesk never keeps secrets in a plaintext file"
)


class KeyringUnavailable(DeskError):
    """No usable keyring, or it did not answer in time; the message says what to do."""


def _backend_problem(backend: Any) -> str | None:
    """Why this backend cannot hold a secret, or None when it can."""
    from keyring.backends import chainer, fail, null

    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring):
        return "no system keyring was found (keyring's fail backend)"
    if isinstance(backend, null.Keyring):
        return "the keyring is the null backend, which stores nothing"
    if isinstance(backend, chainer.ChainerBackend):
        usable = [b for b in backend.backends if _backend_problem(b) is None]
        if not usable:
            return "the keyring chain holds no usable backend"
        return None
    if "plaintext" in name.lower() or name.startswith("keyrings.alt.file.Plaintext"):
        return f"the keyring is a plaintext file ({name}), which agentdesk refuses"
    return None


def keyring_problem() -> str | None:
    """Why the configured keyring cannot be used (None: it can). Imports keyring."""
    try:
        import keyring
    except ImportError:
        return "the keyring library is not installed"
    try:
        # Finding the backend can itself wait on D-Bus: the same timeout as every call.
        backend = with_timeout(keyring.get_keyring, "find the keyring")
    except KeyringUnavailable as error:
        return str(error).removeprefix("cannot find the keyring: ").split(". To fix it")[0]
    return _backend_problem(backend)


def _unusable(doing: str, problem: str) -> KeyringUnavailable:
    return KeyringUnavailable(f"cannot {doing}: {problem}. To fix it: {WHAT_TO_DO}.")


def with_timeout(call: Callable[[], T], doing: str, timeout: float | None = None) -> T:
    """Run one keyring call in a daemon thread; KeyringUnavailable if it fails or hangs."""
    from keyring.errors import KeyringError

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except KeyringError as error:
            box["error"] = error
        except Exception as error:  # a backend's own failure (D-Bus, a locked collection)
            box["error"] = error

    worker = threading.Thread(target=run, name="keyring", daemon=True)
    worker.start()
    worker.join(TIMEOUT_SECONDS if timeout is None else timeout)
    if worker.is_alive():
        # The thread is left to end by itself: a daemon thread does not hold up the exit.
        raise KeyringUnavailable(
            f"cannot {doing}: the keyring did not answer within "
            f"{TIMEOUT_SECONDS if timeout is None else timeout:g} s (is it waiting to be "
            f"unlocked?). To fix it: {WHAT_TO_DO}."
        )
    if "error" in box:
        error = box["error"]
        raise _unusable(doing, f"the keyring refused ({type(error).__name__})") from None
    return box["value"]  # type: ignore[no-any-return]


def get_secret(account: str, doing: str, timeout: float | None = None) -> str | None:
    """The secret stored for account, or None; KeyringUnavailable when none can be."""
    problem = keyring_problem()
    if problem is not None:
        raise _unusable(doing, problem)
    import keyring

    return with_timeout(lambda: keyring.get_password(SERVICE, account), doing, timeout)


def set_secret(account: str, secret: str, doing: str, timeout: float | None = None) -> None:
    """Store a secret; refused (KeyringUnavailable) unless a usable keyring holds it."""
    problem = keyring_problem()
    if problem is not None:
        raise _unusable(doing, problem)
    import keyring

    with_timeout(lambda: keyring.set_password(SERVICE, account, secret), doing, timeout)


def delete_secret(account: str, doing: str, timeout: float | None = None) -> None:
    problem = keyring_problem()
    if problem is not None:
        raise _unusable(doing, problem)
    import keyring
    from keyring.errors import PasswordDeleteError

    def delete() -> None:
        with contextlib.suppress(PasswordDeleteError):  # nothing stored: already gone
            keyring.delete_password(SERVICE, account)

    with_timeout(delete, doing, timeout)
