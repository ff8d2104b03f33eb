"""The bench's bulk loader (tests/sync/rt_bulk.py) makes tickets RT itself sees: REST2 counts
them, shows each one's history with its authors and texts, and a sync pulls every message."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tests.sync import rt_bulk
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt


def test_bulk_loaded_tickets_are_whole_rt_tickets(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue: str, fast_sleep: list[float]
) -> None:
    words = rt_bulk.demo_tickets(12, seed=3)
    loaded = rt_bulk.load(rt_server, rt_queue, words)
    assert loaded.tickets == 12
    assert loaded.transactions == sum(len(t.messages) for t in words)
    found = rt_root(
        "GET",
        "/tickets",
        params={
            "query": f"Queue = '{rt_queue}'",
            "fields": "Subject,Status",
            "orderby": "id",
            "per_page": 50,
        },
    ).json()
    assert found["total"] == 12
    assert [i["Subject"] for i in found["items"]] == [t.subject for t in words]
    assert [i["Status"] for i in found["items"]] == [t.status for t in words]
    longest = max(range(12), key=lambda n: len(words[n].messages))
    remote = found["items"][longest]["id"]
    assert len(words[longest].messages) > 2
    history = rt_root(
        "GET", f"/ticket/{remote}/history", params={"fields": "Type,Creator", "per_page": 50}
    ).json()["items"]
    kinds = [h["Type"] for h in history if h["Type"] in ("Create", "Correspond", "Comment")]
    assert kinds == ["Create"] + [
        "Comment" if kind == "internal_note" else "Correspond"
        for kind, _ in words[longest].messages[1:]
    ]
    assert history[0]["Creator"]["id"] == words[longest].requestor
    assert rt_root.contents(remote) == [body.strip() for _, body in words[longest].messages]

    paths: list[str] = []
    backend = make_backend(
        rt_server,
        rt_queue,
        fast_sleep,
        event_hooks={"request": [lambda request: paths.append(request.url.path)]},
    )
    summary = backend.sync(store, datetime.now(UTC))
    assert summary.state == "online", summary.message
    assert summary.pulled == 12
    with store.read() as connection:
        messages = connection.execute(text("SELECT count(*) FROM messages")).scalar_one()
    # A first sync reads the history of tickets still being worked on (sync/rt/history.py).
    active = [t for t in words if t.status in ("new", "open", "stalled")]
    assert messages == sum(len(t.messages) for t in active)
    with store.read() as connection:
        kinds = Counter(k for (k,) in connection.execute(text("SELECT kind FROM messages")))
    # Who wrote what: customers, agents' replies (RT's privileged users), internal notes.
    assert kinds == Counter(kind for t in active for kind, _ in t.messages)
    # Authors that are not the requestor are looked up once for the run, and only agents are.
    looked_up = [p.rsplit("/", 1)[1] for p in paths if p.startswith("/REST/2.0/user/")]
    assert looked_up and len(looked_up) == len(set(looked_up))
    assert set(looked_up) <= {"root", "amara.okafor", "li.wei"}
