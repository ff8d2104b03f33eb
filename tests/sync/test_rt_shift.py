"""The shift record and a handover against a real Request Tracker 5 on loopback: agent A's
shift reaches RT as one ticket in the shift queue with a comment per event, survives a dropped
link without a doubled text, and a second profile (its own SQLite file) pulling from the same
RT reads A's shift; a handover makes B the ticket's Owner with the note as an internal comment,
and B's profile sees it first at shift start and acknowledges it."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from agentdesk.core.shift import Presence
from agentdesk.core.ticket import Region
from agentdesk.desk import Desk
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.shift_record import team_shifts
from agentdesk.session import Session
from agentdesk.shift_cli import team_shift_lines
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.queries import agent_by_handle
from agentdesk.store.sync_port import SyncPort
from tests.desk.queue_fixtures import local_settings
from tests.sync.conftest import make_backend
from tests.sync.rt_server import free_port

pytestmark = pytest.mark.rt

_numbers = itertools.count(1)


def _now() -> datetime:
    return datetime.now(UTC)


class Profile:
    """One agent's agentdesk: its own SQLite file, its own RT token."""

    def __init__(self, folder: Path, handle: str, server: Any, queue: str, shifts: str) -> None:
        folder.mkdir()
        self.store: Store = open_store(folder / "agentdesk.db", load_sla_policy())
        with SyncPort(self.store).write() as rows:
            for name in ("amara.okafor", "li.wei"):
                rows.agent_id_for(name, Region.EMEA)
        with self.store.read() as connection:
            agent = agent_by_handle(connection, handle)
        settings = replace(local_settings(folder), agent_handle=handle, shift=True)
        self.desk = Desk(Session(settings=settings, store=self.store, agent=agent), _now)
        self.backend = make_backend(server, queue, [], token=server.tokens[handle])
        self.backend.settings = replace(self.backend.settings, shift_queue=shifts)
        self.server, self.queue, self.shifts, self.handle = server, queue, shifts, handle

    def sync(self, backend: Any = None) -> Any:
        summary = (backend or self.backend).sync(self.store, _now())
        return summary

    def offline(self) -> Any:
        backend = make_backend(
            self.server,
            self.queue,
            [],
            url=f"http://127.0.0.1:{free_port()}",
            token=self.server.tokens[self.handle],
        )
        backend.settings = replace(backend.settings, shift_queue=self.shifts)
        return backend

    def unsent(self) -> list[str]:
        with self.store.read() as connection:
            return [
                row.state
                for row in connection.execute(text("SELECT state FROM shift_outbox ORDER BY id"))
            ]

    def close(self) -> None:
        self.backend.close()
        self.store.close()


@pytest.fixture
def shift_queue(rt_root: Any) -> str:
    name = f"Shifts-{next(_numbers)}"
    rt_root("POST", "/queue", json={"Name": name})
    return name


@pytest.fixture
def amara(tmp_path: Path, rt_server: Any, rt_queue: str, shift_queue: str) -> Any:
    profile = Profile(tmp_path / "amara", "amara.okafor", rt_server, rt_queue, shift_queue)
    yield profile
    profile.close()


@pytest.fixture
def li(tmp_path: Path, rt_server: Any, rt_queue: str, shift_queue: str) -> Any:
    profile = Profile(tmp_path / "li", "li.wei", rt_server, rt_queue, shift_queue)
    yield profile
    profile.close()


def _shift_tickets(rt_root: Any, queue: str) -> list[dict[str, Any]]:
    return list(
        rt_root(
            "GET",
            "/tickets",
            params={"query": f"Queue = '{queue}'", "fields": "Subject,Status,Owner"},
        ).json()["items"]
    )


