"""`agentdesk connect rt` and `agentdesk sync`, run as a user runs them: real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sync.rt_server import free_port


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


def test_global_options_work_after_the_subcommand_too(tmp_path: Path) -> None:
    after = run(tmp_path, "sync", "--once", "--profile", "night")
    assert after.returncode == 0, after.stderr
    assert (tmp_path / "xdg_config_home/agentdesk/profiles/night.toml").exists()
    before = run(tmp_path, "--profile", "early", "sync", "--once")
    assert before.returncode == 0, before.stderr
    assert (tmp_path / "xdg_config_home/agentdesk/profiles/early.toml").exists()
    # Given before the subcommand and not after it, the first value holds.
    db = tmp_path / "elsewhere.db"
    kept = run(tmp_path, "--db", str(db), "sync", "--once", "--profile", "night")
    assert kept.returncode == 0, kept.stderr and db.exists()


def test_connect_to_nothing_says_so_in_plain_words_and_saves_nothing(tmp_path: Path) -> None:
    port = free_port()
    result = run(tmp_path, "connect", "rt", f"http://127.0.0.1:{port}", AGENTDESK_RT_TOKEN="t")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"nothing answers at 127.0.0.1:{port}" in result.stderr
    assert "ConnectError" not in result.stderr and "nothing was saved" in result.stderr
    config = tmp_path / "xdg_config_home/agentdesk/profiles/default.toml"
    assert 'backend = "rt"' not in config.read_text()


def test_a_token_from_the_environment_is_not_claimed_to_be_in_the_keyring(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run(tmp_path, "connect", "rt", url, "--no-check", AGENTDESK_RT_TOKEN="t")
    assert result.returncode == 0, result.stderr
    config = (tmp_path / "xdg_config_home/agentdesk/profiles/default.toml").read_text()
    assert "keyring" not in config and "$AGENTDESK_RT_TOKEN" in config
    # The comment of the first-run config names the placeholders as a macro writes them.
    assert "{{company}} and {{department}}" in config


def test_sync_once_offline_says_what_happened_and_that_work_stays_queued(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert run(tmp_path, "connect", "rt", url, "--no-check", AGENTDESK_RT_TOKEN="t").returncode == 0
    result = run(tmp_path, "sync", "--once", AGENTDESK_RT_TOKEN="t")
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "will try again" not in result.stdout
    assert "nothing answers at 127.0.0.1" in result.stdout
    assert (
        "sync --once: no usable answer from the helpdesk (why: above), nothing more is tried now"
        in (result.stdout)
    )


def test_network_failures_are_named_in_plain_words() -> None:
    import socket
    import ssl

    import httpx

    from agentdesk.sync.rt.client import network_words

    timeouts = (5.0, 20.0, 20.0, 5.0)

    def wrapped(error: Exception, cause: BaseException) -> Exception:
        error.__cause__ = cause
        return error

    dns = wrapped(
        httpx.ConnectError("[Errno -2]"), socket.gaierror(-2, "Name or service not known")
    )
    assert network_words(dns, "https://rt.example", timeouts) == (
        "the name 'rt.example' cannot be found (DNS: Name or service not known)"
    )
    refused = wrapped(httpx.ConnectError("[Errno 111]"), ConnectionRefusedError(111, "refused"))
    assert network_words(refused, "http://127.0.0.1:9", timeouts).startswith(
        "nothing answers at 127.0.0.1:9"
    )
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_message = "self-signed certificate"
    tls = wrapped(httpx.ConnectError("ssl"), cert)
    assert network_words(tls, "https://rt.example", timeouts) == (
        "rt.example:443 presented a TLS certificate that is not trusted (self-signed certificate)"
    )
    slow = httpx.ConnectTimeout("timed out")
    assert network_words(slow, "https://rt.example:8443", timeouts) == (
        "rt.example:8443 did not answer within 5 s"
    )
    silent = httpx.ReadTimeout("timed out")
    assert "sent no answer within 20 s" in network_words(silent, "https://rt.example", timeouts)


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
        "'<!DOCTYPE html> <html><head><title>Welcome to TrainNet</title>"
    ) in result.stdout
    assert "\x1b" not in result.stdout and "1-2-abc" not in result.stdout + result.stderr
