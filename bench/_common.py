"""Shared bits for the benchmarks: a cached 50,000-ticket store and medians."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".bench"
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)

sys.path.insert(0, str(REPO))


def big_store(tickets: int = 50_000, seed: int = 1) -> Path:
    """A demo store of `tickets` tickets, generated once and reused across runs."""
    from agentdesk.demo import generate_demo
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    path = CACHE / f"demo-{tickets}-{seed}.db"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        for stale in CACHE.glob(partial.name + "*"):
            stale.unlink()
        store = open_store(partial, load_sla_policy())
        generate_demo(store, tickets=tickets, seed=seed, now=NOW)
        store.close()
        partial.rename(path)
    return path


BENCH_KEY = bytes(range(32))  # the benches' own SQLCipher key (issue 16); no secret


def encrypted_big_store(tickets: int = 50_000, seed: int = 1) -> Path:
    """The same store as big_store(), SQLCipher-encrypted with BENCH_KEY (made once)."""
    from sqlcipher3 import dbapi2

    plain = big_store(tickets, seed)
    path = CACHE / f"demo-{tickets}-{seed}.encrypted.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        for stale in CACHE.glob(partial.name + "*"):
            stale.unlink()
        connection = dbapi2.connect(str(plain))
        connection.execute(f"ATTACH DATABASE '{partial}' AS sealed KEY \"x'{BENCH_KEY.hex()}'\"")
        connection.execute("SELECT sqlcipher_export('sealed')")
        for pragma in ("user_version", "application_id"):
            value = connection.execute(f"PRAGMA main.{pragma}").fetchone()[0]
            connection.execute(f"PRAGMA sealed.{pragma} = {value}")
        connection.execute("DETACH DATABASE sealed")
        connection.close()
        partial.rename(path)
    return path


def median_ms(samples: Sequence[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f} ms"


def p95_ms(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000:.1f} ms"
