"""desk.kpi_cache.ShiftCache.shares: the shift facts at `now` and each agent's share, the
same objects while no shift's facts moved (desk.kpis then reuses a kept KPI set whole), and
always what a cache built anew at that `now` gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.desk.kpi_cache import ShiftCache
from agentdesk.store.kpi_rows import ShiftRow

DAY = datetime(2026, 11, 23, tzinfo=UTC)


def _row(agent: str, start_hour: int, hours: int, ended: bool) -> ShiftRow:
    start = DAY + timedelta(hours=start_hour)
    end = start + timedelta(hours=hours)
    return ShiftRow(
        agent,
        start,
        end,
        [],
        start,
        end if ended else None,
        [("available", start, end if ended else None)],
    )


ROWS = [
    _row("amara", 0, 8, ended=True),  # over before any `now` below
    _row("li", 6, 8, ended=False),  # its plan ends at 14:00
    _row("amara", 9, 8, ended=False),  # its plan ends at 17:00
    _row("sam", 2, 4, ended=False),  # unplanned end, plan over at 06:00
]


def test_the_shares_are_kept_while_nothing_moves_and_are_always_the_fresh_ones() -> None:
    cache = ShiftCache((), ROWS)
    seen = []
    for minutes in (600, 660, 780, 900, 960, 990, 1080, 1140, 1200):
        now = DAY + timedelta(minutes=minutes)
        shares = cache.shares(now)
        assert shares == ShiftCache((), ROWS).shares(now)
        assert shares[None] == cache.facts(now)
        seen.append(shares)
    # A call after one where some shift settled builds them again (equal); then they are
    # kept until a shift's facts move: li's plan ends at 14:00, amara's second at 17:00.
    assert seen[1] == seen[0]
    assert seen[2] is seen[1]  # 11:00 -> 13:00
    assert seen[3] != seen[2]  # li's shift judged from 14:00 on
    assert seen[4] == seen[3] and seen[5] is seen[4]  # 16:00 -> 16:30
    assert seen[6] != seen[5]  # amara's second, from 17:00 on
    assert seen[7] == seen[6] and seen[8] is seen[7]
    assert [f.agent for f in seen[8][None]] == ["amara", "li", "amara", "sam"]
    assert len(seen[8]["amara"]) == 2
    assert [f.agent for f in seen[0][None]] == ["amara", "sam"]
