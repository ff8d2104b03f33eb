"""The Request Tracker 5 adapter (REST2): client, mapping, push, pull, history, settings.

A new helpdesk is a folder beside this one; the generic engine is in sync/ itself.
RtBackend loads on first use: `agentdesk.sync.rt.settings` stays light (no SQLAlchemy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentdesk.sync.rt.backend import RtBackend

__all__ = ["RtBackend"]


def __getattr__(name: str) -> Any:
    if name == "RtBackend":
        from agentdesk.sync.rt.backend import RtBackend

        return RtBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
