"""Where a desk's security writes go (issue 16): the second factor's state and the security
audit trail.

A working desk writes them into its own store. A read-only desk (monitoring mode, issue 15)
cannot, so they go through a narrow writer on the profile's OWN store
(store/security_store.py: SQLite's authorizer refuses every other table). With --db the desk
reads another agentdesk's store; the supervisor's sign-in and views are still recorded in
the supervisor profile's own store, never in the watched one.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.desk.base import Clock, Desk

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.store.engine import Store

_opened: weakref.WeakKeyDictionary[Desk, Store] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def own_settings(settings: Settings) -> Settings:
    """The profile's own store: with --db another agentdesk's file is watched, but the
    profile's security state lives in its own database."""
    if not settings.watching_other_store:
        return settings
    from agentdesk.config import profile_paths

    return replace(settings, db_path=profile_paths(settings.profile)[1], watching_other_store=False)


def _open(settings: Settings) -> Store:
    from agentdesk.security.db_key import database_key
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.security_store import open_security_store

    own = own_settings(settings)
    return open_security_store(
        Path(own.db_path).expanduser(), load_sla_policy(), key=database_key(own)
    )


def security_store(desk: Desk) -> Store:
    """The store a desk's sign-in state and security events are written to."""
    if not desk.read_only:
        return desk.store
    with _lock:
        store = _opened.get(desk)
        if store is None:
            with desk.reading():
                store = _open(desk.settings)
            _opened[desk] = store
        return store


def close_security_store(desk: Desk) -> None:
    with _lock:
        store = _opened.pop(desk, None)
    if store is not None:
        store.close()


def open_security_desk(settings: Settings, clock: Clock) -> Desk:
    """A desk that can do nothing but sign in and audit (the CLI's gate): the narrow writer
    on the profile's own store, and the agent it names."""
    from agentdesk.macro_files import MacroCatalog
    from agentdesk.session import Session
    from agentdesk.store.queries import agent_by_handle

    own = own_settings(settings)
    desk = Desk(Session(own, _open(own), None, MacroCatalog(())), clock)
    if own.agent_handle:
        with desk.reading(), desk.store.read() as connection:
            desk.session.agent = agent_by_handle(connection, own.agent_handle)
    return desk
