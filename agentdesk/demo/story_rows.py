"""The rows a demo ticket's story writes as it goes: the customer's first message, each
message with the change it was part of, and each change without one (demo.stories.Story
tells the story; demo.story_end writes the ticket row it ends in)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from agentdesk.core.ticket import MessageKind
from agentdesk.demo.texts import TicketWords
from agentdesk.demo.times import db_stamp

Entry = tuple[str, str | None, str | None]
"""An audit entry: field, old value, new value."""
CUSTOMER_KIND = MessageKind.CUSTOMER.value
REPLY_KIND = MessageKind.REPLY.value
NOTE_KIND = MessageKind.INTERNAL_NOTE.value


class StoryRows(TicketWords):
    """One ticket's messages and audit rows, and the counts its row is made from.

    No __init__ of its own (TicketWords' is the one): each count starts at its class value,
    an int or None that the story's first `+=` or `=` makes its own, and the notes list is
    made on first use.
    """

    last = 0
    actions = 0
    messages = 0
    first_response: int | None = None
    last_update: int | None = None
    closing_note: int | None = None

    @property
    def id(self) -> int:
        return self.plan.id

    @cached_property
    def notes(self) -> list[list[Any]]:
        """Structured notes: (message id, at, summary, steps, cause, next, deadline)."""
        return []

    def say(self, at: int, body: str) -> None:
        """The customer's first message (part of creating the ticket, not a change)."""
        rows = self.gen.rows
        rows.message_id += 1
        rows.messages.append(
            (rows.message_id, self.id, CUSTOMER_KIND, self.customer.name, None, body, db_stamp(at))
        )
        self.messages += 1
        self.last = at

    def post(
        self, at: int, kind: str, body: str, action: str, entries: tuple[Entry, ...] = ()
    ) -> None:
        """A message and the change it was part of: one version, an audit row per field.

        The audit gets the field changes only: the body is in messages already, and a row per
        message would be a third of all rows written, the slowest part of a big run.
        """
        rows = self.gen.rows
        stamp = db_stamp(at)
        rows.message_id += 1
        if kind == CUSTOMER_KIND:
            author, agent_id, actor = self.customer.name, None, "customer"
        else:
            agent = self.agent
            author, agent_id, actor = agent.name, agent.id, agent.handle
            if kind == REPLY_KIND:
                if self.first_response is None:
                    self.first_response = at
                self.last_update = at
        rows.messages.append((rows.message_id, self.id, kind, author, agent_id, body, stamp))
        if kind == NOTE_KIND and self.note_parts is not None:
            self.notes.append([rows.message_id, at, *self.note_parts])
            self.note_parts = None
        for field, old, new in entries:
            rows.audit_id += 1
            rows.audit.append((rows.audit_id, self.id, actor, action, field, old, new, stamp, None))
        self.messages += 1
        self.actions += 1
        if at > self.last:
            self.last = at

    def log(self, at: int, actor: str, action: str, *entries: Entry) -> None:
        """A change without a message: one version, an audit row per field."""
        rows = self.gen.rows
        stamp = db_stamp(at)
        for field, old, new in entries:
            rows.audit_id += 1
            rows.audit.append((rows.audit_id, self.id, actor, action, field, old, new, stamp, None))
        self.actions += 1
        if at > self.last:
            self.last = at
