"""Shared fixtures: a fixed clock and a fresh store on a real temp SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentdesk.shipped import load_sla_policy

# A Monday afternoon in UTC: business hours in EMEA and the Americas, evening in APAC.
FIXED_NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    """No test touches a real keychain (issue 16): the default is keyring's fail backend,
    set before keyring picks one itself (it would pick a test's in-memory backend class,
    whichever module defined one first); a test that wants a keyring sets its own."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW


@pytest.fixture(scope="session")
def policy():  # type: ignore[no-untyped-def]
    return load_sla_policy()


@pytest.fixture
def store(tmp_path: Path, policy) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from agentdesk.store.engine import open_store

    opened = open_store(tmp_path / "agentdesk.db", policy)
    yield opened
    opened.close()
