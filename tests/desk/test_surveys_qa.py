"""Surveys and QA reviews through the desk, on a real SQLite file (issue 15)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text

from agentdesk.core.errors import BadInput, ReadOnly, Refused
from agentdesk.desk import qa, surveys
from agentdesk.desk.base import Desk
from agentdesk.store.engine import Store
from agentdesk.store.history_rows import PulledMessage
from agentdesk.store.sync_port import SyncPort
from tests.desk.conftest import make_desk
from tests.desk.kpi_fixtures import REPORT_NOW, fill_kpi_week

ALL_MET = {
    "greeting": True,
    "verification": True,
    "resolution_accuracy": True,
    "communication_clarity": True,
    "compliance": True,
    "closure": True,
}


def _rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    with store.read() as connection:
        return [tuple(r) for r in connection.execute(text(sql))]


def qa_desk(store: Store, *, read_only: bool = False) -> Desk:
    desk = make_desk(store, REPORT_NOW, read_only=read_only)
    desk.session.settings = replace(desk.session.settings, extra={"role": "qa"})
    return desk


@pytest.fixture
def week(store: Store) -> Store:
    fill_kpi_week(store)
    return store


def test_a_phone_agent_records_the_caller_s_answer(week: Store) -> None:
    desk = make_desk(week, REPORT_NOW)
    surveys.record_survey(desk, 3, "csat", 4)
    surveys.record_survey(desk, 3, "nps", 10)
    surveys.record_survey(desk, 3, "csat", 5)  # corrected: the later answer replaces it
    assert _rows(
        week,
        "SELECT kind, score, source, recorded_by FROM survey_answers WHERE ticket_id = 3 "
        "ORDER BY kind",
    ) == [("csat", 5, "phone", "amara.okafor"), ("nps", 10, "phone", "amara.okafor")]
    audit = _rows(
        week,
        "SELECT actor, field, old_value, new_value FROM audit "
        "WHERE action = 'record_survey' AND ticket_id = 3 ORDER BY id",
    )
    assert audit == [
        ("customer", "nps", None, "9"),  # the fixture's written answer
        ("amara.okafor", "csat", None, "4"),
        ("amara.okafor", "nps", "9", "10"),
        ("amara.okafor", "csat", "4", "5"),
    ]


def test_the_survey_follows_the_resolve(week: Store) -> None:
    desk = make_desk(week, REPORT_NOW)
    with pytest.raises(Refused, match="the ticket is New: the survey is taken after the resolve"):
        surveys.record_survey(desk, 4, "csat", 5)
    with pytest.raises(BadInput, match=r"CSAT \(1-5\) answer 7"):
        surveys.record_survey(desk, 1, "csat", 7)
    with pytest.raises(BadInput, match="expected csat or nps"):
        surveys.record_survey(desk, 1, "ces", 3)
    with pytest.raises(BadInput, match="#99: no such ticket"):
        surveys.record_survey(desk, 99, "csat", 3)
    assert _rows(week, "SELECT count(*) FROM survey_answers WHERE ticket_id IN (4, 99)") == [(0,)]


def test_a_pulled_plain_score_is_recorded_and_other_replies_are_not(week: Store) -> None:
    with week.write() as connection:
        connection.execute(text("INSERT INTO ticket_labels VALUES (2, 'csat-sent')"))
    port = SyncPort(week)
    when = REPORT_NOW - timedelta(hours=1)
    with port.write() as rows:
        rows.insert_pulled_message(
            PulledMessage(2, "customer", "maria@example.com", None, "Thanks, all good now", when)
        )
        rows.insert_pulled_message(
            PulledMessage(2, "customer", "maria@example.com", None, "4\n> 1 to 5?", when)
        )
        # Nobody asked ticket 1 for anything by mail: a bare number there is just a message.
        rows.insert_pulled_message(
            PulledMessage(4, "customer", "john@example.org", None, "2", when)
        )
    assert _rows(
        week,
        "SELECT ticket_id, kind, score, source, recorded_by, message_id IS NOT NULL "
        "FROM survey_answers WHERE ticket_id IN (2, 4)",
    ) == [(2, "csat", 4, "reply", "maria@example.com", 1)]
    # The message itself stays in the conversation.
    assert _rows(week, "SELECT count(*) FROM messages WHERE ticket_id = 2") == [(2,)]


def test_the_qa_sample_is_the_seeded_share_with_the_reviews(week: Store) -> None:
    desk = qa_desk(week)
    # Tiny month: 3 resolved tickets, 5 % each: the hash decides; run twice, the same answer.
    first = qa.qa_sample(desk, "2026-11")
    assert first == qa.qa_sample(desk, "2026-11")
    from agentdesk.core.qa import in_sample

    expected = [
        t
        for t, a in ((1, "amara.okafor"), (2, "amara.okafor"), (3, "li.wei"))
        if in_sample(a, "2026-11", t, 5)
    ]
    assert [item.ticket_id for item in first] == expected


def test_the_qa_role_records_a_review_the_team_gets_through_the_helpdesk(week: Store) -> None:
    desk = qa_desk(week)
    score = qa.record_review(desk, 3, {**ALL_MET, "greeting": False}, "Good\nhandoff.")
    assert score == pytest.approx(11 / 12)
    assert _rows(
        week,
        "SELECT ticket_id, agent_handle, reviewer, month, round(score, 4), critical_failed, "
        "comment FROM qa_reviews",
    ) == [(3, "li.wei", "amara.okafor", "2026-11", round(11 / 12, 4), 0, "Good handoff.")]
    note = _rows(week, "SELECT kind, body FROM messages WHERE ticket_id = 3")
    assert note[-1][0] == "internal_note"
    assert note[-1][1].startswith(
        "[agentdesk QA review]\nagent: li.wei\nmonth: 2026-11\nscore: 92%"
    )
    op, payload = _rows(week, "SELECT op, payload FROM outbox WHERE ticket_id = 3")[-1]
    assert op == "qa_review"
    assert json.loads(str(payload)) == {"message": {"kind": "internal_note", "body": note[-1][1]}}
    # The QA score KPI reads it.
    from agentdesk.core import kpi, kpi_definitions
    from agentdesk.desk.kpis import kpi_overview

    overview = kpi_overview(desk, kpi.week("2026-W49"))
    assert overview.kpis[kpi_definitions.Kpi.QA_SCORE].value == pytest.approx(11 / 12)


def test_a_colleague_s_review_pulled_from_the_helpdesk_is_recorded(week: Store) -> None:
    from agentdesk.core.qa import review_body, rubric_from_toml, score_review
    from agentdesk.shipped import load_toml, shipped_dir

    rubric = rubric_from_toml(load_toml(shipped_dir("data") / "qa_rubric.toml"))
    marks = {**ALL_MET, "verification": False}
    body = review_body(rubric, "amara.okafor", "2026-11", marks, "", score_review(rubric, marks))
    with SyncPort(week).write() as rows:
        rows.insert_pulled_message(
            PulledMessage(1, "internal_note", "qa.lead", None, body, REPORT_NOW)
        )
        rows.insert_pulled_message(
            PulledMessage(1, "internal_note", "li.wei", None, "Called back.", REPORT_NOW)
        )
    assert _rows(
        week, "SELECT ticket_id, agent_handle, reviewer, score, critical_failed FROM qa_reviews"
    ) == [(1, "amara.okafor", "qa.lead", 0.0, 1)]


def test_only_the_qa_role_scores_and_a_read_only_desk_refuses(week: Store) -> None:
    with pytest.raises(Refused, match="QA reviews are recorded by the QA role"):
        qa.record_review(make_desk(week, REPORT_NOW), 1, ALL_MET)
    with pytest.raises(ReadOnly):
        qa.record_review(qa_desk(week, read_only=True), 1, ALL_MET)
    with pytest.raises(ReadOnly):
        surveys.record_survey(make_desk(week, REPORT_NOW, read_only=True), 1, "csat", 5)
    with pytest.raises(BadInput, match="not marked: closure"):
        qa.record_review(qa_desk(week), 1, {k: v for k, v in ALL_MET.items() if k != "closure"})
    assert _rows(week, "SELECT count(*) FROM qa_reviews") == [(0,)]
