"""Opening a workspace: the blocking start-up work a UI runs in a worker thread.

No Textual here; the heavy imports (SQLAlchemy, SQLModel) happen on the first call, so the
first frame does not wait for them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from agentdesk.config import Settings
from agentdesk.core.quality import QualityPolicy
from agentdesk.core.verification import VerificationPolicy
from agentdesk.store.rows import AgentRow

if TYPE_CHECKING:
    from agentdesk.macro_files import MacroCatalog
    from agentdesk.security.verifier_key import VerifierKey
    from agentdesk.store.engine import Store


@dataclass
class Session:
    settings: Settings
    store: Store
    agent: AgentRow | None
    # The shipped macros and the team's folder (macro_folder; None: shipped only); read on
    # first use, re-read when files change. Made on first use too: the queue's first rows
    # do not need the macro model and its parser (issue 17).
    catalog: MacroCatalog | None = None
    macro_folder: Path | None = None
    _catalog_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def macros(self) -> MacroCatalog:
        with self._catalog_lock:  # workers of any thread ask; one catalog for all
            if self.catalog is None:
                from agentdesk.macro_files import MacroCatalog, macro_folders

                self.catalog = MacroCatalog(macro_folders(self.macro_folder))
            return self.catalog

    @property
    def actor(self) -> str:
        """Who audit rows and macro undo name: the agent's handle."""
        return self.agent.handle if self.agent else (self.settings.agent_handle or "local")


def verifier_key_for(settings: Settings) -> VerifierKey:
    """The profile's verifier key: the keyring's; a demo profile's owner-only file."""
    from agentdesk.security.verifier_key import verifier_key

    key_file = settings.db_path.parent / "verifier.key"
    return verifier_key(settings.profile, key_file, demo=settings.demo)


def open_session(
    settings: Settings,
    now: datetime,
    *,
    quick_check: bool = True,
    start_of_day: bool = True,
    interactive: bool = False,
    read_only: bool = False,
    sweep_copies: bool = True,
) -> Session:
    """Open the profile's store (migrating it) and find the agent; with start_of_day, also
    fill a demo profile, record breaches and run the auto-close quality check.

    quick_check=False: the caller runs store.engine.check_store() later (the TUI does, once
    the queue is on screen). start_of_day=False: no writes beyond the migration (a
    read-only desk, `agentdesk sync`). interactive (the TUI): a write waits at most
    INTERACTIVE_BUSY_TIMEOUT_MS for another writer, so a key is answered "busy" quickly.
    read_only (monitoring mode): the store is opened mode=ro + query_only, never migrated,
    and nothing of the start of day runs. sweep_copies=False: the caller sweeps the opened
    attachment copies a crash left behind itself (the TUI, in a worker of its own: the sweep
    imports desk.attachments and the change model behind it, which the first rows do not need).
    """
    from agentdesk.security.db_key import database_key
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import INTERACTIVE_BUSY_TIMEOUT_MS, open_store, open_store_read_only
    from agentdesk.store.queries import agent_by_handle

    if sweep_copies:
        from agentdesk.desk.attachments import sweep_opened_copies

        sweep_opened_copies(settings.cache_dir)  # issue 16: copies a crash left behind
    busy_ms = INTERACTIVE_BUSY_TIMEOUT_MS if interactive else None
    key = database_key(settings)  # issue 16: None for a plain store
    if read_only:
        store = open_store_read_only(
            settings.db_path, load_sla_policy(), busy_timeout_ms=busy_ms, key=key
        )
        start_of_day = False
    else:
        store = open_store(
            settings.db_path,
            load_sla_policy(),
            quick_check=quick_check,
            busy_timeout_ms=busy_ms,
            key=key,
        )
    store.verification = VerificationPolicy(
        max_attempts=settings.verify_max_attempts,
        valid_for=timedelta(minutes=settings.verify_valid_minutes),
        before_reply=settings.verify_before_reply,
    )
    store.quality = QualityPolicy(on_resolve=settings.quality_on_resolve)
    if start_of_day:
        _start_of_day(settings, store, now)
    agent = None
    if settings.agent_handle:
        with store.read() as connection:
            agent = agent_by_handle(connection, settings.agent_handle)
    return Session(
        settings=settings,
        store=store,
        agent=agent,
        macro_folder=settings.macro_folder,
    )


def _start_of_day(settings: Settings, store: Store, now: datetime) -> None:
    """The writes of a working session's start: demo data, breaches, the auto-close."""
    from agentdesk.shipped import load_taxonomy
    from agentdesk.store.auto_close import run_auto_close
    from agentdesk.store.writes import record_breaches

    if settings.demo and settings.demo_tickets:
        from sqlalchemy import text

        with store.read() as connection:
            empty = connection.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 0
        if empty:
            from agentdesk.demo import generate_demo

            generate_demo(store, tickets=settings.demo_tickets, seed=settings.demo_seed, now=now)
        from agentdesk.demo import add_demo_verifiers

        add_demo_verifiers(store, verifier_key_for(settings).key)
    record_breaches(store, now)
    # Resolved tickets whose 48-hour window ended while agentdesk was not running.
    run_auto_close(store, now, load_taxonomy())
