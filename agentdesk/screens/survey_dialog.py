"""The phone agent's survey dialog (issue 15): the caller's CSAT (1-5) or NPS (0-10) answer,
picked from a list (no typing a number into the wrong scale)."""

from __future__ import annotations

from agentdesk.core.survey import SurveyKind
from agentdesk.screens.choice_dialog import ChoiceDialog

_CSAT_WORDS = {
    1: "very unsatisfied",
    2: "unsatisfied",
    3: "neutral",
    4: "satisfied",
    5: "very satisfied",
}


def survey_dialog() -> ChoiceDialog:
    options = [(f"csat:{n}", f"CSAT {n} — {_CSAT_WORDS[n]}") for n in range(5, 0, -1)]
    options += [
        (f"nps:{n}", f"NPS {n} — how likely to recommend (0-10)") for n in range(10, -1, -1)
    ]
    return ChoiceDialog("Record the caller's survey answer", options)


def survey_choice(value: str) -> tuple[SurveyKind, int]:
    kind, _, score = value.partition(":")
    return SurveyKind(kind), int(score)
