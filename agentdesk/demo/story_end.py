"""The end of a demo ticket's story: its SLA fields and breaches computed by core.sla from
the timestamps the story produced, exactly as the live app would, and the ticket row."""

from __future__ import annotations

import json
from enum import StrEnum

from agentdesk.core import sla
from agentdesk.core.ticket import Channel, Priority, Region, Status, Tier
from agentdesk.demo.people import TeamMember
from agentdesk.demo.story_rows import StoryRows
from agentdesk.demo.texts import DEADLINE_MARK
from agentdesk.demo.times import as_datetime, as_seconds, db_stamp, human_time

# Enum .value is a descriptor call; this is a dict lookup (five per ticket row).
_VALUES: dict[StrEnum, str] = {
    m: m.value for e in (Priority, Status, Channel, Region, Tier) for m in e
}


class StoryEnd(StoryRows):
    """Writes the ticket row a story ends in, with its SLA state."""

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
