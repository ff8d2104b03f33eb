"""The first sync's progress line: done of total, bytes, time left at the pace so far."""

from __future__ import annotations

from agentdesk.core.sync_progress import SyncProgress


def test_time_left_is_the_pace_so_far() -> None:
    progress = SyncProgress(done=300, total=2_000, bytes_in=120_400, seconds=24.0)
    assert progress.seconds_left() == 136.0
    assert progress.text() == "first sync 300/2,000 tickets · 120 kB · ~2m16s left"


def test_no_estimate_before_the_first_ticket_or_without_a_total() -> None:
    assert SyncProgress(0, 2_000, 0, 1.0).seconds_left() is None
    assert SyncProgress(100, None, 5_000, 3.0).text() == "first sync 100 tickets · 5 kB"


def test_done_says_no_time_left() -> None:
    assert SyncProgress(500, 500, 1_500_000, 30.0).text() == "first sync 500/500 tickets · 1.5 MB"
