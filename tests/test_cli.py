"""The command line, run as a user runs it: a real process."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agentdesk import __version__
from agentdesk.config import ConfigError, load_settings


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentdesk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_version_and_help_work_without_a_terminal() -> None:
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"agentdesk {__version__}"
    helped = run("--help")
    assert helped.returncode == 0
    assert "--demo" in helped.stdout and "demo-data" in helped.stdout


def test_demo_data_writes_a_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run(
        "demo-data",
        "--tickets",
        "120",
        "--seed",
        "3",
        "--db",
        str(db),
        "--now",
        "2026-11-23T14:00:00+00:00",
    )
    assert result.returncode == 0, result.stderr
    assert "120 tickets" in result.stdout
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM tickets").fetchone() == (120,)


def test_demo_data_refuses_bad_arguments_by_name(tmp_path: Path) -> None:
    result = run("demo-data", "--tickets", "-5", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2 and "-5 must be above 0" in result.stderr
    result = run("demo-data", "--db", str(tmp_path / "x.db"), "--now", "2026-11-23T14:00")
    assert result.returncode == 2 and "has no time zone" in result.stderr


def test_demo_data_refuses_a_foreign_file_and_leaves_it_alone(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("shopping list\n")
    result = run("demo-data", "--tickets", "10", "--db", str(db))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{db} is not an agentdesk database" in result.stderr
    assert "nothing was changed" in result.stderr
    assert db.read_text() == "shopping list\n"
    assert not list(tmp_path.glob("notes.db.unusable-*"))


def test_demo_data_refuses_to_mix_into_a_filled_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run("demo-data", "--tickets", "10", "--db", str(db)).returncode == 0
    again = run("demo-data", "--tickets", "10", "--db", str(db))
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert str(db) in again.stderr


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return tmp_path


def test_first_run_writes_a_commented_profile_config(dirs: Path) -> None:
    settings = load_settings("default")
    assert settings.config_path is not None and settings.config_path.exists()
    assert str(dirs) in str(settings.config_path) and str(dirs) in str(settings.db_path)
    assert settings.backend == "local"
    settings.config_path.write_text('[agent]\nhandle = "li.wei"\n')
    assert load_settings("default").agent_handle == "li.wei"


def test_a_broken_config_names_the_file_and_key(dirs: Path) -> None:
    settings = load_settings("work")
    assert settings.config_path is not None
    settings.config_path.write_text("[agent]\nhandle = 42\n")
    with pytest.raises(ConfigError, match=r"work\.toml: \[agent\] handle must be a string"):
        load_settings("work")
    settings.config_path.write_text("[agent\n")
    with pytest.raises(ConfigError, match=r"work\.toml"):
        load_settings("work")


def test_profile_names_cannot_escape_the_profile_folder() -> None:
    with pytest.raises(ConfigError, match="not allowed"):
        load_settings("../../etc")


def test_the_verification_policy_comes_from_the_profile(dirs: Path) -> None:
    from datetime import timedelta

    from agentdesk.session import open_session
    from tests.conftest import FIXED_NOW

    settings = load_settings("work")
    assert (settings.verify_max_attempts, settings.verify_valid_minutes) == (3, 30)
    assert settings.config_path is not None
    settings.config_path.write_text("[verification]\nmax_attempts = 5\nvalid_minutes = 10\n")
    session = open_session(load_settings("work"), FIXED_NOW)
    try:
        assert session.store.verification.max_attempts == 5
        assert session.store.verification.valid_for == timedelta(minutes=10)
    finally:
        session.store.close()
    settings.config_path.write_text("[verification]\nmax_attempts = 0\n")
    with pytest.raises(ConfigError, match=r"\[verification\] max_attempts must be a whole"):
        load_settings("work")


def test_unknown_keys_and_sections_are_named_with_their_line(dirs: Path) -> None:
    settings = load_settings("work")
    assert settings.config_path is not None
    settings.config_path.write_text(
        '[agent]\nhandel = "li.wei"\n\n[sync]\nbackend = "local"\nurll = "https://rt"\n'
        "\n[verificaton]\nmax_attempts = 5\n"
    )
    path = settings.config_path
    with pytest.raises(ConfigError) as raised:
        load_settings("work")
    lines = str(raised.value).splitlines()
    assert lines[:3] == [
        f"{path}:2: unknown key 'handel' (did you mean 'handle'?)",
        f"{path}:6: unknown key 'urll' (did you mean 'url'?)",
        f"{path}:8: unknown section [verificaton] (did you mean [verification]?)",
    ]
    # The file is the user's: it is reported, never rewritten.
    assert "handel" in path.read_text()


def test_an_unknown_key_stops_the_cli_before_anything_starts(dirs: Path) -> None:
    env = {name: str(dirs / name.lower()) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    config = dirs / "xdg_config_home/agentdesk/profiles/default.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[ui]\ntheme = "nord"\ncolour = "red"\n')
    result = run("sync", "--once", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{config}:3: unknown key 'colour'" in result.stderr
    tui = run(env=env)
    assert tui.returncode == 1 and f"{config}:3: unknown key 'colour'" in tui.stderr


def test_the_first_run_config_holds_only_keys_agentdesk_reads(dirs: Path) -> None:
    # A section added to the template but not to config_keys.KNOWN_KEYS would stop every
    # new profile at its first start.
    from agentdesk.config import CONFIG_TEMPLATE
    from agentdesk.config_keys import KNOWN_KEYS

    settings = load_settings("fresh")
    assert settings.config_path is not None and settings.config_path.exists()
    sections = set(re.findall(r"^\[(\w+)\]", CONFIG_TEMPLATE, flags=re.M))
    assert sections <= set(KNOWN_KEYS)
