"""`agentdesk shift` and `agentdesk checklists check`, run as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.config import load_settings
from tests.test_cli import run


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        name: str(tmp_path / name.lower())
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "a.db"
    assert (
        run(
            "demo-data", "--db", str(db), "--tickets", "40", "--now", "2026-11-23T14:00:00Z"
        ).returncode
        == 0
    )
    settings = load_settings("default")
    assert settings.config_path is not None
    settings.config_path.write_text('[agent]\nhandle = "amara.okafor"\n')
    env["DB"] = str(db)
    return env


def test_the_exit_status_says_whether_required_items_are_done(profile: dict[str, str]) -> None:
    db = profile["DB"]
    status = run("--db", db, "shift", "status", env=profile)
    assert (status.returncode, status.stdout.strip()) == (2, "no shift is open")
    start = run("--db", db, "shift", "start", env=profile)
    assert start.returncode == 2, start.stderr
    assert "[✓] Helpdesk reachable, token accepted (auto, required) — local backend" in start.stdout
    assert "[·] Tools logged in (phone, chat, knowledge base) (manual, required)" in start.stdout
    assert "required items not done: Tools logged in" in start.stdout
    done = run(
        "--db",
        db,
        "shift",
        "start",
        "--ack-announcements",
        "--tick",
        "tools",
        "--tick",
        "priority_queue",
        env=profile,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "required items not done" not in done.stdout
    end = run("--db", db, "shift", "end", env=profile)
    assert end.returncode == 2
    assert "  - end checklist: Wrap-up notes written" in end.stdout
    assert "the shift cannot close yet" in end.stderr


def test_checklists_check_names_file_and_line(tmp_path: Path) -> None:
    assert run("checklists", "check").returncode == 0
    team = tmp_path / "team"
    team.mkdir()
    (team / "roster.toml").write_text(
        '[agents."a"]\ntime_zone = "Europe/London"\nstart = "8am"\nend = "17:00"\n'
    )
    checked = run("checklists", "check", str(team))
    assert checked.returncode == 1
    assert checked.stdout.strip() == f"{team / 'roster.toml'}:3: start = '8am' is not a time HH:MM"
