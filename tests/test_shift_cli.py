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


def test_the_shift_queue_and_advisory_items_come_from_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentdesk.config import ConfigError
    from agentdesk.sync.runner import rt_settings_for

    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    first = load_settings("team")
    assert (first.shift_queue, first.shift_advisory) == ("Shifts", frozenset())
    assert first.config_path is not None
    first.config_path.write_text(
        '[sync]\nbackend = "rt"\nurl = "http://127.0.0.1:9"\n'
        '[shift]\nqueue = "Night shifts"\nadvisory = ["tools"]\n'
    )
    settings = load_settings("team")
    assert (settings.shift_queue, settings.shift_advisory) == ("Night shifts", {"tools"})
    assert rt_settings_for(settings).shift_queue == "Night shifts"
    first.config_path.write_text('[shift]\nadvisory = "tools"\n')
    with pytest.raises(ConfigError, match=r"team\.toml: \[shift\] advisory must be a list"):
        load_settings("team")
