"""`agentdesk audit` and `agentdesk purge` on a real profile under temp platformdirs."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.cli import main
from agentdesk.config import load_settings, profile_paths
from agentdesk.desk.audit_trail import Event, record_event
from agentdesk.desk.session import close_desk, open_desk
from tests.conftest import FIXED_NOW
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.store.factory import add_people, add_ticket


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    with keyring_of(MemoryKeyring()):
        yield tmp_path


def _profile_with(events: int = 0, unsent: bool = False) -> Path:
    settings = load_settings("work")
    desk = open_desk(settings, lambda: FIXED_NOW, start_of_day=False)
    try:
        add_people(desk.store, FIXED_NOW)
        ticket = 1
        add_ticket(desk.store, ticket, created_at=FIXED_NOW, subject="Refund for order 1001")
        for number in range(events):
            record_event(desk, Event.CUSTOMER_VIEW, resource=f"ticket {ticket}", detail=str(number))
        record_event(desk, Event.SIGN_IN, success=False, detail="code: wrong")
        if unsent:
            with desk.store.write() as connection:
                connection.execute(
                    text(
                        "INSERT INTO outbox (ticket_id, op, payload, state, created_at) "
                        "VALUES (:t, 'reply', '{}', 'pending', :at)"
                    ),
                    {"t": ticket, "at": "2026-11-23T14:00:00.000000Z"},
                )
    finally:
        close_desk(desk)
    return settings.db_path


def test_audit_prints_the_events_since_a_day_as_csv(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _profile_with(events=2)
    assert main(["audit", "--since", "2026-11-23", "--format", "csv", "--profile", "work"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["event"], r["success"]) for r in rows] == [
        ("customer_view", "ok"),
        ("customer_view", "ok"),
        ("sign_in", "failed"),
    ]
    assert all(r["origin"].startswith("host=") for r in rows)
    assert rows[0]["resource"].startswith("ticket ")
    assert main(["audit", "--since", "2026-11-24", "--profile", "work"]) == 0
    assert capsys.readouterr().out == ""


def test_audit_refuses_a_date_it_cannot_read(home: Path) -> None:
    with pytest.raises(SystemExit):
        main(["audit", "--since", "last week", "--profile", "work"])


def test_purge_refuses_while_work_is_unsent_and_names_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _profile_with(unsent=True)
    assert main(["purge", "--yes", "--profile", "work"]) == 1
    out = capsys.readouterr()
    assert "1 outbox op(s) are not sent" in out.out and "reply on ticket" in out.out
    assert "nothing was removed" in out.err
    assert db.exists()


def test_purge_force_wipes_the_profile_data_and_says_what_was_lost(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _profile_with(unsent=True)
    config, _, cache = profile_paths("work")
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "page.bin").write_bytes(b"cached")
    db.with_name(db.name + "-wal").write_bytes(b"")  # as a crash leaves them
    db.with_name(db.name + "-shm").write_bytes(b"")
    assert main(["purge", "--yes", "--force", "--profile", "work"]) == 0
    out = capsys.readouterr().out
    assert "reply on ticket" in out and "lost" in out
    assert not db.exists() and not cache.exists()
    assert not db.with_name(db.name + "-wal").exists()
    assert not db.with_name(db.name + "-shm").exists()
    assert config.exists()  # the settings are the agent's, not data
    from agentdesk.log_file import log_dir

    logged = (log_dir() / "agentdesk.log").read_text()
    assert "audit purge ok: profile work" in logged and "1 unsent outbox op(s) lost" in logged


def test_purge_never_touches_a_file_the_user_gave(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = home / "my.db"
    sqlite3.connect(mine).close()
    assert main(["purge", "--yes", "--profile", "work", "--db", str(mine)]) == 1
    assert "not a file you gave" in capsys.readouterr().err
    assert mine.exists()


def test_purge_asks_for_the_profile_name_without_yes(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _profile_with()
    assert main(["purge", "--profile", "work"]) == 1  # no terminal here: no typed name
    assert "--yes" in capsys.readouterr().err
    assert db.exists()


def test_a_saved_token_is_a_credential_change_in_the_trail(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentdesk.security_cli import audit_credential_change

    _profile_with()
    audit_credential_change(load_settings("work"), "rt token for https://rt.example")
    assert main(["audit", "--since", "2000-01-01", "--profile", "work"]) == 0
    assert "credential_change  ok" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[security]\nidle_lock_minutes = 16\n", "longer than the 15 minutes PCI DSS 8.2.8"),
        ("[security]\nidle_lock_minutes = 0\n", "1 or more"),
        ('[security]\nsign_in = "yes"\n', "sign_in must be true or false"),
        ("[security]\nidle_lock = 5\n", "did you mean 'idle_lock_minutes'"),
    ],
)
def test_security_settings_are_checked(home: Path, text: str, problem: str) -> None:
    from agentdesk.config import ConfigError

    config, _, _ = profile_paths("work")
    config.parent.mkdir(parents=True)
    config.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_settings("work")


def test_a_profile_signs_in_and_locks_after_fifteen_minutes_by_default(home: Path) -> None:
    settings = load_settings("work")
    assert settings.sign_in and settings.idle_lock_minutes == 15
    config, _, _ = profile_paths("work")
    config.write_text("[security]\nsign_in = false\nidle_lock_minutes = 5\n")
    settings = load_settings("work")
    assert not settings.sign_in and settings.idle_lock_minutes == 5


def _every_keyring_entry_of(profile: str, clock: list[datetime]) -> None:
    """A profile as a real start leaves it in the keyring: the database key (encrypted
    store), the enrolment (secret, recovery hashes, guard), a code since (the guard moved),
    the verifier key and the helpdesk token."""
    from agentdesk.desk.sign_in import begin_enrolment, check_code, finish_enrolment
    from agentdesk.security import totp
    from agentdesk.security.verifier_key import verifier_key
    from agentdesk.sync.credentials import save_token

    settings = load_settings(profile)
    desk = open_desk(settings, lambda: clock[0], start_of_day=False)
    try:
        enrolment = begin_enrolment(desk)
        step = totp.step_of(clock[0])
        assert finish_enrolment(desk, enrolment, totp.code_at(enrolment.secret, step)).ok
        assert check_code(desk, totp.code_at(enrolment.secret, step + 1)).ok
    finally:
        close_desk(desk)
    verifier_key(profile, settings.db_path.parent / "verifier.key")
    save_token(profile, "https://rt.example", f"token-of-{profile}")


def test_purge_leaves_nothing_of_the_profile_in_the_keyring_but_its_helpdesk_token(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import keyring

    from agentdesk import cli
    from agentdesk.cli_sign_in import ENV_CODE
    from agentdesk.desk.purge import profile_keyring_accounts
    from agentdesk.desk.sign_in import secret_account
    from agentdesk.security import totp

    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    clock = [FIXED_NOW]
    _every_keyring_entry_of("work", clock)
    _every_keyring_entry_of("other", clock)
    others = {key: value for key, value in backend.items.items() if "other" in key[1]}
    kept = {key for key in backend.items if "work" in key[1]}
    assert {account for _, account in kept} >= set(profile_keyring_accounts("work"))
    assert ("agentdesk", "totp-guard/work") in kept  # the entry purge used to leave behind

    clock[0] += timedelta(seconds=60)
    monkeypatch.setattr(cli, "_system_clock", lambda: clock[0])
    secret = backend.items[("agentdesk", secret_account("work"))]
    monkeypatch.setenv(ENV_CODE, totp.code_at(secret, totp.step_of(clock[0])))
    assert main(["purge", "--yes", "--profile", "work"]) == 0, capsys.readouterr().err

    left = {key: value for key, value in backend.items.items() if "work" in key[1]}
    assert left == {("agentdesk", "work@https://rt.example"): "token-of-work"}
    assert {key: value for key, value in backend.items.items() if "other" in key[1]} == others
