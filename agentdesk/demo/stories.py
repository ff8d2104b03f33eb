"""The story of one demo ticket: its conversation, audit trail, SLA state and row, in time order.

Each ticket is told as a story that ends in its status at `now` (new tickets are young,
closed ones resolved more than 48 hours ago), and its SLA fields and breaches are computed by
core.sla from the timestamps the story produced, exactly as the live app would.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from agentdesk.core import sla
from agentdesk.core.ticket import Channel, Priority, Status, Tier
from agentdesk.demo.draws import below, choice
from agentdesk.demo.sessions import Sessions
from agentdesk.demo.story_end import StoryEnd
from agentdesk.demo.story_rows import CUSTOMER_KIND, NOTE_KIND, REPLY_KIND, Entry
from agentdesk.demo.times import HOUR, QUALITY_SECONDS, db_stamp, human_time

_LIVE_CHANNELS = (Channel.PHONE, Channel.CHAT)
_TO_PENDING: tuple[Entry, ...] = (("status", "in_progress", "pending"),)
_FROM_PENDING: tuple[Entry, ...] = (("status", "pending", "in_progress"),)
_TO_RESOLVED: tuple[Entry, ...] = (("status", "in_progress", "resolved"),)


class Story(StoryEnd):
    """Writes one ticket's conversation, audit trail, SLA state and row, in time order: the
    rows as it goes (demo.story_rows), the ticket row at its end (demo.story_end)."""

    def opened(self, created: int) -> str:
        rng, issue, plan = self.rng, self.issue, self.plan
        self.created = self.last = created
        subject = choice(rng, issue.subjects).format_map(self.slots)
        self.say(created, choice(rng, issue.openings).format_map(self.slots))
        self.log(created, "system", "created", ("channel", None, plan.channel.value))
        self.actions = 0  # creating is version 1, not a change
        return subject

    def assign(self, at: int) -> None:
        self.log(
            at,
            self.agent.handle,
            "assign",
            ("status", Status.NEW.value, Status.ASSIGNED.value),
            ("assignee_id", None, str(self.agent.id)),
        )

    def unworked(self) -> None:
        """New (unassigned) or assigned tickets: nobody has replied yet."""
        gen, rng, plan = self.gen, self.rng, self.plan
        age = gen.span(
            plan, sla.Clock.FIRST_RESPONSE, gen.fraction(plan.sla_class), exact_until=gen.now
        )
        created = gen.now - age
        subject = self.opened(created)
        assigned = None
        if plan.status is Status.ASSIGNED:
            assigned = created + round(age * rng.uniform(0.05, 0.7))
            self.assign(assigned)
        if age > 2 * HOUR and rng.random() < 0.3:
            chased = created + round(age * rng.uniform(0.5, 0.95))
            self.post(chased, CUSTOMER_KIND, choice(rng, gen.cfg.chasers), "customer_message")
        self.finish(subject, None if assigned is None else self.agent, Tier.L1)

    def worked(
        self,
        created: int,
        first: int,
        active: int,
        last_reply: int,
        pauses: list[int],
        notes: int,
        updates: int,
        tier: Tier,
        *,
        escalated: bool = True,
    ) -> None:
        """In progress, pending, resolved or closed: the whole workflow up to its status.
        `tier` is where it ends; escalated: it got there by an escalation from L1 (else it
        was routed there at intake, to self.agent).

        Offsets are seconds of active (unpaused) time after `created`; each closed pause of
        `pauses` shifts everything after it.
        """
        gen, rng, cfg, plan = self.gen, self.rng, self.gen.cfg, self.plan
        status = plan.status
        # Each agent action falls in a working session of minutes (demo/sessions.py).
        sessions = Sessions(gen.seed, plan.id, plan.channel, self.log)
        subject = self.opened(created)
        assigned = created + round(first * rng.uniform(0.05, 0.5))
        at = created + first
        if plan.channel in _LIVE_CHANNELS:
            # A call or chat is picked up and worked at once: one change, new -> in progress,
            # shortly before the answer (until then it waited in the queue).
            self.log(
                sessions.begin(at, self.agent, floor=created + 1),
                self.agent.handle,
                "take",
                ("status", "new", "in_progress"),
                ("assignee_id", None, str(self.agent.id)),
            )
        else:
            # Drawn as before (every later draw stays the same); the session decides the start.
            rng.uniform(0.0, 0.7)
            self.assign(assigned)
            started = sessions.begin(at, self.agent, floor=assigned + 1)
            self.log(started, self.agent.handle, "start", ("status", "assigned", "in_progress"))
        self.post(at, REPLY_KIND, self.text(cfg.replies["first"], at, self.etr), "reply")

        # The middle: pending spells, notes, an escalation, incident updates, in random order.
        beats: list[tuple[str, int]] = [("spell", d) for d in pauses]
        beats += [("note", 0)] * notes
        if tier is not Tier.L1 and escalated:
            beats.append(("escalate", 0))
        beats += [("update", 0)] * updates
        rng.shuffle(beats)
        # Public beats come before the last reply (the P0 cadence runs from it).
        width = max(1, last_reply - first - 1)
        points = sorted(first + 1 + below(rng, width) for _ in beats)
        points.append(last_reply)  # where the beats must end, for the escalation's reply
        shift = 0
        noted = False
        for index, (kind, pause) in enumerate(beats):
            at = created + points[index] + shift
            sessions.touch(at, self.agent)
            if kind == "spell":
                self.slots.pop("request", None)  # a new question each time
                self.post(at, REPLY_KIND, self.text(cfg.replies["ask"], at), "pending", _TO_PENDING)
                sessions.ended()
                shift += pause
                self.pauses.append((at, at + pause))
                answer = choice(rng, cfg.answers)
                self.post(at + pause, CUSTOMER_KIND, answer, "customer_reply", _FROM_PENDING)
                sessions.resumed(at + pause, self.agent)
            elif kind == "note":
                steps = self.steps(verify=not noted, count=2)
                noted = True
                self.post(at, NOTE_KIND, self.note(at, steps, self.issue.next), "note")
            elif kind == "update":
                etr = 0.5 if plan.priority is Priority.P0 else 24
                self.post(at, REPLY_KIND, self.text(cfg.replies["update"], at, etr), "reply")
            else:
                tier_before = self.agent
                new_agent = gen.agent_for(tier, plan.region)
                self.slots["tier"] = tier.value
                self.slots["reason"] = reason = choice(
                    rng, (*self.area.escalation_reasons, *cfg.escalation_reasons)
                )
                steps = self.steps(verify=not noted, count=1)
                noted = True
                # The note and the reply that follows it promise the customer the same ETR.
                etr = 1.0 if plan.priority is Priority.P0 else 24.0
                note = self.note(at, steps, cfg.escalation_next, etr_hours=etr)
                self.post(at, NOTE_KIND, note, "note")
                # Told a few minutes later, but before whatever comes next.
                following = created + points[index + 1] + shift
                told = at + min(30 + below(rng, 270), max(0, following - at - 1))
                told_text = self.text(cfg.replies["escalated"], at, etr)
                sessions.touch(told, self.agent)
                self.post(told, REPLY_KIND, told_text, "reply")
                self.agent = new_agent
                self.log(
                    told,
                    tier_before.handle,
                    "escalate",
                    ("tier", Tier.L1.value, tier.value),
                    ("assignee_id", str(tier_before.id), str(new_agent.id)),
                    ("reason", None, reason),
                )
                # The colleague takes it on at once (core.kpi continues it), for a session.
                sessions.ended()
                sessions.resumed(told, new_agent)

        end = created + active + shift
        resolved = closed = None
        if status is Status.IN_PROGRESS:
            if plan.priority is Priority.P0:
                at = created + last_reply + shift
                sessions.touch(at, self.agent)
                self.post(at, REPLY_KIND, self.text(cfg.replies["update"], at, 0.5), "reply")
            # Still In progress at `now`: its session runs on. The few agents on a contact now
            # picked one ticket up minutes ago (the supervisor's "current interaction").
            if gen.on_contact_now(self.agent):
                since = gen.now - sessions.contact_seconds()
                if not sessions.open or sessions.until < since:
                    sessions.set_aside(min(sessions.until, since - 1))
                    self.log(
                        since, self.agent.handle, "start", ("status", "assigned", "in_progress")
                    )
        elif status is Status.PENDING:
            if not noted:
                # Pending needs the structured note: written just before the last question.
                noted_at = max(self.last, end - 60)
                sessions.touch(noted_at, self.agent)
                self.side_note(noted_at, cfg.waiting_next)
            self.slots.pop("request", None)
            sessions.touch(end, self.agent)
            self.post(end, REPLY_KIND, self.text(cfg.replies["ask"], end), "pending", _TO_PENDING)
            sessions.ended()
            self.pauses.append((end, None))
        else:
            noted_at = max(self.last, end - 60 - below(rng, 540))
            steps = self.steps(verify=not noted, count=2)
            closing = self.note(noted_at, steps, cfg.resolved_next, closing=True)
            sessions.touch(noted_at, self.agent)
            self.post(noted_at, NOTE_KIND, closing, "note")
            self.closing_note = len(gen.rows.messages) - 1
            resolved = end
            resolution = self.text(cfg.replies["resolved"], end)
            sessions.touch(end, self.agent)
            self.post(end, REPLY_KIND, resolution, "resolve", _TO_RESOLVED)
            sessions.ended()
            self.confirm(noted_at)
            if status is Status.CLOSED:
                closed = end + QUALITY_SECONDS
                self.log(closed, "system", "auto_close", ("status", "resolved", "closed"))
        # A pending ticket's open pause runs from `end` (its last question) to now.
        self.finish(subject, self.agent, tier, resolved=resolved, closed=closed)

    def side(self) -> random.Random:
        """Draws for what the ticket workspace added (notes on every Pending ticket,
        confirmations): a generator of their own, so every other row stays as it was."""
        return random.Random(self.gen.seed * 1_000_003 + self.id)

    def side_note(self, at: int, next_steps: Sequence[str]) -> None:
        main, self.rng = self.rng, self.side()
        try:
            steps = self.steps(verify=True, count=2)
            self.post(at, NOTE_KIND, self.note(at, steps, next_steps), "note")
        finally:
            self.rng = main

    def confirm(self, at: int) -> None:
        """The three-step confirmation the resolve relied on."""
        main, self.rng = self.rng, self.side()
        try:
            restated, fix = self.slots["restate"], self.slots["fix"]
        finally:
            self.rng = main
        rows = self.gen.rows
        rows.confirmation_id += 1
        etr = human_time(at - at % HOUR + HOUR)
        rows.confirmations.append(
            (rows.confirmation_id, self.id, restated, fix, etr, 1, self.agent.handle, db_stamp(at))
        )
