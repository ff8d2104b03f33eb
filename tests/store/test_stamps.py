"""The stored datetime form: fixed-width ISO-8601 UTC text, read back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agentdesk.store.stamps import from_db, to_db


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 23, 16, 30, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_a_stamp_reads_back_as_the_same_utc_moment(moment: datetime) -> None:
    stored = to_db(moment)
    assert stored.endswith("Z") and len(stored) == 27
    back = from_db(stored)
    assert back == moment and back.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T14:00:00.000000+01:00",  # an offset: not the stored form
        "2026-13-23T14:00:00.000000Z",  # month 13
        "2026-11-23 14:00:00.000000Z",  # a space for the T
        "2026-11-23T14:00:00Z",  # no microseconds
        "",
    ],
)
def test_anything_but_the_stored_form_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        from_db(text)
