"""The one family of errors agentdesk raises on purpose.

Every error of ours is written for the agent to read: a front end shows str(error) as it is,
and names the type only for what is not an AgentdeskError (a bug). Three kinds:

- Refused: the SOP (or the agent's role) does not allow it; `missing` names what is missing,
  the most blocking first.
- BadInput: a file, a setting or a value typed in is not what it must be; the message says
  which and where (file:line where there is one).
- DeskError: the store or the remote failed; the message says what to do.
"""

from __future__ import annotations

BUSY = "the database is busy (another agentdesk or sync is writing); try again"
"""What every front end says when SQLite is locked by another writer (not damage)."""


class AgentdeskError(Exception):
    """Root of every error agentdesk raises on purpose; its text is for the agent."""


class Refused(AgentdeskError):
    """What the SOP does not allow, with what is missing (most blocking first)."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


class BadInput(AgentdeskError):
    """A file, setting or typed value that is not what it must be."""


class DeskError(AgentdeskError):
    """The store or the remote failed; nothing was lost, the message says what to do."""


class Busy(DeskError):
    """SQLite is locked by another writer: not damage; nothing was changed, try again."""

    def __init__(self, message: str = BUSY) -> None:
        super().__init__(message)


class ReadOnly(Refused):
    """A write asked of a read-only desk (supervisor monitoring mode)."""

    def __init__(self, doing: str) -> None:
        super().__init__(f"monitoring mode is read-only: cannot {doing}")


def agent_message(error: BaseException) -> str:
    """What a front end shows for an error: ours as written, anything else with its type."""
    if isinstance(error, AgentdeskError):
        return str(error)
    return f"Unexpected error: {type(error).__name__}: {error}"
