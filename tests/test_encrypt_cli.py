"""`agentdesk encrypt` on a real profile under temp platformdirs (issue 16): a plain store
becomes an SQLCipher one, verified before the swap, with nothing plain left behind; a file the
user gave is refused; an interrupted conversion leaves the original whole. And monitoring
mode's --db on an agent's encrypted store is a clear refusal."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.cli import main
from agentdesk.config import Settings, load_settings
from agentdesk.core.errors import BadInput
from agentdesk.core.verification import Factor
from agentdesk.desk.encrypt import encrypt_store
from agentdesk.desk.session import close_desk, open_desk
from agentdesk.desk.supervisor import open_supervisor_desk
from agentdesk.security import db_key
from agentdesk.security.db_key import DatabaseKeyError, account, database_key
from agentdesk.store.encrypt_file import EncryptFailed, partial_copy
from agentdesk.store.verification import verifier_rows
from tests.conftest import FIXED_NOW
from tests.security.memory_keyring import MemoryKeyring, keyring_of
from tests.store.factory import add_people, add_ticket

SUBJECT = "Refund for the zebra-striped kettle QX7781"
EMAIL_PART = b"@example"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    db_key._known.clear()
    yield tmp_path
    db_key._known.clear()


def _plain_profile(profile: str = "work") -> Settings:
    """A profile made where no keyring is (conftest: the fail backend): a plain store with
    a ticket, customers' emails, a verifier digest and an unsent op."""
    settings = load_settings(profile)
    desk = open_desk(settings, lambda: FIXED_NOW, start_of_day=False)
    try:
        add_people(desk.store, FIXED_NOW)
        for number in range(1, 31):
            add_ticket(desk.store, number, created_at=FIXED_NOW, subject=f"{SUBJECT} {number}")
        with desk.store.write() as connection:
            for row in verifier_rows(b"v" * 32, 1, {Factor.PAYMENT_LAST4: "4242"}):
                connection.execute(
                    text(
                        "INSERT INTO customer_verifiers (customer_id, factor, salt, digest) "
                        "VALUES (:customer_id, :factor, :salt, :digest)"
                    ),
                    row,
                )
            connection.execute(
                text(
                    "INSERT INTO outbox (ticket_id, op, payload, state, created_at) "
                    "VALUES (1, 'reply', '{\"body\": \"Dear Maria\"}', 'pending', :at)"
                ),
                {"at": "2026-11-23T14:00:00.000000Z"},
            )
    finally:
        close_desk(desk)
    db_key._known.clear()
    assert settings.db_path.read_bytes().startswith(b"SQLite format 3")
    return settings


