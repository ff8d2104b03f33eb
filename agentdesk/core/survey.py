"""Survey answers: CSAT (1-5) and NPS (0-10), recorded on the ticket.

The closing macros carry the survey with the reference number and label the ticket
("csat-sent", "nps-sent"); a phone agent records the caller's answer; a customer's reply
pulled from the helpdesk is recognised here when it is a plain score ("5", "4/5",
"9 out of 10"), and otherwise left as the message it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from agentdesk.core.errors import BadInput


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"

    @property
    def scale(self) -> tuple[int, int]:
        return (1, 5) if self is SurveyKind.CSAT else (0, 10)

    @property
    def label(self) -> str:
        return "CSAT (1-5)" if self is SurveyKind.CSAT else "NPS (0-10)"

    @property
    def sent_label(self) -> str:
        """The ticket label the closing macro that asks this survey sets."""
        return f"{self.value}-sent"


@dataclass(frozen=True)
class SurveyScore:
    kind: SurveyKind
    score: int


def check_score(kind: SurveyKind, score: int) -> SurveyScore:
    low, high = kind.scale
    if not low <= score <= high:
        raise BadInput(f"{kind.label} answer {score}: the score runs from {low} to {high}")
    return SurveyScore(kind, score)


# A plain score: a number, optionally "/5", "of 10", "out of 10", optional trailing punctuation.
_PLAIN = re.compile(
    r"^\s*(?P<score>\d{1,2})\s*(?:(?:/|out\s+of|of)\s*(?P<scale>5|10))?\s*[.!]?\s*$",
    re.IGNORECASE,
)
# Where a mail client's quote of our message begins.
_QUOTE = re.compile(r"^\s*(>|on .+ wrote:|-----\s*original message)", re.IGNORECASE)


def _own_words(body: str) -> str:
    lines: list[str] = []
    for line in body.splitlines():
        if _QUOTE.match(line):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines)


def recognise_answer(body: str, asked: frozenset[str]) -> SurveyScore | None:
    """The survey answer a customer's reply is, or None when it is anything else.

    asked: the ticket's labels ("csat-sent", "nps-sent"): a bare number answers the survey
    that was asked; an explicit scale ("/5", "out of 10") says which one itself.
    """
    found = _PLAIN.match(_own_words(body))
    if not found:
        return None
    score = int(found["score"])
    scale = found["scale"]
    if scale == "5":
        kind = SurveyKind.CSAT
    elif scale == "10":
        kind = SurveyKind.NPS
    else:
        csat_asked = SurveyKind.CSAT.sent_label in asked
        nps_asked = SurveyKind.NPS.sent_label in asked
        if csat_asked and (not nps_asked or 1 <= score <= 5):
            kind = SurveyKind.CSAT
        elif nps_asked:
            kind = SurveyKind.NPS
        else:
            return None  # a number nobody asked for: a reply like any other
    low, high = kind.scale
    return SurveyScore(kind, score) if low <= score <= high else None
