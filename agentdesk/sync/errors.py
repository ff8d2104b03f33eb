"""What a remote helpdesk can do to a sync run, in words every backend shares.

An adapter's client raises these; the engine (sync/engine.py) turns them into the state the
header shows: Unauthorized pauses, the network ones mean offline, Rejected parks one op.
"""

from __future__ import annotations

from agentdesk.core.errors import BadInput, DeskError


class SyncError(DeskError):
    """Base of what the remote side can do to a sync run."""


class Unauthorized(SyncError):
    """401: the token is wrong or revoked. Sync pauses until the agent fixes it."""


class Offline(SyncError):
    """The circuit breaker is open: too many failures in a row."""


class Unreachable(SyncError):
    """The request never reached the server (connect failed): safe to send again."""


class Ambiguous(SyncError):
    """The request may or may not have been applied (read timeout, reset, 502/504, 500)."""


class BadAnswer(SyncError):
    """The server answered, but not with what a helpdesk sends (not JSON, or JSON of the
    wrong shape): a captive portal, a misconfigured proxy, a cut body. Nothing is believed;
    the run ends offline and the outbox is kept."""


class RateLimited(SyncError):
    def __init__(self, status: int, delay: float | None) -> None:
        super().__init__(f"HTTP {status}, retry after {delay} s")
        self.status = status
        self.delay = delay


class Rejected(SyncError):
    """A 4xx the op itself caused (400, 404, 409, 422, ...): park the op, show the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class BadRecord(BadInput, ValueError):
    """A record from the server that cannot be stored; the message says which field and why."""


class SyncSettingsError(BadInput, ValueError):
    """A [sync] setting that cannot be used; the message names the key and the file."""
