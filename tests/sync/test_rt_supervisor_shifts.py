"""The supervisor's dashboard shows a remote agent's shift from a real Request Tracker 5 on
loopback (issue 15): amara.okafor's own agentdesk (its own SQLite file) sends her shift to
RT's shift queue; the supervisor profile (another SQLite file, nothing of hers in its shift
tables) pulls through monitoring mode's read-only backend, and its dashboard's desk function
shows her on shift, then on a break, then ended."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from agentdesk.core.shift import Presence
from agentdesk.core.ticket import Region
from agentdesk.desk import shift as desk_shift
from agentdesk.desk.supervisor import TeamPull, open_supervisor_desk, pull_team, team_board
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.sync_port import SyncPort
from agentdesk.sync.read_only import ReadOnlyBackend
from agentdesk.sync.rt.ticketsql import EVERY_QUEUE
from tests.desk.queue_fixtures import local_settings
from tests.sync.conftest import make_backend
from tests.sync.test_rt_shift import Profile, _now

pytestmark = pytest.mark.rt


@pytest.fixture
def shift_queue(rt_root: Any, rt_queue: str) -> str:
    # Named after this test's own ticket queue: unique on the session's RT.
    name = f"Shifts-{rt_queue}"[:60]
    rt_root("POST", "/queue", json={"Name": name})
    return name


def test_the_supervisor_sees_a_remote_agent_on_shift_and_on_a_break(
    tmp_path: Path,
    rt_server: Any,
    rt_queue: str,
    shift_queue: str,
) -> None:
    amara = Profile(tmp_path / "amara", "amara.okafor", rt_server, rt_queue, shift_queue)
    folder = tmp_path / "supervisor"
    folder.mkdir()
    cache = open_store(folder / "agentdesk.db", load_sla_policy())
    with SyncPort(cache).write() as rows:
        for name in ("amara.okafor", "li.wei"):
            rows.agent_id_for(name, Region.EMEA)
    cache.close()
    settings = replace(local_settings(folder), agent_handle="li.wei")
    desk = open_supervisor_desk(settings, _now)
    backend = make_backend(rt_server, EVERY_QUEUE, [])
    backend.settings = replace(backend.settings, shift_queue=shift_queue)
    pull = TeamPull(ReadOnlyBackend(backend))

    def amara_line() -> Any:
        summary = pull_team(desk, pull)
        assert summary.state == "online", summary.message
        return {line.handle: line for line in team_board(desk).lines}["amara.okafor"]

    try:
        assert amara_line().shift == "not started"
        desk_shift.start_shift(amara.desk)
        assert amara.sync().state == "online"
        line = amara_line()
        assert line.shift.startswith("on shift since ")
        assert line.presence.startswith("available ")

        desk_shift.set_presence(amara.desk, Presence.BREAK)
        assert amara.sync().state == "online"
        assert amara_line().presence.startswith("on break ")

        desk_shift.set_presence(amara.desk, Presence.AVAILABLE)
        desk_shift.write_wrap_up(amara.desk, "Quiet morning.")
        closed = desk_shift.end_shift(amara.desk)
        assert amara.sync().state == "online"
        line = amara_line()
        assert line.shift.startswith("ended ")
        assert line.presence == ""
        # Her agentdesk's own figure (the roster's plan around the wall clock; a test at
        # this level takes the real time).
        assert line.adherence == ("" if closed.adherence is None else f"{closed.adherence:.1%}")
        # The supervisor's own shift tables stayed empty: all of it came through RT.
        with desk.store.read() as connection:
            from sqlalchemy import text

            assert connection.execute(text("SELECT count(*) FROM shifts")).scalar() == 0
    finally:
        pull.close()
        desk.store.close()
        amara.close()