def test_a_shift_reaches_rt_as_one_ticket_and_a_teammate_reads_it(
    amara: Profile, li: Profile, rt_root: Any, shift_queue: str
) -> None:
    a = amara.desk
    desk_shift.start_shift(a)
    desk_shift.tick(a, "tools")
    # The link drops: the break and the wrap-up wait in the shift outbox.
    assert amara.sync(amara.offline()).state == "offline"
    desk_shift.set_presence(a, Presence.BREAK)
    assert amara.sync(amara.offline()).state == "offline"
    desk_shift.set_presence(a, Presence.AVAILABLE)
    desk_shift.write_wrap_up(a, "Quiet morning; refund backlog cleared.")
    assert set(amara.unsent()) == {"pending"}
    up = amara.sync()
    assert up.state == "online", up.message
    assert set(amara.unsent()) == {"done"}
    # Before it ends, a teammate sees it open, on whichever presence was last sent.
    assert li.sync().state == "online"
    (line,) = team_shifts(li.desk)
    assert (line.record.agent, line.record.is_open) == ("amara.okafor", True)
    assert line.record.presence is Presence.AVAILABLE

    closed = desk_shift.end_shift(a)
    assert amara.sync().state == "online"
    # Once more: nothing is sent twice.
    assert amara.sync().pushed == 0

    (ticket,) = _shift_tickets(rt_root, shift_queue)
    assert ticket["Subject"].startswith("Shift of amara.okafor from ")
    assert ticket["Status"] == "resolved"
    contents = rt_root.contents(str(ticket["id"]))
    heads = [body.splitlines()[0] for body in contents]
    assert heads[0] == "agentdesk shift: started"
    assert heads.count("agentdesk shift: presence") == 2
    assert heads.count("agentdesk shift: wrap-up") == 1
    assert heads[-1] == "agentdesk shift: ended"
    assert any("Item: Tools logged in" in body for body in contents)
    # Planned and actual start in the opening text (amara is on the roster).
    assert "Planned start: " in contents[0] and "Started: " in contents[0]

    assert li.sync().state == "online"
    (line,) = team_shifts(li.desk)
    record = line.record
    assert record.agent == "amara.okafor"
    assert record.planned_start is not None and record.planned_end is not None
    assert record.started_at is not None
    assert record.ended_at is not None and not record.is_open
    assert abs((record.ended_at - closed.ended_at).total_seconds()) < 1
    assert record.presence is None
    assert record.wrap_up == "Quiet morning; refund backlog cleared."
    assert any(label.startswith("Tools logged in") for label, _ in record.ticked)
    # `agentdesk shift team` prints it so.
    first, wrap = team_shift_lines(record)
    assert first.startswith(f"amara.okafor (RT #{ticket['id']}): ended ")
    assert "; planned " in first and "; started " in first
    assert wrap == "  wrap-up: Quiet morning; refund backlog cleared."
    # A's own list leaves A's shift out; asked for, it is there too.
    assert amara.sync().state == "online"
    assert team_shifts(a) == []
    assert [x.record.agent for x in team_shifts(a, include_mine=True)] == ["amara.okafor"]


def test_a_handover_reassigns_in_rt_and_the_next_agent_sees_it_first(
    amara: Profile, li: Profile, rt_root: Any, rt_queue: str, shift_queue: str
) -> None:
    remote = rt_root.create(rt_queue, "Parcel lost in transit", Owner="amara.okafor")
    assert amara.sync().pulled == 1
    with amara.store.read() as connection:
        local = connection.execute(
            text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote}
        ).scalar_one()
    desk_shift.start_shift(amara.desk)
    desk_shift.hand_over(
        amara.desk, local, "Courier claim filed; chase on Thursday.", to_agent="li.wei"
    )
    up = amara.sync()
    assert (up.state, up.parked) == ("online", 0), up.message

    assert rt_root.ticket(remote)["Owner"]["id"] == "li.wei"
    comments = [
        str(item["id"])
        for item in rt_root("GET", f"/ticket/{remote}/history", params={"fields": "Type"}).json()[
            "items"
        ]
        if item["Type"] == "Comment"
    ]
    assert len(comments) == 1  # an internal comment, not a reply to the customer
    assert any(
        "Courier claim filed; chase on Thursday." in body and "Handover from amara.okafor" in body
        for body in rt_root.contents(remote)
    )
    # The shift ticket names the handover too.
    (shift_ticket,) = _shift_tickets(rt_root, shift_queue)
    assert any(
        body.startswith("agentdesk shift: handover") and f"RT #{remote}" in body
        for body in rt_root.contents(str(shift_ticket["id"]))
    )

    assert li.sync().state == "online"
    view = desk_shift.start_shift(li.desk)
    (handover,) = view.handovers
    assert handover.handover.sender == "amara.okafor"
    assert handover.handover.note == "Courier claim filed; chase on Thursday."
    assert handover.subject == "Parcel lost in transit"
    assert desk_shift.acknowledge_handover(li.desk, handover.message_id) == ()
    assert desk_shift.handovers_for_me(li.desk) == ()
    # And li's own shift reached the same shift queue as a second ticket.
    assert li.sync().state == "online"
    assert len(_shift_tickets(rt_root, shift_queue)) == 2


