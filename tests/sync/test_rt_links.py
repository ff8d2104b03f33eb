"""Links, merges and full-text search with a real Request Tracker 5 on loopback (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from agentdesk.core.links import LinkKind
from agentdesk.store.links import add_link, merge_ticket
from agentdesk.store.text_search import matching_tickets
from agentdesk.sync.rt.links import hyperlinked
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def _local(store, remote_id: str) -> int:
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote_id}
            ).scalar_one()
        )


def _links(store) -> list[tuple[int, int, str, str]]:
    with store.read() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT ticket_id, other_ticket_id, kind, created_by FROM ticket_links "
                    "ORDER BY 1, 2, 3"
                )
            )
        ]


def test_a_link_made_here_shows_in_rt(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue, fast_sleep
) -> None:
    lost = rt_root.create(rt_queue, "Parcel lost")
    outage = rt_root.create(rt_queue, "Courier outage")
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    assert backend.sync(store, _now()).pulled == 2
    ticket, incident = _local(store, lost), _local(store, outage)
    add_link(store, ticket, incident, LinkKind.PARENT_INCIDENT, actor="amara.okafor", now=_now())
    add_link(store, ticket, incident, LinkKind.REFERS_TO, actor="amara.okafor", now=_now())
    summary = backend.sync(store, _now())
    assert (summary.state, summary.pushed, summary.queued) == ("online", 2, 0), summary.message
    assert hyperlinked(rt_root.ticket(lost), "test") == {
        ("parent_incident", outage, True),
        ("refers_to", outage, True),
    }
    assert ("parent_incident", lost, False) in hyperlinked(rt_root.ticket(outage), "test")
    # The pull that followed agrees: nothing added, nothing removed.
    assert _links(store) == [
        (ticket, incident, "parent_incident", "amara.okafor"),
        (ticket, incident, "refers_to", "amara.okafor"),
    ]


def test_a_link_made_in_rt_is_pulled_and_one_removed_there_goes(
    store, rt_server: RtServer, rt_root: RtApi, colleague: RtApi, rt_queue, fast_sleep
) -> None:
    refund = rt_root.create(rt_queue, "Refund")
    payment = rt_root.create(rt_queue, "Payment failed")
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    colleague("PUT", f"/ticket/{refund}", json={"AddDependsOn": payment})
    assert backend.sync(store, _now()).state == "online"
    assert _links(store) == [(_local(store, refund), _local(store, payment), "depends_on", "sync")]
    colleague("PUT", f"/ticket/{refund}", json={"DeleteDependsOn": payment})
    assert backend.sync(store, _now()).state == "online"
    assert _links(store) == []


def test_a_merge_made_here_shows_in_rt(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue, fast_sleep
) -> None:
    first = rt_root.create(rt_queue, "Charged twice", Content="ORD-4455667 charged twice")
    again = rt_root.create(rt_queue, "Charged twice!!", Content="Second mail about it")
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    duplicate, target = _local(store, again), _local(store, first)
    merge_ticket(store, duplicate, target, actor="amara.okafor", now=_now())
    summary = backend.sync(store, _now())
    assert (summary.state, summary.pushed) == ("online", 1), summary.message
    # RT loads the duplicate's number as the ticket it went into.
    merged = rt_root.ticket(again)
    assert str(merged["id"]) == first
    assert "Second mail about it" in rt_root.contents(first)
    with store.read() as connection:
        status, op_state = connection.execute(
            text(
                "SELECT t.status, o.state FROM tickets t JOIN outbox o ON o.ticket_id = t.id "
                "WHERE t.id = :t"
            ),
            {"t": duplicate},
        ).one()
    assert (status, op_state) == ("closed", "done")
    # A second sync sends nothing again.
    assert backend.sync(store, _now()).pushed == 0


def test_a_message_pulled_from_rt_is_found_by_full_text_search(
    store, rt_server: RtServer, rt_root: RtApi, colleague: RtApi, rt_queue, fast_sleep
) -> None:
    remote = rt_root.create(rt_queue, "Where is my parcel", Content="Please help")
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    colleague(
        "POST",
        f"/ticket/{remote}/comment",
        json={"Content": "Courier says tracking 1Z77AA0099 was lost", "ContentType": "text/plain"},
    )
    assert backend.sync(store, _now()).messages == 1
    with store.read() as connection:
        assert matching_tickets(connection, '"1Z77AA0099"', 10) == [_local(store, remote)]


def test_a_link_rt_refuses_is_parked_with_rts_words(
    store, rt_server: RtServer, rt_root: RtApi, rt_queue, fast_sleep
) -> None:
    """RT answers 200 to a link it could not make (here: to a ticket it does not have): the
    read-back finds no link, so the op is parked with what RT said, not marked done."""
    lost = rt_root.create(rt_queue, "Parcel lost")
    other = rt_root.create(rt_queue, "Another parcel")
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket, gone = _local(store, lost), _local(store, other)
    with store.write() as connection:  # the other ticket's RT number points at nothing
        connection.execute(
            text("UPDATE tickets SET remote_id = '999999' WHERE id = :t"), {"t": gone}
        )
    add_link(store, ticket, gone, LinkKind.REFERS_TO, actor="amara.okafor", now=_now())
    summary = backend.sync(store, _now())
    assert summary.parked_reasons, summary.message
    assert f"#{ticket} link: RT refused it" in summary.parked_reasons[0]
    assert "RefersTo 999999" in summary.parked_reasons[0]
    assert hyperlinked(rt_root.ticket(lost), "test") == set()
