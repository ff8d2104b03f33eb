"""UI test fixtures: a fixed, steppable clock and a fresh copy of a 300-ticket demo store."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agentdesk.config import Settings, demo_settings
from tests.conftest import FIXED_NOW

DEMO_TICKETS = 300
DEMO_SEED = 7


class SteppedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the demo store once; each test gets its own copy of the file."""
    from agentdesk.session import open_session

    folder = tmp_path_factory.mktemp("demo-template")
    session = open_session(demo_settings(folder, tickets=DEMO_TICKETS, seed=DEMO_SEED), FIXED_NOW)
    session.store.close()
    return folder / "agentdesk.db"


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Settings:
    """demo_settings() on a fresh tmp database that already holds the demo tickets."""
    for companion in demo_template.parent.glob(demo_template.name + "*"):
        shutil.copyfile(companion, tmp_path / companion.name)
    # The demo verifiers were hashed with this key (no keyring here: the owner-only file).
    key = demo_template.parent / "verifier.key"
    if key.exists():
        shutil.copyfile(key, tmp_path / key.name)
    return demo_settings(tmp_path, tickets=DEMO_TICKETS, seed=DEMO_SEED)


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()
