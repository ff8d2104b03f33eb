"""core.qa: the monthly sample (deterministic, stable, 5 % / 10 %), the rubric's score and the
review's comment body that travels through the helpdesk."""

from __future__ import annotations

from datetime import date

import pytest

from agentdesk.core.errors import BadInput
from agentdesk.core.qa import (
    in_sample,
    monthly_sample,
    parse_review_body,
    review_body,
    review_refusal,
    rubric_from_toml,
    sampling_percent,
    score_review,
    start_dates_from_roster,
)
from agentdesk.shipped import load_toml, shipped_dir

RUBRIC = rubric_from_toml(load_toml(shipped_dir("data") / "qa_rubric.toml"))
ALL_MET = dict.fromkeys(RUBRIC.keys, True)


def test_the_shipped_rubric_has_the_sop_items() -> None:
    assert RUBRIC.keys == (
        "greeting",
        "verification",
        "resolution_accuracy",
        "communication_clarity",
        "compliance",
        "closure",
    )
    assert {i.key for i in RUBRIC.items if i.critical} == {"verification", "compliance"}
    assert (RUBRIC.sample_percent, RUBRIC.new_agent_percent, RUBRIC.new_agent_weeks) == (5, 10, 8)


def test_the_sample_is_stable_and_about_the_rate() -> None:
    ids = range(1, 20_001)
    first = monthly_sample("amara.okafor", "2026-11", ids, 5)
    assert first == monthly_sample("amara.okafor", "2026-11", reversed(ids), 5)  # no run order
    assert 900 < len(first) < 1100  # 5 % of 20,000, give or take the hash
    ten = monthly_sample("amara.okafor", "2026-11", ids, 10)
    assert 1850 < len(ten) < 2150
    assert set(first) <= set(ten)  # the same hash, a higher threshold
    # Another month or another agent draws another sample.
    assert monthly_sample("amara.okafor", "2026-12", ids, 5) != first
    assert monthly_sample("li.wei", "2026-11", ids, 5) != first
    # Pinned: the same answer on every machine and every run (sha256, not random()).
    assert monthly_sample("amara.okafor", "2026-11", range(1, 200), 5) == [
        t for t in range(1, 200) if in_sample("amara.okafor", "2026-11", t, 5)
    ]
    assert monthly_sample("amara.okafor", "2026-11", range(1, 100), 5) == PINNED


# sha256("amara.okafor|2026-11|<id>") below 5 % of 2**64, computed once.
PINNED = [18, 65, 72, 78]


def test_new_agents_are_sampled_at_10_percent_for_8_weeks() -> None:
    started = date(2026, 10, 5)  # the first 8 weeks: 5 Oct to 29 Nov
    assert sampling_percent(RUBRIC, started, date(2026, 10, 1)) == 10
    assert sampling_percent(RUBRIC, started, date(2026, 11, 1)) == 10  # week 4
    # A month that starts inside the first 8 weeks is sampled at 10 % throughout.
    assert sampling_percent(RUBRIC, date(2026, 9, 7), date(2026, 11, 1)) == 10  # to 1 Nov
    assert sampling_percent(RUBRIC, date(2026, 9, 6), date(2026, 11, 1)) == 5  # to 31 Oct
    assert sampling_percent(RUBRIC, started, date(2026, 12, 1)) == 5
    assert sampling_percent(RUBRIC, None, date(2026, 11, 1)) == 5  # no start date: 5 %


def test_start_dates_come_from_the_roster() -> None:
    roster = load_toml(shipped_dir("data") / "roster.toml")
    dates = start_dates_from_roster(roster)
    assert dates["diego.ramos"] == date(2026, 10, 19)
    with pytest.raises(BadInput, match="start_date must be a date"):
        start_dates_from_roster({"agents": {"x": {"start_date": "last week"}}})


def test_the_score_is_the_weighted_share_and_a_critical_miss_is_zero() -> None:
    assert score_review(RUBRIC, ALL_MET).score == 1.0
    # Weights 1+3+3+2+2+1 = 12; missing the greeting (1) and clarity (2): 9/12.
    partial = score_review(RUBRIC, {**ALL_MET, "greeting": False, "communication_clarity": False})
    assert partial.score == 0.75 and partial.critical_failed == ()
    failed = score_review(RUBRIC, {**ALL_MET, "verification": False})
    assert failed.score == 0.0 and failed.critical_failed == ("verification",)
    with pytest.raises(BadInput, match="not marked: closure; not in the rubric: tone"):
        score_review(RUBRIC, {**{k: True for k in RUBRIC.keys if k != "closure"}, "tone": True})


def test_the_review_travels_as_a_comment_the_pull_reads_back() -> None:
    marks = {**ALL_MET, "compliance": False}
    result = score_review(RUBRIC, marks)
    body = review_body(
        RUBRIC, "amara.okafor", "2026-11", marks, "Read the card\nnumber out.", result
    )
    assert body.splitlines()[:5] == [
        "[agentdesk QA review]",
        "agent: amara.okafor",
        "month: 2026-11",
        "score: 0%",
        "critical failed: compliance",
    ]
    parsed = parse_review_body(body)
    assert parsed is not None
    assert (parsed.agent, parsed.month, parsed.score) == ("amara.okafor", "2026-11", 0.0)
    assert parsed.marks == marks and parsed.critical_failed == ("compliance",)
    assert parsed.comment == "Read the card number out."
    assert parse_review_body("Called the customer back.") is None
    assert parse_review_body("[agentdesk QA review]\nagent: x") is None


def test_only_the_qa_role_records_reviews() -> None:
    assert review_refusal("qa") is None
    assert review_refusal("agent") == (
        'QA reviews are recorded by the QA role (this profile\'s role is "agent")'
    )
