"""The Desk: who is working, on which store, at what time, and whether writes are allowed."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from agentdesk.core.errors import BUSY, AgentdeskError, Busy, DeskError, ReadOnly
from agentdesk.core.ticket import Tier

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.session import Session
    from agentdesk.store.engine import Store

Clock = Callable[[], datetime]

__all__ = ["BUSY", "Actor", "Clock", "Desk"]


@dataclass(frozen=True)
class Actor:
    """Who the audit trail, messages and macro undo name."""

    handle: str
    name: str
    agent_id: int | None
    tier: Tier | None


class OpenedFirst:
    """Tickets the agent opened while their conversation was still owed by a first sync:
    the sync reads those before the others (sync/rt/conversations.py). Added to by the
    ticket's read in one worker, read by the sync in another."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def add(self, ticket_id: int) -> None:
        with self._lock:
            self._ids.add(ticket_id)

    def __call__(self) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._ids)


class Desk:
    """One agent's (or a supervisor's) working context; desk functions take it first."""

    def __init__(self, session: Session, clock: Clock, *, read_only: bool = False) -> None:
        self.session = session
        self.clock = clock
        self.read_only = read_only
        self.opened_first = OpenedFirst()

    @property
    def store(self) -> Store:
        return self.session.store

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def actor(self) -> Actor:
        agent = self.session.agent
        if agent is not None:
            return Actor(agent.handle, agent.name, agent.id, agent.tier)
        handle = self.session.actor
        return Actor(handle, handle, None, None)

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def writing(self, doing: str) -> Iterator[None]:
        """Around every write of a desk function: refuses in read-only mode, and turns the
        store's failures into a DeskError the agent can read. doing: 'assign the ticket'."""
        if self.read_only:
            raise ReadOnly(doing)
        with _store_failures():
            yield

    @contextmanager
    def reading(self) -> Iterator[None]:
        with _store_failures():
            yield


@contextmanager
def _store_failures() -> Iterator[None]:
    try:
        yield
    except AgentdeskError:
        raise
    except sqlite3.OperationalError as error:
        raise _desk_error(error) from error
    except Exception as error:
        # SQLAlchemy wraps sqlite3's errors; imported only when one happens.
        from sqlalchemy.exc import OperationalError

        if isinstance(error, OperationalError):
            raise _desk_error(error.orig or error) from error
        # An encrypted store's raw driver (issue 16): loaded only if a store is encrypted.
        sqlcipher = sys.modules.get("sqlcipher3.dbapi2")
        if sqlcipher is not None and isinstance(error, sqlcipher.OperationalError):
            raise _desk_error(error) from error
        raise


def _desk_error(error: BaseException) -> DeskError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return Busy()
    if "readonly" in text or "read-only" in text:
        return DeskError("the database cannot be written (read-only file or folder)")
    return DeskError(f"the database failed: {error}")
