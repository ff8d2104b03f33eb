"""The keys of the QA role's screens (issue 15), once each: binding, key bar, palette entry
and help row come from these tables (the WatchKey rows of screens/supervisor_keys.py)."""

from __future__ import annotations

from agentdesk.screens.supervisor_keys import WatchKey, help_key

_HELP = help_key("qa")

SAMPLE_KEYS: tuple[WatchKey, ...] = (
    WatchKey(
        "qa.score",
        "score",
        "Score",
        "Score the sampled ticket under the cursor against the rubric",
        title="Score the ticket under the cursor",
        key="s",
        rank=0,
    ),
    WatchKey(
        "qa.open",
        "open_ticket",
        "Read",
        "Read the sampled ticket (read-only: conversation, note, history)",
        title="Read the ticket under the cursor",
        key="enter",
        priority=True,
        rank=0,
    ),
    WatchKey(
        "qa.previous_month",
        "month(-1)",
        "Prev month",
        "The previous month's sample",
        title="QA sample of the previous month",
        key="left_square_bracket",
        key_display="[",
        rank=2,
    ),
    WatchKey(
        "qa.next_month",
        "month(1)",
        "Next month",
        "The next month's sample",
        title="QA sample of the next month",
        key="right_square_bracket",
        key_display="]",
        rank=2,
    ),
    WatchKey(
        "qa.refresh",
        "refresh",
        "Refresh",
        "Read the sample and its reviews again",
        title="Refresh the QA sample",
        key="r",
        rank=3,
    ),
    WatchKey("qa.back", "back", "Queue", "Back to the queue", key="escape", rank=1),
    _HELP,
)

SCORE_KEYS: tuple[WatchKey, ...] = (
    WatchKey(
        "qa_score.save",
        "save",
        "Save",
        "Record the review (it goes to the helpdesk as an internal comment)",
        title="Save the QA review",
        key="ctrl+s",
        priority=True,
        rank=0,
    ),
    WatchKey(
        "qa_score.cancel",
        "cancel",
        "Cancel",
        "Close without recording",
        key="escape",
        rank=1,
    ),
)
