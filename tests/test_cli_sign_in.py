"""The code before a CLI subcommand (issue 16), on a real enrolled profile under temp
platformdirs with an in-memory keyring and a fixed clock: a wrong code, a replay, a lockout
and no terminal are refused with exit 6 and nothing done; the right code (typed or from
AGENTDESK_TOTP_CODE) lets the subcommand run; `sign_in = false` asks nothing."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from agentdesk import cli, cli_sign_in
from agentdesk.cli import main
from agentdesk.config import load_settings, profile_paths
from agentdesk.desk.session import close_desk, open_desk
from agentdesk.desk.sign_in import begin_enrolment, finish_enrolment, secret_account
from agentdesk.security import totp
from agentdesk.security.keyring_access import get_secret
from tests.conftest import FIXED_NOW
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.store.factory import add_people, add_ticket

AUDIT = ["audit", "--since", "2026-11-01", "--format", "csv", "--profile", "work"]


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Prompt:
    def __init__(self) -> None:
        self.answers: list[str] = []
        self.asked: list[str] = []

    def __call__(self, question: str) -> str:
        self.asked.append(question)
        return self.answers.pop(0)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv(cli_sign_in.ENV_CODE, raising=False)
    with keyring_of(MemoryKeyring()):
        yield tmp_path


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(cli, "_system_clock", clock)
    return clock


@pytest.fixture
def prompt(monkeypatch: pytest.MonkeyPatch) -> Prompt:
    prompt = Prompt()
    monkeypatch.setattr(cli_sign_in, "_getpass", prompt)
    monkeypatch.setattr("sys.stdin", Terminal())
    return prompt


@pytest.fixture
def secret(enrolled: totp.Enrolment) -> str:
    return enrolled.secret


@pytest.fixture
def enrolled(home: Path, clock: Clock) -> totp.Enrolment:
    """Profile "work" (sign-in on by default), one ticket, enrolled at FIXED_NOW; the clock
    then one step on, so the enrolment's code is a replay."""
    settings = load_settings("work")
    desk = open_desk(settings, clock, start_of_day=False)
    try:
        add_people(desk.store, FIXED_NOW)
        add_ticket(desk.store, 1, created_at=FIXED_NOW, subject="Refund for order 1001")
        enrolment = begin_enrolment(desk)
        assert finish_enrolment(desk, enrolment, _code(enrolment.secret, clock)).ok
    finally:
        close_desk(desk)
    clock.now += timedelta(seconds=30)
    return enrolment


def _code(secret: str, clock: Clock) -> str:
    return totp.code_at(secret, totp.step_of(clock.now))


