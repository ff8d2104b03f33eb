"""The weekly report in monitoring mode (issue 15): `agentdesk --supervisor report` reads the
supervisor's read-only desk, and the export's audit event (issue 16: an export is audited) is
not lost: it goes to the supervisor profile's own store (through the narrow security
writer), also when --db watches another agentdesk's store, whose bytes do not change."""

from __future__ import annotations

import hashlib
import socket
import sqlite3
from pathlib import Path

import pytest

from agentdesk.config import load_settings
from agentdesk.core import kpi
from agentdesk.core.errors import ReadOnly
from agentdesk.desk import surveys
from agentdesk.desk.kpis import kpi_overview
from agentdesk.desk.supervisor import open_supervisor_desk
from agentdesk.desk.team_report import export_report
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from tests.desk.kpi_fixtures import REPORT_NOW, WEEK, fill_kpi_week
from tests.desk.queue_fixtures import local_settings
from tests.test_cli import run


def _exports(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT resource, detail FROM security_audit WHERE event = 'export' ORDER BY id"
        ).fetchall()


def _digest(db: Path) -> str:
    # The file and its WAL (the -shm index is SQLite's shared memory, rebuilt by any reader).
    files = [p for p in (db, db.with_name(db.name + "-wal")) if p.exists()]
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    found = {
        name: str(tmp_path / name.lower())
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
    }
    for name, value in found.items():
        monkeypatch.setenv(name, value)
    return found


def test_a_read_only_desk_audits_the_export_in_the_supervisors_own_store(tmp_path: Path) -> None:
    store = open_store(tmp_path / "agentdesk.db", load_sla_policy())
    fill_kpi_week(store)
    store.close()
    out = tmp_path / "out.csv"
    desk = open_supervisor_desk(local_settings(tmp_path), lambda: REPORT_NOW)
    try:
        with pytest.raises(ReadOnly):  # the desk itself still refuses every write
            surveys.record_survey(desk, 1, "csat", 5)
        export_report(desk, kpi_overview(desk, kpi.week(WEEK)), "csv", out)
    finally:
        desk.store.close()
    assert out.read_text().startswith("period,scope,kpi,")
    assert _exports(tmp_path / "agentdesk.db") == [("weekly report csv", f"{WEEK} to {out}")]


def test_supervisor_report_exports_and_mails_with_the_event_in_its_own_store(
    env: dict[str, str], tmp_path: Path
) -> None:
    from aiosmtpd.controller import Controller

    settings = load_settings("default")
    assert settings.config_path is not None
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.db_path, load_sla_policy())
    fill_kpi_week(store)
    store.close()
    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            received.append(envelope.content)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.config_path.write_text(
        f'[agent]\nrole = "supervisor"\n\n[mail]\nhost = "127.0.0.1"\nport = {port}\n'
        'from = "reports@example.com"\nstarttls = false\n'
    )
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    out = tmp_path / "week.csv"
    try:
        done = run("report", "--week", WEEK, "--format", "csv", "--out", str(out), env=env)
        mailed = run("--supervisor", "report", "--week", WEEK, "--mail-to", "lead@x.org", env=env)
    finally:
        controller.stop()
    assert done.returncode == 0, done.stderr
    assert mailed.returncode == 0, mailed.stderr
    assert out.read_text().startswith("period,scope,kpi,")
    assert len(received) == 1
    assert _exports(settings.db_path) == [
        ("weekly report csv", f"{WEEK} to {out}"),
        ("weekly report mail", f"{WEEK} to lead@x.org"),
    ]


def test_watching_another_store_the_export_is_audited_in_the_supervisors_own_store(
    env: dict[str, str], tmp_path: Path
) -> None:
    agent_db = tmp_path / "agent" / "agentdesk.db"
    agent_db.parent.mkdir()
    store = open_store(agent_db, load_sla_policy())
    fill_kpi_week(store)
    store.close()
    before = _digest(agent_db)
    own = load_settings("default")
    out = tmp_path / "week.csv"
    done = run(
        "--supervisor",
        "report",
        "--week",
        WEEK,
        "--format",
        "csv",
        "--out",
        str(out),
        "--db",
        str(agent_db),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
    assert _digest(agent_db) == before  # another agentdesk's store: not one byte written
    assert _exports(agent_db) == []
    assert _exports(own.db_path) == [("weekly report csv", f"{WEEK} to {out}")]
