"""A real profile's store encrypted at rest with SQLCipher (issue 16), on real files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.core.verification import Factor
from agentdesk.store import engine, engine_factory
from agentdesk.store.connect import connect_file
from agentdesk.store.engine import (
    NotAgentdeskStore,
    StoreBusy,
    StoreKeyWrong,
    StoreNotWritable,
    check_store,
    open_store,
    open_store_read_only,
)
from agentdesk.store.peek import peek_queue
from agentdesk.store.rows import QueueFilter
from agentdesk.store.verification import verifier_rows
from tests.conftest import FIXED_NOW
from tests.store.factory import add_people, add_ticket

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SUBJECT = "Refund for the zebra-striped kettle QX7781"
EMAIL = "maria.garcia@example.com"
VERIFIER_KEY = b"v" * 32


def _fill(store: engine.Store) -> str:
    """A ticket with a known subject, a customer's email and a verifier; the verifier's
    stored digest is returned (the value itself is never stored, plain or not)."""
    add_people(store, FIXED_NOW)
    add_ticket(store, 1, created_at=FIXED_NOW, subject=SUBJECT)
    rows = verifier_rows(VERIFIER_KEY, 1, {Factor.PAYMENT_LAST4: "4242"})
    with store.write() as connection:
        for row in rows:
            connection.execute(
                text(
                    "INSERT INTO customer_verifiers (customer_id, factor, salt, digest) "
                    "VALUES (:customer_id, :factor, :salt, :digest)"
                ),
                row,
            )
    return str(rows[0]["digest"])


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


def _fingerprint(path: Path) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in _files(path).items()}


def test_an_encrypted_store_round_trips_with_its_key(tmp_path: Path, policy) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "agentdesk.db"
    first = open_store(path, policy, key=KEY)
    _fill(first)
    first.close()
    assert not path.read_bytes().startswith(b"SQLite format 3")  # the header is ciphertext
    again = open_store(path, policy, key=KEY)
    try:
        with again.read() as connection:
            subject = connection.execute(text("SELECT subject FROM tickets")).scalar_one()
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        assert (subject, mode) == (SUBJECT, "wal")
        check_store(again)  # the deferred health check opens it with the same key
    finally:
        again.close()
    reader = open_store_read_only(path, policy, key=KEY)  # the supervisor's mode=ro open
    try:
        with reader.read() as connection:
            assert connection.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 1
    finally:
        reader.close()
    peek = peek_queue(path, QueueFilter(), "", FIXED_NOW, 10, KEY)
    assert peek is not None and [row.subject for row in peek.first_page] == [SUBJECT]


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "encrypted"])
def test_a_byte_scan_of_the_db_wal_and_shm_finds_no_ticket_text(
    tmp_path: Path,
    policy,
    key: bytes | None,  # type: ignore[no-untyped-def]
) -> None:
    """The plain store is the control: the same scan finds every value there."""
    path = tmp_path / "agentdesk.db"
    store = open_store(path, policy, key=key)
    try:
        digest = _fill(store)
        files = _files(path)  # while open: the writes are still in the WAL
    finally:
        store.close()
    assert {"agentdesk.db", "agentdesk.db-wal", "agentdesk.db-shm"} <= set(files)
    assert len(files["agentdesk.db-wal"]) > 0
    needles = [SUBJECT.encode(), EMAIL.encode(), digest.encode(), b"Maria Garcia Lopez"]
    found = {n for n in needles for data in files.values() if n in data}
    if key is None:
        assert found == set(needles)
    else:
        assert found == set()


def test_a_wrong_key_is_a_clear_error_and_moves_nothing(tmp_path: Path, policy) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "agentdesk.db"
    store = open_store(path, policy, key=KEY)
    _fill(store)
    store.close()
    before = _fingerprint(path)
    with pytest.raises(StoreKeyWrong) as caught:
        open_store(path, policy, key=OTHER_KEY)
    assert str(caught.value).startswith(f"the database key in the keyring does not open {path}")
    assert "file is not a database" in str(caught.value)
    with pytest.raises(StoreKeyWrong):
        open_store(path, policy, key=OTHER_KEY, quick_check=False)
    with pytest.raises(StoreKeyWrong):
        open_store_read_only(path, policy, key=OTHER_KEY)
    assert peek_queue(path, QueueFilter(), "", FIXED_NOW, 10, OTHER_KEY) is None
    # Without any key it is not a database agentdesk can read: refused, left alone.
    with pytest.raises(NotAgentdeskStore):
        open_store(path, policy)
    assert _fingerprint(path) == before  # same files, same bytes: nothing moved or written
    open_store(path, policy, key=KEY).close()  # the right key still opens it


def test_an_encrypted_store_held_by_another_writer_is_busy(
    tmp_path: Path,
    policy,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "agentdesk.db"
    store = open_store(path, policy, key=KEY, busy_timeout_ms=100)
    other = connect_file(path, KEY)
    other.isolation_level = None
    other.execute("BEGIN IMMEDIATE")
    try:
        with (
            pytest.raises(StoreBusy),
            store.write() as connection,
        ):
            connection.execute(text("INSERT INTO meta (key, value) VALUES ('k', 'v')"))
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()
    assert not list(tmp_path.glob("*.unusable-*"))


def test_a_write_to_a_read_only_encrypted_store_is_reported(
    tmp_path: Path,
    policy,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "agentdesk.db"
    open_store(path, policy, key=KEY).close()
    monkeypatch.setattr(engine_factory, "_uri", lambda p: f"file:{p}?mode=ro")
    store = open_store(path, policy, key=KEY)
    try:
        with (
            pytest.raises(StoreNotWritable, match="nothing was changed"),
            store.write() as connection,
        ):
            connection.execute(text("INSERT INTO meta (key, value) VALUES ('k', 'v')"))
    finally:
        store.close()


def test_a_damaged_encrypted_store_is_set_aside(tmp_path: Path, policy) -> None:  # type: ignore[no-untyped-def]
    """Damage past the first page: the key opens the file, SQLite's check finds the damage."""
    path = tmp_path / "agentdesk.db"
    store = open_store(path, policy, key=KEY)
    _fill(store)
    store.close()  # checkpointed: every page is in the file
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page + 100 : 2 * page + 200] = bytes(100)  # page 3's ciphertext
    path.write_bytes(bytes(data))
    with pytest.raises(engine.StoreUnusable):
        open_store(path, policy, key=KEY)
    assert not path.exists() and list(tmp_path.glob("agentdesk.db.unusable-*"))


def test_the_desk_reads_an_encrypted_drivers_busy_as_busy() -> None:
    """sqlcipher3 has its own exception classes: the desk's busy handling must know them."""
    from sqlcipher3 import dbapi2

    from agentdesk.core.errors import Busy
    from agentdesk.desk.base import _store_failures

    with pytest.raises(Busy), _store_failures():
        raise dbapi2.OperationalError("database is locked")