def _wrong(secret: str, clock: Clock) -> str:
    step = totp.step_of(clock.now)
    near = {totp.code_at(secret, step + d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def _events(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str, str]]:
    rows = csv.DictReader(io.StringIO(capsys.readouterr().out))
    return [(r["event"], r["success"], r["resource"], r["detail"]) for r in rows]


def test_the_right_code_lets_the_command_run_and_is_in_the_trail(
    secret: str, clock: Clock, prompt: Prompt, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt.answers.append(_code(secret, clock))
    assert main(AUDIT) == 0
    assert prompt.asked == ["agentdesk audit: code from your authenticator app (not echoed): "]
    assert _events(capsys)[-1] == ("sign_in", "ok", "agentdesk audit", "code")


def test_a_wrong_code_is_refused_and_nothing_is_done(
    secret: str, clock: Clock, prompt: Prompt, capsys: pytest.CaptureFixture[str]
) -> None:
    db = profile_paths("work")[1]
    prompt.answers.append(_wrong(secret, clock))
    assert main(["purge", "--yes", "--force", "--profile", "work"]) == cli_sign_in.EXIT_SIGN_IN
    captured = capsys.readouterr()
    assert "Wrong code (9 tries left); nothing was done" in captured.err
    assert "will remove" not in captured.out
    assert db.exists()


def test_a_replayed_code_is_refused(
    secret: str, clock: Clock, prompt: Prompt, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt.answers.append(_code(secret, clock))
    assert main(AUDIT) == 0
    capsys.readouterr()
    prompt.answers.append(_code(secret, clock))  # the same step: seen over a shoulder
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    captured = capsys.readouterr()
    assert "already used" in captured.err and captured.out == ""


def test_ten_wrong_codes_lock_the_command_line_out_too(
    secret: str, clock: Clock, prompt: Prompt, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(totp.MAX_WRONG_CODES):
        prompt.answers.append(_wrong(secret, clock))
        assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    capsys.readouterr()
    prompt.answers.append(_code(secret, clock))
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    assert "locked until" in capsys.readouterr().err
    clock.now += totp.LOCKOUT
    prompt.answers.append(_code(secret, clock))
    assert main(AUDIT) == 0


def test_no_terminal_and_no_code_is_a_clear_error(
    secret: str, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(cli_sign_in, "_getpass", asked.append)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # cron: no terminal
    db = profile_paths("work")[1]
    assert main(["purge", "--yes", "--force", "--profile", "work"]) == cli_sign_in.EXIT_SIGN_IN
    err = capsys.readouterr().err
    assert "signs in with a code" in err and cli_sign_in.ENV_CODE in err
    assert "nothing was done" in err
    assert asked == [] and db.exists()


def test_the_code_from_the_environment_is_used_once(
    secret: str, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setenv(cli_sign_in.ENV_CODE, _code(secret, clock))
    assert main(AUDIT) == 0
    assert cli_sign_in.ENV_CODE not in os.environ  # no child process inherits it
    assert _events(capsys)[-1][:3] == ("sign_in", "ok", "agentdesk audit")


def test_a_service_profile_with_sign_in_off_asks_nothing(
    home: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(cli_sign_in, "_getpass", asked.append)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    config = profile_paths("reports")[0]
    config.parent.mkdir(parents=True)
    config.write_text("[security]\nsign_in = false\n")
    desk = open_desk(load_settings("reports"), clock, start_of_day=False)
    try:  # even one that enrolled before it was made a service account
        enrolment = begin_enrolment(desk)
        assert finish_enrolment(desk, enrolment, _code(enrolment.secret, clock)).ok
    finally:
        close_desk(desk)
    clock.now += timedelta(seconds=30)
    assert main(["audit", "--since", "2026-11-01", "--profile", "reports"]) == 0
    assert asked == []


def test_a_replaced_store_signs_in_with_the_kept_secret(
    secret: str, clock: Clock, prompt: Prompt, capsys: pytest.CaptureFixture[str]
) -> None:
    """The keyring holds the profile's secret, the store no sign-in state: the current code,
    checked against the kept secret, rebuilds it; the secret is not replaced."""
    db = profile_paths("work")[1]
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    prompt.answers.append(_code(secret, clock))
    assert main(AUDIT) == 0
    captured = capsys.readouterr()
    assert "holds no sign-in state" in captured.err and "rebuilds it" in captured.err
    assert "tell your supervisor" in captured.err
    rows = csv.DictReader(io.StringIO(captured.out))
    events = [(r["event"], r["success"], r["detail"]) for r in rows]
    assert ("credential_change", "ok", "sign-in state rebuilt: the store had none") in events
    assert events[-1] == ("sign_in", "ok", "code")
    assert get_secret(secret_account("work"), "check the test's secret") == secret
    # The code is used up in the rebuilt state, and a wrong one is refused and counted.
    prompt.answers.extend([_code(secret, clock), _wrong(secret, clock)])
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    assert "already used" in capsys.readouterr().err
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    assert "Wrong code (8 tries left)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["sync", "--once"],
        ["shift", "status"],
        ["audit", "--since", "2026-11-01"],
        ["purge", "--yes", "--force"],
        ["report", "--week", "2026-W48"],
        ["qa", "sample"],
        ["connect", "rt", "http://127.0.0.1:9", "--no-check"],
        ["encrypt"],
    ],
)
def test_every_command_on_customer_data_or_credentials_asks(
    secret: str,
    clock: Clock,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setenv("AGENTDESK_RT_TOKEN", "token-from-env")
    config, db, _ = profile_paths("work")
    before = (config.read_bytes(), db.read_bytes())
    assert main(["--profile", "work", *argv]) == cli_sign_in.EXIT_SIGN_IN
    captured = capsys.readouterr()
    assert f"run `agentdesk {argv[0]}` in a terminal" in captured.err
    assert captured.out == ""
    assert (config.read_bytes(), db.read_bytes()) == before


def test_an_enrolled_profile_whose_store_cannot_be_read_is_refused(
    secret: str, clock: Clock, prompt: Prompt, capsys: pytest.CaptureFixture[str]
) -> None:
    db = profile_paths("work")[1]
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    db.write_text("not a database\n")
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    err = capsys.readouterr().err
    assert "nothing was done" in err and prompt.asked == []
    assert db.read_text() == "not a database\n"


class NewPhone(Prompt):
    """The agent at the terminal: a recovery code, then the first code of the new secret,
    read off the URI agentdesk printed (as the phone reads the QR)."""

    def __init__(self, recovery: str, clock: Clock, shown: io.StringIO) -> None:
        super().__init__()
        self.recovery, self.clock, self.shown = recovery, clock, shown

    def __call__(self, question: str) -> str:
        self.asked.append(question)
        if len(self.asked) == 1:
            return self.recovery
        uri = re.search(r"otpauth://\S+", self.shown.getvalue())
        assert uri is not None
        new_secret = parse_qs(urlparse(uri.group()).query)["secret"][0]
        return _code(new_secret, self.clock)


def test_a_recovery_code_signs_in_then_enrols_the_new_phone_before_the_command(
    enrolled: totp.Enrolment,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = Terminal()
    phone = NewPhone(enrolled.recovery_codes[0], clock, shown)
    monkeypatch.setattr(cli_sign_in, "_getpass", phone)
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("sys.stderr", shown)
    assert main(AUDIT) == 0
    said = shown.getvalue()
    assert "Signed in with a recovery code; 9 left. Enrol your new phone now." in said
    assert "█" in said  # the QR, on the terminal
    assert len(phone.asked) == 2 and "new phone" in phone.asked[1]
    new = get_secret(secret_account("work"), "check the test's secret")
    assert new is not None and new != enrolled.secret  # the lost phone's secret is gone
    new_codes = re.findall(r"^  ([A-Z0-9]{5}-[A-Z0-9]{5})$", said, re.MULTILINE)
    assert len(new_codes) == totp.RECOVERY_CODES
    events = _events(capsys)  # the command ran after it: its output is the trail
    assert ("sign_in", "ok", "agentdesk audit", "recovery code") in events
    assert ("credential_change", "ok", "totp", "enrolled") in events
    # The old phone's codes and the old recovery codes no longer sign in.
    clock.now += timedelta(seconds=60)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    for old in (_code(enrolled.secret, clock), enrolled.recovery_codes[1]):
        typing = Prompt()
        typing.answers.append(old)
        monkeypatch.setattr(cli_sign_in, "_getpass", typing)
        assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN


def test_a_recovery_code_without_a_new_phone_runs_nothing(
    enrolled: totp.Enrolment,
    clock: Clock,
    prompt: Prompt,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stderr", Terminal())
    prompt.answers.extend([enrolled.recovery_codes[0], ""])  # Enter instead of the new code
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    assert "no new phone was enrolled" in sys.stderr.getvalue()  # type: ignore[attr-defined]
    assert capsys.readouterr().out == ""  # the command did not run
    assert get_secret(secret_account("work"), "check the test's secret") == enrolled.secret


def test_a_recovery_code_from_the_environment_is_refused_unused(
    enrolled: totp.Enrolment,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a script: no terminal to enrol on
    monkeypatch.setenv(cli_sign_in.ENV_CODE, enrolled.recovery_codes[0])
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    assert "it was not used" in capsys.readouterr().err
    prompt = Prompt()
    prompt.answers.append(enrolled.recovery_codes[0])
    monkeypatch.setattr(cli_sign_in, "_getpass", prompt)
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("sys.stderr", Terminal())
    prompt.answers.append("")
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN  # the code still works (no new phone here)
    assert "Signed in with a recovery code; 9 left" in sys.stderr.getvalue()  # type: ignore[attr-defined]


class CtrlC(Prompt):
    """Types its answers, then ctrl+c (getpass raises KeyboardInterrupt)."""

    def __call__(self, question: str) -> str:
        if not self.answers:
            raise KeyboardInterrupt
        return super().__call__(question)


def test_ctrl_c_at_the_new_phone_leaves_it_owed_and_the_old_phone_refused(
    enrolled: totp.Enrolment, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompt = CtrlC()
    prompt.answers.append(enrolled.recovery_codes[0])
    monkeypatch.setattr(cli_sign_in, "_getpass", prompt)
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("sys.stderr", Terminal())
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    assert "asks for another recovery code" in sys.stderr.getvalue()  # type: ignore[attr-defined]
    clock.now += timedelta(seconds=60)
    shown = Terminal()
    monkeypatch.setattr("sys.stderr", shown)
    old = Prompt()
    old.answers.append(_code(enrolled.secret, clock))  # the lost phone, at the next start
    monkeypatch.setattr(cli_sign_in, "_getpass", old)
    assert main(AUDIT) == cli_sign_in.EXIT_SIGN_IN
    assert "old phone's codes no longer sign in" in shown.getvalue()
    phone = NewPhone(enrolled.recovery_codes[1], clock, shown)
    monkeypatch.setattr(cli_sign_in, "_getpass", phone)
    assert main(AUDIT) == 0  # another recovery code and the new phone: the command runs
