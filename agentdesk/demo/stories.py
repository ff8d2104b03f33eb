"""The story of one demo ticket: its conversation, audit trail, SLA state and row, in time order.

Each ticket is told as a story that ends in its status at `now` (new tickets are young,
closed ones resolved more than 48 hours ago), and its SLA fields and breaches are computed by
core.sla from the timestamps the story produced, exactly as the live app would.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from agentdesk.core import sla
from agentdesk.core.ticket import Channel, MessageKind, Priority, Region, Status, Tier
from agentdesk.demo.config import Area, Issue
from agentdesk.demo.draws import below, choice
from agentdesk.demo.people import DemoCustomer, TeamMember
from agentdesk.demo.sessions import Sessions
from agentdesk.demo.texts import DEADLINE_MARK, TicketWords
from agentdesk.demo.times import (
    HOUR,
    QUALITY_SECONDS,
    as_datetime,
    as_seconds,
    db_stamp,
    human_time,
)

if TYPE_CHECKING:
    from agentdesk.demo.generator import Generator, TicketPlan

_LIVE_CHANNELS = (Channel.PHONE, Channel.CHAT)
_Entry = tuple[str, str | None, str | None]
"""An audit entry: field, old value, new value."""
_TO_PENDING: tuple[_Entry, ...] = (("status", "in_progress", "pending"),)
_FROM_PENDING: tuple[_Entry, ...] = (("status", "pending", "in_progress"),)
_TO_RESOLVED: tuple[_Entry, ...] = (("status", "in_progress", "resolved"),)
# Enum .value is a descriptor call; this is a dict lookup (five per ticket row).
_VALUES: dict[StrEnum, str] = {
    m: m.value for e in (Priority, Status, Channel, Region, Tier) for m in e
}
_CUSTOMER_KIND = MessageKind.CUSTOMER.value
_REPLY_KIND = MessageKind.REPLY.value
_NOTE_KIND = MessageKind.INTERNAL_NOTE.value


class Story(TicketWords):
    """Writes one ticket's conversation, audit trail, SLA state and row, in time order."""

    def __init__(
        self,
        gen: Generator,
        plan: TicketPlan,
        issue: Issue,
        area: Area,
        customer: DemoCustomer,
        agent: TeamMember,
    ) -> None:
        super().__init__(gen, plan, issue, area, customer, agent)
        self.id = plan.id
        self.last = 0
        self.actions = 0
        self.messages = 0
        self.first_response: int | None = None
        self.last_update: int | None = None
        self.closing_note: int | None = None
        # Structured notes: (message id, at, summary, steps, cause, next, deadline).
        self.notes: list[list[Any]] = []

    # -- rows --

    def say(self, at: int, body: str) -> None:
        """The customer's first message (part of creating the ticket, not a change)."""
        rows = self.gen.rows
        rows.message_id += 1
        rows.messages.append(
            (rows.message_id, self.id, _CUSTOMER_KIND, self.customer.name, None, body, db_stamp(at))
        )
        self.messages += 1
        self.last = at

    def post(
        self, at: int, kind: str, body: str, action: str, entries: tuple[_Entry, ...] = ()
    ) -> None:
        """A message and the change it was part of: one version, an audit row per field.

        The audit gets the field changes only: the body is in messages already, and a row per
        message would be a third of all rows written, the slowest part of a big run.
        """
        rows = self.gen.rows
        stamp = db_stamp(at)
        rows.message_id += 1
        if kind == _CUSTOMER_KIND:
            author, agent_id, actor = self.customer.name, None, "customer"
        else:
            agent = self.agent
            author, agent_id, actor = agent.name, agent.id, agent.handle
            if kind == _REPLY_KIND:
                if self.first_response is None:
                    self.first_response = at
                self.last_update = at
        rows.messages.append((rows.message_id, self.id, kind, author, agent_id, body, stamp))
        if kind == _NOTE_KIND and self.note_parts is not None:
            self.notes.append([rows.message_id, at, *self.note_parts])
            self.note_parts = None
        for field, old, new in entries:
            rows.audit_id += 1
            rows.audit.append((rows.audit_id, self.id, actor, action, field, old, new, stamp, None))
        self.messages += 1
        self.actions += 1
        if at > self.last:
            self.last = at

    def log(self, at: int, actor: str, action: str, *entries: _Entry) -> None:
        """A change without a message: one version, an audit row per field."""
        rows = self.gen.rows
        stamp = db_stamp(at)
        for field, old, new in entries:
            rows.audit_id += 1
            rows.audit.append((rows.audit_id, self.id, actor, action, field, old, new, stamp, None))
        self.actions += 1
        if at > self.last:
            self.last = at

    # -- the story --

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
            self.post(chased, _CUSTOMER_KIND, choice(rng, gen.cfg.chasers), "customer_message")
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
        self.post(at, _REPLY_KIND, self.text(cfg.replies["first"], at, self.etr), "reply")

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
                self.post(
                    at, _REPLY_KIND, self.text(cfg.replies["ask"], at), "pending", _TO_PENDING
                )
                sessions.ended()
                shift += pause
                self.pauses.append((at, at + pause))
                answer = choice(rng, cfg.answers)
                self.post(at + pause, _CUSTOMER_KIND, answer, "customer_reply", _FROM_PENDING)
                sessions.resumed(at + pause, self.agent)
            elif kind == "note":
                steps = self.steps(verify=not noted, count=2)
                noted = True
                self.post(at, _NOTE_KIND, self.note(at, steps, self.issue.next), "note")
            elif kind == "update":
                etr = 0.5 if plan.priority is Priority.P0 else 24
                self.post(at, _REPLY_KIND, self.text(cfg.replies["update"], at, etr), "reply")
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
                self.post(at, _NOTE_KIND, note, "note")
                # Told a few minutes later, but before whatever comes next.
                following = created + points[index + 1] + shift
                told = at + min(30 + below(rng, 270), max(0, following - at - 1))
                told_text = self.text(cfg.replies["escalated"], at, etr)
                sessions.touch(told, self.agent)
                self.post(told, _REPLY_KIND, told_text, "reply")
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
                self.post(at, _REPLY_KIND, self.text(cfg.replies["update"], at, 0.5), "reply")
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
            self.post(end, _REPLY_KIND, self.text(cfg.replies["ask"], end), "pending", _TO_PENDING)
            sessions.ended()
            self.pauses.append((end, None))
        else:
            noted_at = max(self.last, end - 60 - below(rng, 540))
            steps = self.steps(verify=not noted, count=2)
            closing = self.note(noted_at, steps, cfg.resolved_next, closing=True)
            sessions.touch(noted_at, self.agent)
            self.post(noted_at, _NOTE_KIND, closing, "note")
            self.closing_note = len(gen.rows.messages) - 1
            resolved = end
            resolution = self.text(cfg.replies["resolved"], end)
            sessions.touch(end, self.agent)
            self.post(end, _REPLY_KIND, resolution, "resolve", _TO_RESOLVED)
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
            self.post(at, _NOTE_KIND, self.note(at, steps, next_steps), "note")
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

    def finish(
        self,
        subject: str,
        assignee: TeamMember | None,
        tier: Tier,
        *,
        resolved: int | None = None,
        closed: int | None = None,
    ) -> None:
        """Compute the SLA fields and breaches with core.sla and write the ticket row."""
        gen, plan, rows = self.gen, self.plan, self.gen.rows
        when_pauses = tuple(
            (as_datetime(a), None if b is None else as_datetime(b)) for a, b in self.pauses
        )
        ticket = sla.SlaTicket(
            priority=plan.priority,
            region=plan.region,
            status=plan.status,
            created_at=as_datetime(self.created),
            first_response_at=None
            if self.first_response is None
            else as_datetime(self.first_response),
            last_update_at=None if self.last_update is None else as_datetime(self.last_update),
            resolved_at=None if resolved is None else as_datetime(resolved),
            pauses=when_pauses,
        )
        clock = due = at_risk = None
        if plan.status.is_open:
            reading = sla.next_due(ticket, gen.policy)
            if reading is not None:
                clock = reading.clock.value
                if reading.due_at is not None:
                    due = gen.to_db(reading.due_at)
                    if reading.due_at <= gen.now_dt:
                        gen.open_breached += 1
                    elif reading.at_risk_at is not None and reading.at_risk_at <= gen.now_dt:
                        gen.open_at_risk += 1
                if reading.at_risk_at is not None:
                    at_risk = gen.to_db(reading.at_risk_at)
        breached_at = None
        found = sla.breaches(ticket, gen.policy, gen.now_dt)
        verdict = gen.cfg.deadline_met
        if self.closing_note is not None:
            row = rows.messages[self.closing_note]
            if found:
                first = min(found, key=lambda b: b.due_at)
                verdict = gen.cfg.deadline_missed.format(
                    clock=first.clock.label.lower(), due=human_time(as_seconds(first.due_at))
                )
            else:
                verdict = gen.cfg.deadline_met
            rows.messages[self.closing_note] = (
                *row[:5],
                row[5].replace(DEADLINE_MARK, verdict),
                row[6],
            )
        for message_id, at, *parts, deadline in self.notes:
            if deadline == DEADLINE_MARK:
                deadline = verdict
            rows.note_id += 1
            rows.notes.append(
                (rows.note_id, plan.id, message_id, *parts, deadline, self.agent.name, db_stamp(at))
            )
        if self.notes:
            for name, value in (
                ("product_area", self.issue.area),
                ("issue_type", self.issue.name),
                ("priority", _VALUES[plan.priority]),
                ("channel", _VALUES[plan.channel]),
            ):
                rows.tags.append((plan.id, name, value))
        for breach in found:
            # Recorded when the deadline passed, as the breach monitor would have.
            stamp = gen.to_db(breach.due_at)
            rows.breach_id += 1
            rows.breaches.append((rows.breach_id, plan.id, breach.clock.value, stamp, stamp))
            rows.audit_id += 1
            rows.audit.append(
                (
                    rows.audit_id,
                    plan.id,
                    "sla",
                    "sla_breach",
                    breach.clock.value,
                    None,
                    stamp,
                    stamp,
                    None,
                )
            )
            breached_at = stamp if breached_at is None else min(breached_at, stamp)
        if breached_at is not None:
            gen.breached_tickets += 1
        pauses = "[]"
        if self.pauses:
            # store.writes.pauses_to_json's format, from whole seconds.
            pauses = json.dumps(
                [[db_stamp(a), None if b is None else db_stamp(b)] for a, b in self.pauses]
            )
        # In the model's column order: remote_id and quality_flag stay NULL (a local ticket,
        # not yet judged by the quality check).
        rows.tickets.append(
            (
                plan.id,
                None,
                subject,
                self.customer.id,
                None if assignee is None else assignee.id,
                _VALUES[plan.priority],
                _VALUES[plan.status],
                _VALUES[plan.channel],
                _VALUES[plan.region],
                _VALUES[tier],
                self.issue.area,
                self.issue.name,
                db_stamp(self.created),
                db_stamp(self.last),
                None if self.first_response is None else db_stamp(self.first_response),
                None if self.last_update is None else db_stamp(self.last_update),
                None if resolved is None else db_stamp(resolved),
                None if closed is None else db_stamp(closed),
                pauses,
                clock,
                due,
                at_risk,
                breached_at,
                1 + self.actions,
                "waiting_on_customer" if plan.status is Status.PENDING else "",
                None,
            )
        )
