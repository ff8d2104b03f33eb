"""A POST sent at most once over a link that may drop its answer: the ticket push's messages
and creates (sync/rt/push_posts.py) and the shift record's (sync/rt/shifts.py).

A step is marked started (committed) before it is sent; a step found started is looked for in
RT (until RT cannot still be working on it) and sent again only when it is not there. A POST RT
refused, or that never left, is no longer started.

RT may have received the request at any moment up to the one the client heard it fail: a
send that hung for its whole deadline before the link dropped may have reached RT only just
then. So the settle bound counts from that moment (`lost_at`, saved with the step), not from
the send's start: otherwise a deadline as long as the bound would leave no time to look.
A step a crash ended has only its start; the next run's clock has moved on since.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from agentdesk.store.stamps import from_db, to_db
from agentdesk.sync.errors import Ambiguous, RateLimited, Rejected, Unauthorized, Unreachable
from agentdesk.sync.rt.history_match import Settle

log = logging.getLogger("agentdesk.sync")

# A started POST is looked for among attachments this much older than its first send:
# generous for clock skew between this machine and RT.
LOOKUP_SLACK = timedelta(minutes=15)
# How often one op retries an ambiguous POST within a run before giving the run up.
MAX_AMBIGUOUS = 3
# What a POST can fail with when RT did not apply it: RT said no (401, 429/503, 4xx), or the
# connection never opened. (Anything else may have landed: it is looked for before a resend.)
NOT_LANDED = (Unauthorized, RateLimited, Rejected, Unreachable)

Found = TypeVar("Found")
Answer = TypeVar("Answer")


def send_once(
    state: Mapping[str, Any],
    *,
    settle: Settle,
    clock: Callable[[], datetime],
    find: Callable[[datetime], Found | None],
    start: Callable[[dict[str, Any]], None],
    send: Callable[[], Answer],
    unstart: Callable[[dict[str, Any]], None],
    what: str,
    gave_up: str,
) -> tuple[Found | None, Answer | None]:
    """(what find found, None) or (None, RT's answer to the send).

    state: the step's {first_at, started_at} as saved (empty: never sent). find(first_at):
    the step in RT, or None. start(new state): save it, committed, before the send.
    unstart(state before): RT refused the send or it never left; then the error is raised."""
    for _attempt in range(MAX_AMBIGUOUS):
        if state.get("started_at"):
            # Sent before (this run or one a crash ended): RT may have it, or may still be
            # working on it. Look until that is settled; send again only if not there.
            first = from_db(state.get("first_at") or state["started_at"])
            lost = from_db(state.get("lost_at") or state["started_at"])
            found = settle.look(lost, clock(), functools.partial(find, first))
            if found:
                return found, None
        before, now = dict(state), to_db(clock())
        state = {"first_at": state.get("first_at") or state.get("started_at") or now}
        state["started_at"] = now
        start(dict(state))  # committed before sending: a crash now means "look first"
        try:
            answer = send()
        except Ambiguous as error:
            log.info("%s may have landed (%s); checking", what, error)
            state = {**state, "lost_at": to_db(clock())}
            start(dict(state))  # a later run waits from here too
            continue
        except NOT_LANDED:
            unstart(before)
            raise
        return None, answer
    raise Ambiguous(gave_up)
