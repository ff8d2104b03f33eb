"""The helpdesk token: from AGENTDESK_RT_TOKEN (headless) or the OS keyring. Never on disk here.

keyring is imported only when a token is needed: the TUI's first frame must not wait for it.
"""

from __future__ import annotations

import os

from agentdesk.core.errors import DeskError

ENV_TOKEN = "AGENTDESK_RT_TOKEN"
_SERVICE = "agentdesk"


class CredentialError(DeskError, RuntimeError):
    """No usable token; the message says how to give one."""


def _account(profile: str, url: str) -> str:
    return f"{profile}@{url}"


def get_token(profile: str, url: str) -> str:
    from agentdesk.security.masking import never_log

    token = os.environ.get(ENV_TOKEN, "").strip()
    if token:
        never_log(token)
        return token
    from agentdesk.security.keyring_access import KeyringUnavailable, get_secret

    try:
        stored = get_secret(_account(profile, url), "read the RT token from the keyring")
    except KeyringUnavailable as error:
        raise CredentialError(f"{error} (or set {ENV_TOKEN} to the RT token)") from None
    if not stored:
        raise CredentialError(
            f"no RT token for profile {profile!r} and {url}: run `agentdesk connect rt {url}` "
            f"or set {ENV_TOKEN}"
        )
    never_log(str(stored))
    return str(stored)


def save_token(profile: str, url: str, token: str) -> None:
    """Refused where no usable keyring is (never a plaintext file): the message says what to do."""
    from agentdesk.security.keyring_access import KeyringUnavailable, set_secret

    try:
        set_secret(_account(profile, url), token, "save the RT token")
    except KeyringUnavailable as error:
        raise CredentialError(str(error)) from None
