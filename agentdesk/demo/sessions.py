"""The demo agents' working sessions on a ticket: handle time as a real team's would be.

core.handle_time counts the time a ticket is In progress, from "start work" to the first of
pend, resolve, escalate or a handover (back to Assigned). A demo ticket is open for hours or
days, but nobody works it all that time: the agent picks it up, acts for a few minutes (a call
is about five, an email or chat about fifteen, the SOP's targets being 300 s and 20 min) and
then pends it, resolves it, escalates it or sets it aside (back to Assigned, still theirs).

So each agent action of a story (a reply, a note, an update, the resolve) falls in a session:
one that is still running, or a new one that starts shortly before it. A session that no
action of the story ends is set aside when its minutes are up. Each agent has a pace of their
own, so some are above the targets and most are not.

Durations come from a random.Random of the ticket's own, and an agent's pace from one of the
agent's own: the generator's draws, and so every other row, stay as they were.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from agentdesk.core.ticket import Channel

if TYPE_CHECKING:
    from agentdesk.demo.people import TeamMember

_Log = Callable[..., None]

# The median length of one session (a pend or resolve often ends it sooner) and its spread
# (sigma of the log), by kind of contact: the averages come out a little under the targets.
PHONE_MEDIAN_SECONDS = 320.0
ASYNC_MEDIAN_SECONDS = 1_200.0
PHONE_SIGMA = 0.35
ASYNC_SIGMA = 0.45
PACE_SIGMA = 0.18
"""How much agents differ: a pace of 1.2 is 20 % slower than the team's median."""

_PHONE_LIMITS = (60, 1_500)
_ASYNC_LIMITS = (120, 4_800)

_paces: dict[tuple[int, str], float] = {}


def pace(seed: int, handle: str) -> float:
    """The agent's own pace, the same for every ticket of the dataset."""
    key = (seed, handle)
    found = _paces.get(key)
    if found is None:
        found = _paces[key] = math.exp(random.Random(f"{seed}:{handle}").gauss(0.0, PACE_SIGMA))
    return found


class Sessions:
    """The In progress spells of one ticket, each the minutes of one working session."""

    def __init__(self, seed: int, ticket_id: int, channel: Channel, log: _Log) -> None:
        self.rng = random.Random(seed * 7_000_003 + ticket_id)
        self.seed = seed
        self.phone = channel is Channel.PHONE
        self.log = log
        self.open = False
        """In progress now (in the story's time)."""
        self.until = 0
        """When the running session is set aside unless something ends it first."""
        self.owner: TeamMember | None = None

    def length(self, agent: TeamMember) -> int:
        median = PHONE_MEDIAN_SECONDS if self.phone else ASYNC_MEDIAN_SECONDS
        sigma = PHONE_SIGMA if self.phone else ASYNC_SIGMA
        low, high = _PHONE_LIMITS if self.phone else _ASYNC_LIMITS
        seconds = median * pace(self.seed, agent.handle) * math.exp(self.rng.gauss(0.0, sigma))
        return max(low, min(high, round(seconds)))

    def lead(self, agent: TeamMember) -> tuple[int, int]:
        """A new session's length and how long before the action it starts."""
        seconds = self.length(agent)
        return seconds, max(20, round(seconds * self.rng.uniform(0.2, 0.7)))

    def begin(self, at: int, agent: TeamMember, *, floor: int) -> int:
        """The first session: when it starts (at or after floor), before the action at `at`."""
        seconds, before = self.lead(agent)
        start = max(floor, at - before)
        self._running(start, seconds, agent, at)
        return start

    def touch(self, at: int, agent: TeamMember) -> None:
        """The agent acts at `at`: within the running session, or in a new one."""
        if self.open and at <= self.until:
            return
        if self.open:
            self.set_aside(self.until)
        seconds, before = self.lead(agent)
        start = max(self.until + 1, at - before)
        self.log(start, agent.handle, "start", ("status", "assigned", "in_progress"))
        self._running(start, seconds, agent, at)

    def resumed(self, at: int, agent: TeamMember) -> None:
        """In progress again without the agent starting it (the customer's reply to a pending
        question, an escalation the colleague continues): they handle it for a session."""
        self._running(at, self.length(agent), agent, at)

    def contact_seconds(self) -> int:
        """How long ago the contact the agent is on now was picked up."""
        low, high = (40, 270) if self.phone else (120, 1_000)
        return self.rng.randint(low, high)

    def ended(self) -> None:
        """A pend, resolve or escalation ended the session (its own audit row says so)."""
        self.open = False

    def set_aside(self, at: int) -> None:
        """Back to Assigned (still the agent's): core.handle_time's handover to a queue."""
        if self.open and self.owner is not None:
            self.log(at, self.owner.handle, "set_aside", ("status", "in_progress", "assigned"))
        self.open = False

    def _running(self, start: int, seconds: int, agent: TeamMember, action_at: int) -> None:
        self.open = True
        self.owner = agent
        self.until = max(start + seconds, action_at + 30)
