"""`agentdesk connect rt` and `agentdesk sync`, run as a user runs them: real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "AGENTDESK_RT_TOKEN"}
    dirs = {name: str(home / name.lower()) for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    return subprocess.run(
        [sys.executable, "-m", "agentdesk", *args],
        capture_output=True,
        text=True,
        timeout=300,
        # No OS keyring in CI: the fail backend makes "no keyring" explicit and deterministic.
        env={**base, **dirs, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **env},
        stdin=subprocess.DEVNULL,
    )


def test_sync_once_on_a_local_profile_prints_a_summary(tmp_path: Path) -> None:
    result = run(tmp_path, "sync", "--once")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "local: online, 0 queued"
    assert "pushed 0, pulled 0, conflicts 0 new (0 open), parked 0" in result.stdout
    assert "bytes in 0, bytes out 0" in result.stdout


def test_an_rt_profile_without_a_token_says_how_to_give_one(tmp_path: Path) -> None:
    config = tmp_path / "xdg_config_home/agentdesk/profiles/default.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[sync]\nbackend = "rt"\nurl = "http://127.0.0.1:9"\n')
    result = run(tmp_path, "sync", "--once")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "AGENTDESK_RT_TOKEN" in result.stderr and "keyring" in result.stderr
    bad = run(tmp_path, "connect", "rt", "not a url", AGENTDESK_RT_TOKEN="x")
    assert bad.returncode == 1 and "is not an http(s) URL" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.rt
def test_connect_then_sync_against_live_rt(tmp_path: Path, rt_server, rt_root, rt_queue) -> None:
    rt_root.create(rt_queue, "From the CLI")
    wrong = run(
        tmp_path, "connect", "rt", rt_server.url, "--queue", rt_queue, AGENTDESK_RT_TOKEN="1-2-x"
    )
    assert wrong.returncode == 1 and "401" in wrong.stderr and "Traceback" not in wrong.stderr
    token = rt_server.token
    connected = run(
        tmp_path, "connect", "rt", rt_server.url, "--queue", rt_queue, AGENTDESK_RT_TOKEN=token
    )
    assert connected.returncode == 0, connected.stderr
    assert f"queues {rt_queue} visible" in connected.stdout
    config = (tmp_path / "xdg_config_home/agentdesk/profiles/default.toml").read_text()
    assert 'backend = "rt"' in config and token not in config
    synced = run(tmp_path, "sync", "--once", AGENTDESK_RT_TOKEN=token)
    assert synced.returncode == 0, synced.stderr
    assert "rt: online, 0 queued" in synced.stdout and "pulled 1," in synced.stdout
    assert token not in synced.stdout + synced.stderr
    down = run(tmp_path, "sync", "--once", AGENTDESK_RT_TOKEN="1-2-revoked")
    assert down.returncode == 4 and "rt: paused" in down.stdout
    assert "agentdesk connect rt" in down.stdout


def test_sync_once_behind_a_captive_portal_is_offline_with_a_clear_message(
    tmp_path: Path,
) -> None:
    from tests.sync.portal import CaptivePortal

    with CaptivePortal() as portal:
        config = tmp_path / "xdg_config_home/agentdesk/profiles/default.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f'[sync]\nbackend = "rt"\nurl = "{portal.url}"\n')
        result = run(tmp_path, "sync", "--once", AGENTDESK_RT_TOKEN="1-2-abc")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 3, (result.stdout, result.stderr)  # offline, as when unreachable
    lines = result.stdout.splitlines()
    assert lines[0] == "rt: offline, 0 queued"
    assert (
        f"RT at {portal.url} answered with something that is not JSON: "
        "'<!DOCTYPE html> <html><head><title>Welcome to TrainNet [31m</title>"
    ) in result.stdout
    assert "\x1b" not in result.stdout and "1-2-abc" not in result.stdout + result.stderr
