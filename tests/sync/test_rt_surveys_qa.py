"""Issue 15 against a real Request Tracker 5: a customer's plain-score mail is the survey
answer, and a QA review reaches a colleague's agentdesk as an internal comment in RT."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.config import Settings
from agentdesk.desk import Desk, qa
from agentdesk.session import Session
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.queries import agent_by_handle
from tests.sync.conftest import RtApi, make_backend
from tests.sync.rt_server import RtServer
from tests.sync.test_rt_history import customer_mail, mail_gateway  # noqa: F401 (a fixture)

pytestmark = pytest.mark.rt


def _now() -> datetime:
    return datetime.now(UTC)


def _local_id(store: Store, remote: str) -> int:
    with store.read() as connection:
        return int(
            connection.execute(
                text("SELECT id FROM tickets WHERE remote_id = :r"), {"r": remote}
            ).scalar_one()
        )


def test_a_plain_score_mailed_back_is_the_csat_answer(
    store: Store,
    mail_gateway: RtServer,  # noqa: F811 (the fixture imported above)
    rt_root: RtApi,
    rt_queue: str,
    fast_sleep: list[float],
) -> None:
    remote = rt_root.create(rt_queue, "Refund", Requestor="maria@example.com", Content="Hi")
    backend = make_backend(mail_gateway, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket = _local_id(store, remote)
    # The closing macro asked the CSAT question and labelled the ticket.
    with store.write() as connection:
        connection.execute(
            text("INSERT INTO ticket_labels (ticket_id, label) VALUES (:t, 'csat-sent')"),
            {"t": ticket},
        )
    customer_mail(mail_gateway, rt_queue, remote, "maria@example.com", "Thank you so much!")
    customer_mail(
        mail_gateway,
        rt_queue,
        remote,
        "maria@example.com",
        "4\n\nOn Mon, 30 Nov 2026, Amara wrote:\n> how satisfied are you, from 1 to 5?",
    )
    summary = backend.sync(store, _now())
    assert summary.state == "online", summary.message
    with store.read() as connection:
        answers = connection.execute(
            text(
                "SELECT kind, score, source, recorded_by FROM survey_answers WHERE ticket_id = :t"
            ),
            {"t": ticket},
        ).all()
    assert [tuple(a) for a in answers] == [("csat", 4, "reply", "maria@example.com")]


def test_a_qa_review_reaches_a_colleague_through_rt(
    store: Store,
    rt_server: RtServer,
    rt_root: RtApi,
    rt_queue: str,
    fast_sleep: list[float],
    tmp_path: Path,
) -> None:
    remote = rt_root.create(
        rt_queue, "Card declined", Requestor="ana@example.com", Owner="amara.okafor"
    )
    backend = make_backend(rt_server, rt_queue, fast_sleep)
    backend.sync(store, _now())
    ticket = _local_id(store, remote)
    settings = Settings(
        profile="qa",
        config_path=None,
        db_path=store.path,
        cache_dir=tmp_path / "cache",
        agent_handle="li.wei",
        extra={"role": "qa"},
    )
    with store.read() as connection:
        reviewer = agent_by_handle(connection, "li.wei")
    desk = Desk(Session(settings, store, reviewer), _now)
    marks = dict.fromkeys(qa.rubric(desk).keys, True)
    qa.record_review(desk, ticket, {**marks, "closure": False}, "No reference number given.")
    pushed = backend.sync(store, _now())
    assert pushed.state == "online", pushed.message
    assert any("[agentdesk QA review]" in c for c in rt_root.contents(remote))

    # A colleague's agentdesk (another SQLite file) pulls the queue: the review is there.
    other = open_store(tmp_path / "colleague.db", load_sla_policy())
    try:
        make_backend(rt_server, rt_queue, fast_sleep).sync(other, _now())
        with other.read() as connection:
            rows = connection.execute(
                text("SELECT agent_handle, month, score, comment FROM qa_reviews")
            ).all()
    finally:
        other.close()
    month = _now().strftime("%Y-%m")
    assert [tuple(r) for r in rows] == [
        ("amara.okafor", month, pytest.approx(11 / 12, abs=0.005), "No reference number given.")
    ]
