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
    token = os.environ.get(ENV_TOKEN, "").strip()
    if token:
        return token
    try:
        import keyring
        from keyring.errors import KeyringError

        stored = keyring.get_password(_SERVICE, _account(profile, url))
    except KeyringError as error:
        raise CredentialError(
            f"the OS keyring cannot be read ({type(error).__name__}); "
            f"set {ENV_TOKEN} to the RT token instead"
        ) from None
    if not stored:
        raise CredentialError(
            f"no RT token for profile {profile!r} and {url}: run `agentdesk connect rt {url}` "
            f"or set {ENV_TOKEN}"
        )
    return str(stored)


def save_token(profile: str, url: str, token: str) -> None:
    try:
        import keyring
        from keyring.errors import KeyringError

        keyring.set_password(_SERVICE, _account(profile, url), token)
    except KeyringError as error:
        raise CredentialError(
            f"the OS keyring cannot store the token ({type(error).__name__}); "
            f"set {ENV_TOKEN} in the environment that runs agentdesk instead"
        ) from None
