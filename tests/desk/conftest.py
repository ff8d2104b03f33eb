"""Desk fixtures: a Desk for Amara Okafor (L1) on a fresh temp SQLite store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from agentdesk.config import Settings
from agentdesk.core.ticket import Tier
from agentdesk.desk import Desk
from agentdesk.session import Session
from agentdesk.store.engine import Store
from agentdesk.store.rows import AgentRow
from tests.store.factory import add_people

AMARA = AgentRow(1, "amara.okafor", "Amara Okafor", Tier.L1)


def make_desk(
    store: Store, now: datetime, *, agent: AgentRow | None = AMARA, read_only: bool = False
) -> Desk:
    settings = Settings(
        profile="test",
        config_path=None,
        db_path=store.path,
        cache_dir=Path(store.path).parent / "cache",
        agent_handle=agent.handle if agent else "",
    )
    return Desk(Session(settings, store, agent), lambda: now, read_only=read_only)


@pytest.fixture
def desk(store: Store, now: datetime) -> Desk:
    add_people(store, now)
    return make_desk(store, now)
