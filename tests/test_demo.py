"""The demo dataset: deterministic, complete, and consistent with the SOP's rules and SLA core."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentdesk.core import sla
from agentdesk.core.changes import sla_fields
from agentdesk.core.sla import QUEUE_BANDS
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.demo import (
    DEMO_AGENT_HANDLE,
    _parse_config,
    _stamp,
    generate_demo,
    load_demo_config,
)
from agentdesk.shipped import DataFileError, load_sla_policy, load_toml, shipped_dir
from agentdesk.store.engine import Store, open_store
from agentdesk.store.queries import page_queue
from agentdesk.store.rows import QueueFilter
from agentdesk.store.types import from_db, to_db
from agentdesk.store.writes import (
    load_snapshot,
    pauses_from_json,
    pauses_to_json,
    record_breaches,
)

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
N = 500
TABLES = ("customers", "agents", "tickets", "messages", "audit", "sla_breaches", "outbox")


def _make(path: Path, *, tickets: int = N, seed: int = 7) -> Path:
    store = open_store(path, load_sla_policy())
    try:
        generate_demo(store, tickets=tickets, seed=seed, now=NOW)
    finally:
        store.close()
    return path


def _dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}


def _rows(path: Path, sql: str) -> list[sqlite3.Row]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture
def demo_store(demo_db: Path) -> Iterator[Store]:
    store = open_store(demo_db, load_sla_policy())
    yield store
    store.close()


def _when(value: str | None) -> datetime | None:
    return None if value is None else from_db(value)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_and_now_give_identical_tables(demo_db: Path, tmp_path: Path) -> None:
    again = _make(tmp_path / "again.db")
    assert _dump(again) == _dump(demo_db)


def test_a_different_seed_gives_different_data(demo_db: Path, tmp_path: Path) -> None:
    other = _dump(_make(tmp_path / "other.db", seed=8))
    mine = _dump(demo_db)
    assert other["tickets"] != mine["tickets"]
    assert other["customers"] != mine["customers"]
    assert other["messages"] != mine["messages"]


def test_stamps_are_the_stores_datetime_format() -> None:
    for seconds in (0, 1_795_000_000, 1_795_000_000 + 86_399, 4_102_444_799):
        assert _stamp(seconds) == to_db(datetime.fromtimestamp(seconds, UTC))


# --- the mix -------------------------------------------------------------------------------


def test_every_status_priority_channel_and_region_is_present(demo_db: Path) -> None:
    tickets = _rows(demo_db, "SELECT status, priority, channel, region FROM tickets")
    assert len(tickets) == N
    assert {Status(t["status"]) for t in tickets} == set(Status)
    assert {Priority(t["priority"]) for t in tickets} == set(Priority)
    assert {Channel(t["channel"]) for t in tickets} == set(Channel)
    assert {Region(t["region"]) for t in tickets} == set(Region)
    allowed = {(p, i.name) for p, topics in load_demo_config().topics.items() for _, i in topics}
    for t in _rows(demo_db, "SELECT priority, issue_type, product_area FROM tickets"):
        assert (t["priority"], t["issue_type"]) in allowed  # incidents only at P0/P1
        assert t["product_area"]
    counts = Counter(Priority(t["priority"]) for t in tickets)
    assert counts[Priority.P0] < counts[Priority.P2] < counts[Priority.P3]  # few incidents


def test_team_size_tiers_and_demo_agent(demo_db: Path) -> None:
    agents = _rows(demo_db, "SELECT id, handle, tier FROM agents")
    assert len(agents) == 8  # one per 100 tickets, at least 8
    assert {Tier(a["tier"]) for a in agents} == set(Tier)
    assert len({a["handle"] for a in agents}) == len(agents)
    assert all(re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+\d*", a["handle"]) for a in agents)
    demo = [a for a in agents if a["handle"] == DEMO_AGENT_HANDLE]
    assert len(demo) == 1
    assert demo[0]["tier"] == Tier.L1.value
    held = {
        Status(r["status"])
        for r in _rows(demo_db, f"SELECT status FROM tickets WHERE assignee_id = {demo[0]['id']}")
    }
    assert {Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING} <= held


def test_customers_have_unique_account_ids_and_derived_emails(demo_db: Path) -> None:
    customers = _rows(demo_db, "SELECT account_id, name, email, phone, region FROM customers")
    accounts = [c["account_id"] for c in customers]
    assert len(set(accounts)) == len(accounts)
    assert all(re.fullmatch(r"ACC-\d{8}", a) for a in accounts)
    emails = [c["email"] for c in customers]
    assert len(set(emails)) == len(emails)
    for customer in customers:
        assert re.fullmatch(r"[a-z0-9._]+@[a-z0-9.]+", customer["email"]), customer["email"]
        assert customer["phone"].startswith("+")
        assert Region(customer["region"])


def test_tiny_and_invalid_sizes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "one.db", load_sla_policy())
    try:
        summary = generate_demo(store, tickets=1, seed=1, now=NOW)
        assert summary.tickets == 1
        with pytest.raises(ValueError, match="at least 1"):
            generate_demo(store, tickets=0, seed=1, now=NOW)
        with pytest.raises(ValueError, match="timezone-aware"):
            generate_demo(store, tickets=5, seed=1, now=NOW.replace(tzinfo=None))
    finally:
        store.close()


# --- consistency ---------------------------------------------------------------------------


def test_timestamps_are_consistent_with_status(demo_db: Path) -> None:
    window = NOW - timedelta(days=45)
    for t in _rows(demo_db, "SELECT * FROM tickets"):
        ref = f"#{t['id']} {t['status']}"
        status = Status(t["status"])
        created = from_db(t["created_at"])
        first = _when(t["first_response_at"])
        last = _when(t["last_update_at"])
        resolved = _when(t["resolved_at"])
        closed = _when(t["closed_at"])
        updated = from_db(t["updated_at"])
        pauses = json.loads(t["sla_pauses"])
        assert window < created <= updated <= NOW, ref
        for value in (first, last, resolved, closed):
            assert value is None or created <= value <= updated, ref
        if first is not None:
            assert last is not None and first <= last, ref
        previous_end = created
        for index, (start, end) in enumerate(pauses):
            assert from_db(start) >= previous_end, ref
            if end is None:
                assert index == len(pauses) - 1, ref
                previous_end = NOW
            else:
                assert from_db(end) >= from_db(start), ref
                previous_end = from_db(end)
        open_pause = bool(pauses) and pauses[-1][1] is None
        assert open_pause == (status is Status.PENDING), ref

        if status is Status.NEW:
            assert t["assignee_id"] is None and first is None and t["tier"] == "L1", ref
        else:
            assert t["assignee_id"] is not None, ref
        if status is Status.ASSIGNED:
            assert first is None, ref
        if status in (Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED):
            assert first is not None, ref
        if status.is_open:
            assert resolved is None and closed is None, ref
        if status is Status.RESOLVED:
            assert resolved is not None and closed is None, ref
            assert NOW - timedelta(hours=48) < resolved <= NOW, ref
        if status is Status.CLOSED:
            assert resolved is not None and closed is not None, ref
            assert closed == resolved + timedelta(hours=48), ref
            assert closed <= NOW, ref


def test_sla_fields_are_what_the_core_computes_from_the_stored_row(demo_store: Store) -> None:
    with demo_store.read() as connection:
        ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM tickets")]
        for ticket_id in ids:
            snapshot = load_snapshot(connection, ticket_id)
            row = connection.exec_driver_sql(
                "SELECT sla_clock, sla_due_at, sla_at_risk_at FROM tickets WHERE id = ?",
                (ticket_id,),
            ).one()
            expected = sla_fields(snapshot, demo_store.policy)
            assert row.sla_clock == (None if expected.clock is None else expected.clock.value)
            assert _when(row.sla_due_at) == expected.due_at
            assert _when(row.sla_at_risk_at) == expected.at_risk_at
            if snapshot.status.is_open and snapshot.status is not Status.PENDING:
                assert expected.due_at is not None, ticket_id
            if snapshot.status is Status.PENDING:
                assert expected.clock is not None and expected.due_at is None, ticket_id


def test_conversations_are_in_time_order_and_start_with_the_customer(demo_db: Path) -> None:
    tickets = {t["id"]: t for t in _rows(demo_db, "SELECT * FROM tickets")}
    messages = defaultdict(list)
    for m in _rows(demo_db, "SELECT * FROM messages ORDER BY id"):
        messages[m["ticket_id"]].append(m)
    assert set(messages) == set(tickets)
    for ticket_id, thread in messages.items():
        ticket = tickets[ticket_id]
        assert 1 <= len(thread) <= 8, ticket_id
        assert thread[0]["kind"] == "customer" and thread[0]["agent_id"] is None
        assert thread[0]["created_at"] == ticket["created_at"]
        times = [m["created_at"] for m in thread]
        assert times == sorted(times), ticket_id
        replies = [m for m in thread if m["kind"] == "reply"]
        assert (replies[0]["created_at"] if replies else None) == ticket["first_response_at"]
        assert (replies[-1]["created_at"] if replies else None) == ticket["last_update_at"]
        for message in thread:
            assert message["body"].strip() and "{" not in message["body"], message["body"]
            assert (message["kind"] == "customer") == (message["agent_id"] is None)
            if message["kind"] == "internal_note":
                for field in ("Issue summary:", "Steps taken:", "Root cause hypothesis:"):
                    assert field in message["body"]
                assert "Next steps:" in message["body"] and "SLA deadline:" in message["body"]


def test_every_ticket_has_a_created_audit_row_and_the_outbox_is_empty(demo_db: Path) -> None:
    created = _rows(demo_db, "SELECT ticket_id FROM audit WHERE action = 'created'")
    assert sorted(r["ticket_id"] for r in created) == list(range(1, N + 1))
    assert _rows(demo_db, "SELECT count(*) AS n FROM outbox")[0]["n"] == 0
    escalations = _rows(demo_db, "SELECT ticket_id, new_value FROM audit WHERE field = 'tier'")
    tiers = {t["id"]: t["tier"] for t in _rows(demo_db, "SELECT id, tier FROM tickets")}
    assert escalations, "some tickets were escalated"
    for row in escalations:
        assert tiers[row["ticket_id"]] == row["new_value"] != "L1"


def test_breaches_are_recorded_as_the_core_finds_them(demo_store: Store) -> None:
    breaches = defaultdict(set)
    with demo_store.read() as connection:
        for b in connection.exec_driver_sql("SELECT ticket_id, clock, due_at FROM sla_breaches"):
            breaches[b.ticket_id].add((b.clock, b.due_at))
        rows = connection.exec_driver_sql("SELECT id, sla_breached_at FROM tickets").all()
        assert breaches, "the demo has breached tickets"
        for row in rows:
            snapshot = load_snapshot(connection, row.id)
            found = {
                (b.clock.value, to_db(b.due_at))
                for b in sla.breaches(snapshot.sla_ticket(), demo_store.policy, NOW)
            }
            assert breaches.get(row.id, set()) == found, row.id
            expected = min((due for _, due in found), default=None)
            assert row.sla_breached_at == expected, row.id
    # Nothing left for the breach monitor to record when a demo profile opens.
    assert record_breaches(demo_store, NOW) == 0


def test_the_open_queue_is_sla_risk_within_priority_bands(demo_store: Store) -> None:
    with demo_store.read() as connection:
        top = page_queue(connection, QueueFilter(), NOW, 0, 40)
    breached = [r for r in top if r.sla_due_at is not None and r.sla_due_at <= NOW]
    at_risk = [
        r
        for r in top
        if r.sla_due_at is not None
        and r.sla_at_risk_at is not None
        and r.sla_at_risk_at <= NOW < r.sla_due_at
    ]
    assert len(breached) >= 3 and len(at_risk) >= 3
    # SLA risk within priority bands (core.sla.QUEUE_BANDS): within each band the breached
    # first, then by time to breach; a higher band never below a lower one.
    running = [r for r in top if r.sla_due_at is not None]
    assert len(running) == len(top)  # paused clocks come after every running one
    bands = [QUEUE_BANDS[r.priority] for r in running]
    assert bands == sorted(bands) and len(set(bands)) >= 2
    for band in set(bands):
        rows = [r for r in top if QUEUE_BANDS[r.priority] == band and r.sla_due_at is not None]
        late = [r for r in rows if r.sla_due_at is not None and r.sla_due_at <= NOW]
        assert rows[: len(late)] == late
        minutes = [r.sla_due_at.replace(second=0, microsecond=0) for r in rows if r.sla_due_at]
        assert minutes == sorted(minutes)


# --- refusing and config errors ------------------------------------------------------------


def test_refuses_a_store_that_already_has_tickets(demo_store: Store) -> None:
    with pytest.raises(ValueError, match=re.escape(str(demo_store.path))):
        generate_demo(demo_store, tickets=10, seed=1, now=NOW)


def test_the_summary_counts_what_was_written(tmp_path: Path) -> None:
    store = open_store(tmp_path / "summary.db", load_sla_policy())
    try:
        summary = generate_demo(store, tickets=300, seed=3, now=NOW)
    finally:
        store.close()
    dump = _dump(tmp_path / "summary.db")
    assert summary.tickets == len(dump["tickets"]) == 300
    assert summary.customers == len(dump["customers"])
    assert summary.agents == len(dump["agents"])
    assert summary.messages == len(dump["messages"])
    assert summary.audit == len(dump["audit"])
    assert summary.breaches == len(dump["sla_breaches"])
    assert sum(summary.by_status.values()) == sum(summary.by_priority.values()) == 300
    assert summary.open_breached > 0 and summary.open_at_risk > 0
    assert summary.seconds > 0
    assert any("tickets" in line for line in summary.lines())


def test_the_shipped_demo_file_loads() -> None:
    config = load_demo_config()
    subjects = [s for area in config.areas for i in area.issues for s in i.subjects]
    assert len(subjects) >= 60
    assert len(config.first_names) >= 100 and len(config.last_names) >= 100
    for priority, topics in config.topics.items():
        assert topics
        for _, issue in topics:
            assert priority in issue.priorities if issue.priorities else priority != "P0"


def test_an_unknown_placeholder_is_reported_with_the_file(tmp_path: Path) -> None:
    doc = load_toml(shipped_dir("data") / "demo.toml")
    doc["replies"] = {**doc["replies"], "ask": ["Please send {nonsense}."]}
    with pytest.raises(DataFileError, match=r"demo\.toml.*\{nonsense\}"):
        _parse_config(doc, str(tmp_path / "demo.toml"))


def test_a_missing_mix_table_is_reported(tmp_path: Path) -> None:
    doc = load_toml(shipped_dir("data") / "demo.toml")
    doc["mix"] = {k: v for k, v in doc["mix"].items() if k != "statuses"}
    with pytest.raises(DataFileError, match=r"mix\.statuses"):
        _parse_config(doc, "demo.toml")


def test_pauses_are_stored_as_the_store_writes_them(demo_db: Path) -> None:
    stored = _rows(demo_db, "SELECT sla_pauses FROM tickets WHERE sla_pauses != '[]'")
    assert len(stored) > 10  # pending tickets, and earlier pending spells
    for row in stored:
        assert pauses_to_json(pauses_from_json(row["sla_pauses"])) == row["sla_pauses"]


def test_importing_the_demo_agent_handle_stays_light() -> None:
    # config.demo_settings() imports DEMO_AGENT_HANDLE at start-up, before the first frame.
    code = "import sys, agentdesk.demo; print('sqlalchemy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_pending_resolved_and_closed_tickets_follow_the_note_rules(demo_store: Store) -> None:
    from agentdesk.core.note_template import missing
    from agentdesk.core.quality import confirmation_recorded
    from agentdesk.shipped import load_taxonomy
    from agentdesk.store.notes import load_confirmation, load_note

    taxonomy = load_taxonomy()
    with demo_store.read() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, status, pending_reason FROM tickets "
            "WHERE status IN ('pending', 'resolved', 'closed')"
        ).all()
        assert {status for _, status, _ in rows} == {"pending", "resolved", "closed"}
        for ticket_id, status, pending_reason in rows:
            found = load_note(connection, ticket_id)
            assert found is not None, ticket_id
            assert missing(found[0], taxonomy) == (), ticket_id
            if status == "pending":
                assert pending_reason == "waiting_on_customer"
            else:
                assert confirmation_recorded(load_confirmation(connection, ticket_id)), ticket_id
        linked = connection.exec_driver_sql(
            "SELECT count(*) FROM ticket_notes n JOIN messages m ON m.id = n.message_id "
            "WHERE m.kind = 'internal_note' AND m.ticket_id = n.ticket_id"
        ).scalar_one()
        total = connection.exec_driver_sql("SELECT count(*) FROM ticket_notes").scalar_one()
        assert linked == total > 0
        methods = connection.exec_driver_sql("SELECT payment_method FROM customers").scalars()
        assert set(methods) <= {"Visa card", "Mastercard", "Amex card"}


def test_resolved_demo_tickets_pass_the_quality_check_when_their_window_ends(
    tmp_path: Path,
) -> None:
    from agentdesk.store.auto_close import run_auto_close

    store = open_store(_make(tmp_path / "demo.db", tickets=200), load_sla_policy())
    try:
        assert run_auto_close(store, NOW).closed == []  # all still inside their window
        with store.read() as connection:
            resolved = connection.exec_driver_sql(
                "SELECT count(*) FROM tickets WHERE status = 'resolved'"
            ).scalar_one()
        result = run_auto_close(store, NOW + timedelta(hours=48))
        assert result.flagged == {}
        assert len(result.closed) == resolved > 0
    finally:
        store.close()


def test_demo_verifiers_pass_with_the_demo_answers(tmp_path: Path) -> None:
    from agentdesk.config import demo_settings
    from agentdesk.core.verification import Factor
    from agentdesk.demo import demo_answers
    from agentdesk.session import open_session, verifier_key_for
    from agentdesk.store.verification import account_verifiers, check_factor
    from tests.conftest import FIXED_NOW

    settings = demo_settings(tmp_path, tickets=60, seed=3)
    session = open_session(settings, FIXED_NOW)
    key = verifier_key_for(settings).key
    try:
        with session.store.read() as connection:
            accounts = connection.exec_driver_sql("SELECT account_id FROM customers").scalars()
            found = [account_verifiers(connection, a) for a in list(accounts)[:5]]
            unverified = connection.exec_driver_sql(
                "SELECT count(*) FROM tickets WHERE status IN ('pending', 'resolved', 'closed') "
                "AND id NOT IN (SELECT ticket_id FROM verification_attempts "
                "WHERE outcome = 'passed')"
            ).scalar_one()
    finally:
        session.store.close()
    assert unverified == 0  # the stories say they were verified
    for account in found:
        assert account is not None and len(account.verifiers) == 3
        answers = demo_answers(account.account_id)
        for factor, value in answers.items():
            assert check_factor(key, account, factor, value)
        assert not check_factor(key, account, Factor.PIN, "000000")
