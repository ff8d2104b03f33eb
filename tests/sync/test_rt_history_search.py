"""The request shapes of the history read, against a live RT 5 (sync/rt/history.py): one
transaction search over many tickets, its pages asked for side by side, and one attachment
search with an IN condition, answer exactly what RT tells ticket by ticket."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentdesk.sync.rt.bodies import message_body
from agentdesk.sync.rt.client import RtClient
from agentdesk.sync.rt.history import MESSAGE_TYPES, HistoryReader, Wanted
from tests.sync.conftest import RtApi
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt


def _tickets(rt_root: RtApi, colleague: RtApi, queue: str, count: int) -> list[str]:
    made = []
    for n in range(count):
        remote_id = rt_root.create(queue, f"Order {n} missing", Requestor=f"c{n}@example.com")
        colleague(
            "POST",
            f"/ticket/{remote_id}/correspond",
            json={"Content": f"Looking into order {n}.", "ContentType": "text/plain"},
        )
        if n % 2:
            colleague(
                "POST",
                f"/ticket/{remote_id}/comment",
                json={"Content": f"Courier says {n} left.", "ContentType": "text/plain"},
            )
        made.append(remote_id)
    return made


def _one_by_one(rt_root: RtApi, remote_id: str) -> list[tuple[int, str, str, str | None]]:
    """(id, type, creator, text) of a ticket's messages, read ticket by ticket, a transaction's
    attachments by transaction."""
    history = rt_root(
        "GET",
        f"/ticket/{remote_id}/history",
        params={"fields": "Type,Creator", "per_page": 100},
    ).json()["items"]
    out = []
    for item in history:
        if item["Type"] not in MESSAGE_TYPES:
            continue
        parts = rt_root(
            "GET",
            f"/transaction/{item['id']}/attachments",
            params={"fields": "ContentType,Filename,Headers,Content", "per_page": 100},
        ).json()["items"]
        out.append((int(item["id"]), item["Type"], item["Creator"]["id"], message_body(parts)))
    return sorted(out)


def _read(reader: HistoryReader, remote_ids: list[str]) -> dict[str, list[Any]]:
    wanted = {r: Wanted(r, 0, "", f"{r}@example.com", "open") for r in remote_ids}
    page = reader.read(wanted, agents=set())
    return {
        remote_id: [(t.id, t.type, t.creator, message_body(t.parts)) for t in txns]
        for remote_id, txns in page.txns.items()
    }


def test_many_tickets_in_one_search_read_side_by_side_are_the_per_ticket_answers(
    rt_server: RtServer, rt_root: RtApi, colleague: RtApi, rt_queue: str
) -> None:
    made = _tickets(rt_root, colleague, rt_queue, 6)
    expected = {remote_id: _one_by_one(rt_root, remote_id) for remote_id in made}
    assert sum(len(found) for found in expected.values()) == 15  # 6 creates, 6 replies, 3 notes
    client = RtClient(rt_server.url, rt_server.token)
    requests: list[str] = []
    client.event_hooks = {"request": [lambda request: requests.append(request.url.path)]}
    # Three transactions a page: the range search over six tickets is five pages, four of
    # them asked for at once; and an attachment search per four transactions.
    reader = HistoryReader(client, per_page=3)
    try:
        import agentdesk.sync.rt.history as history

        saved = history.TXNS_PER_SEARCH
        history.TXNS_PER_SEARCH = 4
        try:
            assert _read(reader, made) == expected  # close together: one range search
            # Far apart (the first and the last): one OR search of the two.
            ends = [made[0], made[-1]]
            assert _read(reader, ends) == {r: expected[r] for r in ends}
        finally:
            history.TXNS_PER_SEARCH = saved
    finally:
        client.close()
    assert requests.count("/REST/2.0/transactions") == 5 + 2  # 15 in pages of 3; then 5
    assert requests.count("/REST/2.0/attachments") >= 4 + 2


def test_an_attachment_search_with_in_is_the_same_as_one_condition_per_transaction(
    rt_root: RtApi, colleague: RtApi, rt_queue: str
) -> None:
    made = _tickets(rt_root, colleague, rt_queue, 3)
    ids = [txn for remote_id in made for txn, *_ in _one_by_one(rt_root, remote_id)]
    text = {"field": "ContentType", "operator": "LIKE", "value": "text/"}
    shapes = {
        "in": [{"field": "TransactionId", "operator": "IN", "value": ids}, text],
        "or": [{"field": "TransactionId", "value": txn} for txn in ids] + [text],
    }
    answers = {
        name: sorted(
            (item["id"], item["TransactionId"], item["Content"])
            for item in rt_root(
                "GET",
                "/attachments",
                params={
                    "query": json.dumps(limits),
                    "fields": "TransactionId,Content",
                    "per_page": 100,
                },
            ).json()["items"]
        )
        for name, limits in shapes.items()
    }
    assert answers["in"] == answers["or"]
    assert {int(txn) for _, txn, _ in answers["in"]} == set(ids)
