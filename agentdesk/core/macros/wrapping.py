"""Hard-wrapped text: a paragraph broken into lines by its author's editor.

A reply goes to a mail client or a chat window that wraps lines itself; a body broken at
95 columns arrives broken mid-sentence. A paragraph is one line; blank lines separate
paragraphs. Short lines (a greeting, a signature) and list items keep their line breaks.
"""

from __future__ import annotations

import re

WRAPPED_AT_LEAST = 60
"""A line at least this long followed by more of its paragraph was wrapped, not ended."""

SHORT_LINE = 30
"""A finished sentence followed by a line this short (a signature) is a deliberate break."""

_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")
_ENDS_CLAUSE = re.compile(r"[.!?:,;]$")


def _continues(line: str, following: str) -> bool:
    """True when the break between line and following is a hard wrap."""
    if not line.strip() or not following.strip() or _LIST_ITEM.match(following):
        return False
    if len(line.rstrip()) < WRAPPED_AT_LEAST:
        return False
    deliberate = _ENDS_CLAUSE.search(line.rstrip()) and len(following.strip()) < SHORT_LINE
    return not deliberate


def hard_wrapped_lines(text: str) -> list[int]:
    """0-based indexes of the lines of text that a hard wrap ends (the next line goes on)."""
    lines = text.split("\n")
    return [i for i in range(len(lines) - 1) if _continues(lines[i], lines[i + 1])]


def unwrap(text: str) -> str:
    """Each hard-wrapped paragraph joined into one line; every other break kept."""
    lines = text.split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        if index and _continues(lines[index - 1], line):
            out[-1] = out[-1].rstrip() + " " + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)