def _counts(settings: Settings) -> dict[str, int]:
    desk = open_desk(settings, lambda: FIXED_NOW, read_only=True, start_of_day=False)
    try:
        with desk.store.read() as connection:
            names = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            ).scalars()
            return {
                name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in list(names)
            }
    finally:
        close_desk(desk)


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_encrypt_turns_the_plain_store_into_an_encrypted_one_and_leaves_nothing_plain(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _plain_profile()
    before = _counts(settings)
    with keyring_of(MemoryKeyring()) as backend:
        loose = os.umask(0o022)  # a umask that would leave the new file world-readable
        try:
            assert encrypt_store(settings).tables > 40
        finally:
            os.umask(loose)
        assert stat.S_IMODE(settings.db_path.stat().st_mode) == 0o600
        stored = backend.get_password("agentdesk", account("work"))
        assert stored is not None and len(base64.b64decode(stored)) == 32
        db_key._known.clear()  # a new process
        # Every row of every table, read with the key, and the conversion's audit row.
        assert _counts(settings) == {**before, "security_audit": before["security_audit"] + 1}
        desk = open_desk(settings, lambda: FIXED_NOW, start_of_day=False)
        try:
            with desk.store.read() as connection:
                assert (
                    connection.execute(
                        text("SELECT subject FROM tickets WHERE id = 1")
                    ).scalar_one()
                    == f"{SUBJECT} 1"
                )
                found = connection.execute(
                    text("SELECT rowid FROM ticket_search WHERE ticket_search MATCH 'zebra'")
                ).all()
                assert len(found) == 30  # the search index came across whole
        finally:
            close_desk(desk)
        assert main(["encrypt", "--profile", "work"]) == 1  # once is enough
        assert "encrypted already" in capsys.readouterr().err
        db_key._known.clear()  # encrypt = false later: the encrypted file still opens
        assert database_key(replace(settings, encrypt="off")) == base64.b64decode(stored)
    folder = settings.db_path.parent
    files = _folder_bytes(folder)
    assert not any(name.endswith(".encrypting") for name in files)
    for name, data in files.items():  # the byte scan: no ticket text, no email, no digest
        assert SUBJECT.encode() not in data and b"zebra" not in data, name
        assert EMAIL_PART not in data and b"Dear Maria" not in data, name
        assert not data.startswith(b"SQLite format 3"), name


def test_a_file_the_user_gave_is_refused_and_left_as_it_is(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _plain_profile()
    mine = home / "mine.db"
    mine.write_bytes(settings.db_path.read_bytes())
    before = hashlib.sha256(mine.read_bytes()).hexdigest()
    with keyring_of(MemoryKeyring()) as backend:
        assert main(["encrypt", "--profile", "work", "--db", str(mine)]) == 1
        assert backend.items == {}
    err = capsys.readouterr().err
    assert "is a file you gave (--db)" in err and "never moves or rewrites" in err
    assert "Traceback" not in err
    assert hashlib.sha256(mine.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in home.iterdir() if p.is_file()) == ["mine.db"]


@pytest.mark.parametrize("fault_at", ["locked", "exported", "verified"])
def test_an_interrupted_conversion_leaves_the_original_whole_and_openable(
    home: Path, fault_at: str
) -> None:
    settings = _plain_profile()
    before = _counts(settings)

    def fault(step: str) -> None:
        if step == fault_at:
            raise KeyboardInterrupt  # as the agent pressing ctrl+c half-way

    with keyring_of(MemoryKeyring()), pytest.raises(KeyboardInterrupt):
        encrypt_store(settings, step=fault)
    assert settings.db_path.read_bytes().startswith(b"SQLite format 3")
    assert not partial_copy(settings.db_path).exists()
    db_key._known.clear()
    assert _counts(settings) == before  # plain, whole, and it opens


_HOLD_OPEN = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("SELECT count(*) FROM tickets").fetchall()
print("open", flush=True)
sys.stdin.read()
"""


def test_a_copy_left_by_a_crash_is_replaced_and_a_store_in_use_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _plain_profile()
    stale = partial_copy(settings.db_path)
    stale.write_bytes(b"\x8f" * 4096)  # a crash's half-made ciphertext
    before = _counts(settings)
    with keyring_of(MemoryKeyring()):
        running = subprocess.Popen(  # another agentdesk process with the store open
            [sys.executable, "-c", _HOLD_OPEN, str(settings.db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert running.stdout is not None and running.stdout.readline().strip() == "open"
            with pytest.raises(EncryptFailed, match="open in another agentdesk"):
                encrypt_store(settings)
        finally:
            running.communicate("", timeout=60)
        assert settings.db_path.read_bytes().startswith(b"SQLite format 3")
        assert not stale.exists()
        assert main(["encrypt", "--profile", "work"]) == 0
        assert re.search(r"encrypted \(\d+ tables, \d+ rows checked\)", capsys.readouterr().out)
        db_key._known.clear()
        assert _counts(settings) == {**before, "security_audit": before["security_audit"] + 1}
    assert not stale.exists()


def test_the_conversion_is_a_row_of_the_security_audit_trail(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _plain_profile()
    with keyring_of(MemoryKeyring()):
        assert main(["encrypt", "--profile", "work"]) == 0
        db_key._known.clear()
        capsys.readouterr()
        assert main(["audit", "--since", "2000-01-01", "--format", "csv", "--profile", "work"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    encrypted = [r for r in rows if r["resource"] == "database key"]
    assert len(encrypted) == 1, rows
    (row,) = encrypted
    assert (row["event"], row["success"]) == ("credential_change", "ok")
    assert re.fullmatch(r"store encrypted \(SQLCipher\): \d+ tables, \d+ rows", row["detail"])
    assert row["origin"]  # host and terminal, as every security event


def test_start_up_names_the_command_and_encrypt_refuses_what_it_must(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _plain_profile()
    assert settings.config_path is not None
    with keyring_of(MemoryKeyring()):
        with pytest.raises(DatabaseKeyError, match=r"Run `agentdesk encrypt --profile work`"):
            database_key(replace(settings, encrypt="on"))
        mine = home / "mine.db"
        mine.write_bytes(settings.db_path.read_bytes())
        with pytest.raises(DatabaseKeyError, match="never rewrites a file you gave"):
            database_key(replace(settings, encrypt="on", db_path=mine))
        with pytest.raises(BadInput, match="encrypt = false keeps this profile plain"):
            encrypt_store(replace(settings, encrypt="off"))
    before = settings.db_path.read_bytes()
    assert main(["encrypt", "--profile", "work"]) == 1  # conftest: no keyring here
    err = capsys.readouterr().err
    assert "its key has nowhere safe to live" in err and "Nothing was changed" in err
    assert settings.db_path.read_bytes() == before


def test_a_supervisors_db_on_an_agents_encrypted_store_needs_that_agents_key(
    home: Path,
) -> None:
    with keyring_of(MemoryKeyring()) as backend:
        agent = load_settings("amara")
        close_desk(open_desk(agent, lambda: FIXED_NOW, start_of_day=False))  # encrypted
        assert not agent.db_path.read_bytes().startswith(b"SQLite format 3")
        lead = replace(
            load_settings("lead"), supervisor=True, watching_other_store=True, encrypt="auto"
        )
        # The same login holds amara's key: her own store's path names her profile.
        db_key._known.clear()
        watched = open_supervisor_desk(replace(lead, db_path=agent.db_path), lambda: FIXED_NOW)
        close_desk(watched)
        # A copy elsewhere, or another login's keyring: a refusal that says what to do.
        copy = home / "amara-copy.db"
        copy.write_bytes(agent.db_path.read_bytes())
        db_key._known.clear()
        with pytest.raises(DatabaseKeyError) as refused:
            open_supervisor_desk(replace(lead, db_path=copy), lambda: FIXED_NOW)
        message = str(refused.value)
        assert "opens only with that agent's database key" in message
        assert "`agentdesk --supervisor` without --db" in message
        assert "not a database" not in message and "move the file away" not in message
        db_key._known.clear()  # the supervisor's own encrypt = false changes nothing of it
        with pytest.raises(DatabaseKeyError, match="that agent's database key"):
            open_supervisor_desk(replace(lead, db_path=copy, encrypt="off"), lambda: FIXED_NOW)
        backend.items.clear()
        db_key._known.clear()
        with pytest.raises(DatabaseKeyError, match="that agent's database key"):
            open_supervisor_desk(replace(lead, db_path=agent.db_path), lambda: FIXED_NOW)
    db_key._known.clear()
    with pytest.raises(DatabaseKeyError, match="no system keyring"):  # conftest's fail backend
        open_supervisor_desk(replace(lead, db_path=agent.db_path), lambda: FIXED_NOW)
    assert copy.read_bytes() == agent.db_path.read_bytes()  # nothing was changed


def test_purge_removes_a_copy_an_interrupted_encrypt_left(home: Path) -> None:
    settings = _plain_profile()
    stale = partial_copy(settings.db_path)
    stale.write_bytes(b"\x8f" * 4096)
    assert main(["purge", "--yes", "--force", "--profile", "work"]) == 0
    assert not stale.exists() and not settings.db_path.exists()