def test_a_dropped_answer_neither_loses_nor_doubles_a_shift_text(
    amara: Profile, rt_server: Any, rt_root: Any, rt_queue: str, shift_queue: str
) -> None:
    from tests.sync.tcp_proxy import TcpProxy

    dropped: list[str] = []

    def decide(line: str) -> str:
        # RT applies the create and the first comment; the answer never reaches agentdesk.
        kind = "create" if line.startswith("POST /REST/2.0/ticket ") else ""
        kind = "comment" if line.startswith("POST ") and "/comment " in line else kind
        if kind and kind not in dropped:
            dropped.append(kind)
            return "drop"
        return "pass"

    proxy = TcpProxy(rt_server.port, decide)
    try:
        through = make_backend(
            rt_server, rt_queue, [], url=proxy.url, token=rt_server.tokens["amara.okafor"]
        )
        through.settings = replace(through.settings, shift_queue=shift_queue)
        desk_shift.start_shift(amara.desk)
        desk_shift.tick(amara.desk, "tools")
        desk_shift.set_presence(amara.desk, Presence.BREAK)
        summary = amara.sync(through)
        assert summary.state == "online", summary.message
        assert dropped == ["create", "comment"]
        assert set(amara.unsent()) == {"done"}
        through.close()
    finally:
        proxy.close()
    (ticket,) = _shift_tickets(rt_root, shift_queue)
    heads = [body.splitlines()[0] for body in rt_root.contents(str(ticket["id"]))]
    assert heads == [
        "agentdesk shift: started",
        "agentdesk shift: checklist",
        "agentdesk shift: presence",
    ]


def test_no_shift_queue_in_rt_parks_the_record_and_tickets_still_sync(
    tmp_path: Path, rt_server: Any, rt_root: Any, rt_queue: str
) -> None:
    profile = Profile(tmp_path / "amara", "amara.okafor", rt_server, rt_queue, "No such queue")
    try:
        remote = rt_root.create(rt_queue, "Where is my order?")
        desk_shift.start_shift(profile.desk)
        desk_shift.tick(profile.desk, "tools")
        summary = profile.sync()
        assert (summary.state, summary.pulled) == ("online", 1), summary.message
        (reason,) = summary.parked_reasons
        assert reason.startswith("shift record of amara.okafor (open): RT refused it: ")
        # Parked in order: the tick waits behind the shift's create, nothing is lost.
        assert profile.unsent() == ["parked", "pending"]
        assert rt_root.ticket(remote)["Subject"] == "Where is my order?"
        # Not tried again at once (each run would be refused the same way) ...
        assert profile.sync().parked_reasons == []
        assert profile.unsent() == ["parked", "pending"]
        # ... but once the team has created the queue, a later run sends the whole record.
        rt_root("POST", "/queue", json={"Name": "No such queue"})
        later = datetime.now(UTC) + timedelta(minutes=16)
        profile.backend.clock = lambda: later
        summary = profile.sync()
        assert (summary.state, summary.parked_reasons) == ("online", []), summary.message
        assert profile.unsent() == ["done", "done"]
        (ticket,) = _shift_tickets(rt_root, "No such queue")
        assert len(rt_root.contents(str(ticket["id"]))) == 2
    finally:
        profile.close()
