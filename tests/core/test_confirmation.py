"""The three-step confirmation: ETRs as durations or times, and the conversation entry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentdesk.core.confirmation import EtrError, format_due, parse_etr, render_entry
from agentdesk.core.quality import Confirmation

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2h", datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),
        ("90m", datetime(2026, 11, 23, 15, 30, tzinfo=UTC)),
        ("1d", datetime(2026, 11, 24, 14, 0, tzinfo=UTC)),
        ("16:30", datetime(2026, 11, 23, 16, 30, tzinfo=UTC)),
        ("09:00", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),  # past today: tomorrow
        ("2026-11-25 10:00", datetime(2026, 11, 25, 10, 0, tzinfo=UTC)),
    ],
)
def test_an_etr_is_a_duration_or_a_utc_time(text: str, due: datetime) -> None:
    assert parse_etr(text, NOW) == due


@pytest.mark.parametrize("text", ["soon", "0h", "2026-11-20 10:00", "25:00", ""])
def test_an_unreadable_or_past_etr_is_refused(text: str) -> None:
    with pytest.raises(EtrError):
        parse_etr(text, NOW)


def test_the_entry_keeps_the_declined_proposals() -> None:
    confirmation = Confirmation(
        "Refund not received", "Refund again to the card", format_due(NOW), True, NOW
    )
    entry = render_entry(confirmation, ["wants store credit instead"])
    assert entry.splitlines() == [
        "Three-step confirmation",
        "1. Restated issue: Refund not received",
        "2. Proposed solution: Refund again to the card (ETR Mon 23 Nov, 14:00 UTC)",
        "   Declined proposal 1: wants store credit instead",
        "3. The customer agreed.",
    ]
