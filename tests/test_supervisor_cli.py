"""How monitoring mode is chosen (issue 15): --supervisor, or a profile's role; the profile's
dashboard interval; and what --db means in monitoring mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentdesk import cli
from agentdesk.config import ConfigError, Settings, load_settings


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return tmp_path


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The settings the TUI would be started with (the app itself is not run)."""
    seen: list[Settings] = []

    class NoApp:
        return_code = 0

        def run(self) -> None:
            return None

    def make_app(settings: Settings, clock: Any = None) -> NoApp:
        seen.append(settings)
        return NoApp()

    monkeypatch.setattr("agentdesk.app.make_app", make_app)
    return seen


def test_the_first_run_config_is_an_agents(dirs: Path) -> None:
    settings = load_settings("default")
    assert not settings.supervisor and settings.supervisor_refresh_seconds == 15


def test_a_supervisor_profile(dirs: Path, started: list[Settings]) -> None:
    path = load_settings("lead").config_path
    assert path is not None
    path.write_text('[agent]\nrole = "supervisor"\n\n[supervisor]\nrefresh_seconds = 5\n')
    assert cli.main(["--profile", "lead"]) == 0
    (settings,) = started
    assert settings.supervisor and not settings.shift
    assert settings.supervisor_refresh_seconds == 5
    assert not settings.watching_other_store  # its own store: the pull cache


def test_a_bad_role_or_interval_is_named(dirs: Path) -> None:
    path = load_settings("lead").config_path
    assert path is not None
    path.write_text('[agent]\nrole = "boss"\n')
    with pytest.raises(ConfigError, match=r"lead\.toml: \[agent\] role = 'boss'"):
        load_settings("lead")
    path.write_text("[supervisor]\nrefresh_seconds = 0\n")
    with pytest.raises(ConfigError, match=r"\[supervisor\] refresh_seconds must be"):
        load_settings("lead")
    path.write_text("[supervisor]\nrefresh = 5\n")
    with pytest.raises(ConfigError, match="did you mean 'refresh_seconds'"):
        load_settings("lead")


def test_supervisor_flag_and_another_agents_store(
    dirs: Path, started: list[Settings], tmp_path: Path
) -> None:
    assert cli.main(["--supervisor"]) == 0
    assert cli.main(["--supervisor", "--db", str(tmp_path / "agent.db")]) == 0
    own, other = started
    assert own.supervisor and not own.watching_other_store
    assert other.supervisor and other.watching_other_store
    assert other.db_path == tmp_path / "agent.db"


def test_the_demo_is_its_own_store(dirs: Path, started: list[Settings], tmp_path: Path) -> None:
    assert cli.main(["--demo", "--supervisor", "--db", str(tmp_path / "demo.db")]) == 0
    (settings,) = started
    assert settings.supervisor and settings.demo and not settings.watching_other_store
