"""Plain helpers for the verification and confirmation desk tests: a desk on a real temp
store, a clock the test moves, the factory's two agents as the session knows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agentdesk.config import Settings
from agentdesk.core.ticket import Tier
from agentdesk.desk import Desk
from agentdesk.session import Session
from agentdesk.store.engine import Store
from agentdesk.store.rows import AgentRow
from tests.conftest import FIXED_NOW

# tests/store/factory.py's add_people writes these two.
AMARA = AgentRow(1, "amara.okafor", "Amara Okafor", Tier.L1)
LI = AgentRow(2, "li.wei", "Li Wei", Tier.L2)


@dataclass
class Clock:
    at: datetime = FIXED_NOW

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def desk_for(
    store: Store, clock: Clock, agent: AgentRow | None = AMARA, *, read_only: bool = False
) -> Desk:
    settings = Settings(
        profile="desk-test",
        config_path=None,
        db_path=store.path,
        cache_dir=store.path.parent / "cache",
    )
    return Desk(Session(settings, store, agent), clock, read_only=read_only)


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    with store.read() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def stamp(minutes: int) -> str:
    """The stored form of FIXED_NOW plus some minutes."""
    return (FIXED_NOW + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
