"""core.survey: a customer's reply is a survey answer only when it is a plain score."""

from __future__ import annotations

import pytest

from agentdesk.core.errors import BadInput
from agentdesk.core.survey import SurveyKind, SurveyScore, check_score, recognise_answer

CSAT_SENT = frozenset({"csat-sent"})
NPS_SENT = frozenset({"nps-sent"})
BOTH = CSAT_SENT | NPS_SENT

CSAT, NPS = SurveyKind.CSAT, SurveyKind.NPS


@pytest.mark.parametrize(
    ("body", "asked", "expected"),
    [
        ("5", CSAT_SENT, SurveyScore(CSAT, 5)),
        ("  4/5 ", frozenset(), SurveyScore(CSAT, 4)),  # the scale says which survey
        ("4 / 5.", NPS_SENT, SurveyScore(CSAT, 4)),
        ("9 out of 10", frozenset(), SurveyScore(NPS, 9)),
        ("9 OUT OF 10!", CSAT_SENT, SurveyScore(NPS, 9)),
        ("10", NPS_SENT, SurveyScore(NPS, 10)),
        ("0", NPS_SENT, SurveyScore(NPS, 0)),
        ("8", BOTH, SurveyScore(NPS, 8)),  # above 5: only NPS fits
        ("3", BOTH, SurveyScore(CSAT, 3)),
        # A quoted copy of our own message below the answer is not part of it.
        (
            "5\n\nOn Mon, 23 Nov 2026, Amara wrote:\n> how satisfied are you, 1 to 5?",
            CSAT_SENT,
            SurveyScore(CSAT, 5),
        ),
        ("4\n> from 1 (not at all) to 5 (very)", CSAT_SENT, SurveyScore(CSAT, 4)),
    ],
)
def test_plain_scores_are_answers(body: str, asked: frozenset[str], expected: SurveyScore) -> None:
    assert recognise_answer(body, asked) == expected


@pytest.mark.parametrize(
    ("body", "asked"),
    [
        ("5", frozenset()),  # nobody asked: a number is just a message
        ("6", CSAT_SENT),  # off the CSAT scale
        ("0", CSAT_SENT),
        ("11 out of 10", frozenset()),
        ("6/5", frozenset()),
        ("My order 5 is missing", CSAT_SENT),
        ("5 stars, thanks Amara!", CSAT_SENT),  # words: read by a person, not counted
        ("", CSAT_SENT),
        ("Order 12345", NPS_SENT),
    ],
)
def test_anything_else_is_not(body: str, asked: frozenset[str]) -> None:
    assert recognise_answer(body, asked) is None


def test_a_recorded_score_must_be_on_the_scale() -> None:
    assert check_score(NPS, 0) == SurveyScore(NPS, 0)
    with pytest.raises(BadInput, match=r"CSAT \(1-5\) answer 6: the score runs from 1 to 5"):
        check_score(CSAT, 6)
