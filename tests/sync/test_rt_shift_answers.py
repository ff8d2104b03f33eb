"""What the shift pull does with answers RT would not give on demand: a shift-queue search
that is not a search result stops the run (the client's check: BadAnswer, an offline run);
entries that cannot be read (no id, an unreadable LastUpdated) are passed over, and no history
is asked for them. Nothing of either is believed."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from agentdesk.store.engine import Store
from agentdesk.sync.errors import BadAnswer
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.settings import RtSettings
from agentdesk.sync.rt.shifts import ShiftPuller


def _puller(store: Store, answer: object, asked: list[str]) -> ShiftPuller:
    def reply(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(200, json=answer)

    client = RtClient("http://rt.test", "token", transport=httpx.MockTransport(reply))
    return ShiftPuller(
        store, client, RtSettings("http://rt.test", shift_queue="Shifts"), lambda: datetime.now(UTC)
    )


def _pulled(store: Store) -> int:
    with store.read() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM team_shifts").scalar_one())


@pytest.mark.parametrize("answer", [[], {"items": "none"}, {"total": 3}])
def test_a_shift_queue_answer_that_is_no_search_result_is_not_believed(
    store: Store, answer: object
) -> None:
    with pytest.raises(BadAnswer, match="not a search result"):
        _puller(store, answer, []).run()
    assert _pulled(store) == 0


def test_unreadable_shift_tickets_are_passed_over(store: Store) -> None:
    asked: list[str] = []
    answer = {
        "items": [
            "not a ticket",
            {"id": "x1", "LastUpdated": "2026-12-01T10:00:00Z", "Subject": "Shift"},
            {"id": "7", "LastUpdated": "yesterday", "Subject": "Shift of li.wei"},
        ],
        "pages": 1,
    }
    assert _puller(store, answer, asked).run() == 0
    # The server's clock (the run's start is the next window's), then the search; no history
    # asked for what could not be read.
    assert asked == ["/REST/2.0/queues/all", "/REST/2.0/tickets"]
    assert _pulled(store) == 0
