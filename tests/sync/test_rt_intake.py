"""Intake against a real Request Tracker 5 on loopback (issue 14): a ticket opened at the
desk while offline reaches RT exactly once, with its first message, and the pull after the
push does not bring it back a second time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from agentdesk.core.intake import IntakeForm, NewCustomer
from agentdesk.core.ticket import Channel, Priority, Region
from agentdesk.desk import intake as desk_intake
from tests.desk.conftest import make_desk
from tests.sync.conftest import make_backend
from tests.sync.rt_server import free_port

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def test_an_intake_created_offline_reaches_rt_once_with_its_first_message(
    store, rt_server, rt_root, rt_queue, fast_sleep
) -> None:
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    assert backend.sync(store, _now()).state == "online"
    desk = make_desk(store, _now())
    desk.clock = _now
    customer = desk_intake.create_customer(
        desk, NewCustomer("Maria Garcia", "maria@example.com", "", "ACC-1", Region.EMEA)
    )
    form = IntakeForm(
        customer.id,
        Channel.EMAIL,
        Priority.P2,
        "Intake: parcel marked delivered, not here",
        "The tracking says delivered but nothing arrived.",
    )
    ticket = desk_intake.open_ticket(desk, form, opened_at=_now() - timedelta(seconds=40))
    # The link is down: the ticket waits in the outbox, nothing is lost.
    offline = make_backend(rt_server, rt_queue, fast_sleep, url=f"http://127.0.0.1:{free_port()}")
    down = offline.sync(store, _now())
    assert (down.state, down.queued, down.pushed) == ("offline", 1, 0)
    up = backend.sync(store, _now())
    assert (up.state, up.pushed, up.queued) == ("online", 1, 0)
    again = backend.sync(store, _now())
    assert (again.state, again.pushed, again.queued) == ("online", 0, 0)
    with store.read() as connection:
        remote = connection.execute(
            text("SELECT remote_id FROM tickets WHERE id = :t"), {"t": ticket}
        ).scalar_one()
        local_count = connection.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        (seconds,) = connection.execute(
            text("SELECT seconds FROM intakes WHERE ticket_id = :t"), {"t": ticket}
        ).one()
    assert remote is not None and local_count == 1 and seconds >= 40
    in_queue = rt_root(
        "GET", "/tickets", params={"query": f"Queue = '{rt_queue}'", "fields": "Subject"}
    ).json()["items"]
    assert [item["Subject"] for item in in_queue] == ["Intake: parcel marked delivered, not here"]
    assert str(in_queue[0]["id"]) == remote
    assert rt_root.ticket(remote)["Priority"] == "50"  # P2
    contents = rt_root.contents(remote)
    assert sum(c.count("The tracking says delivered but nothing arrived.") for c in contents) == 1
