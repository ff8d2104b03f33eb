"""What a canned response or macro is, once its file has been read and checked."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from agentdesk.core.changes import PendingReason
from agentdesk.core.note_template import Section
from agentdesk.core.ticket import Priority, Status, Tier


class Category(StrEnum):
    """Where an entry sits in the library; the picker groups and filters by it."""

    OPENER = "opener"
    VERIFICATION = "verification"
    PRODUCT = "product"
    PAYMENT = "payment"
    DELIVERY = "delivery"
    REFUND = "refund"
    TECHNICAL = "technical"
    ACCOUNT = "account"
    ESCALATION = "escalation"
    FOLLOW_UP = "follow_up"
    CLOSING = "closing"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


@dataclass(frozen=True)
class MacroProblem:
    """One problem in one file, printed as path:line: message (like a compiler)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        # Line 0: a problem with the file or folder as a whole.
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SetStatus:
    status: Status
    waiting_on: PendingReason | None = None
    """What a Pending ticket waits on; required (by the parser) for status = pending."""


@dataclass(frozen=True)
class SetPriority:
    priority: Priority
    reason: str


@dataclass(frozen=True)
class AddTags:
    """Free-form ticket labels ("csat-sent"), not the note template's four tags."""

    tags: tuple[str, ...]


@dataclass(frozen=True)
class RemoveTags:
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Assign:
    """to: "me" (the agent applying the macro), "nobody", or an agent's handle."""

    to: str


@dataclass(frozen=True)
class Escalate:
    tier: Tier
    reason: str


@dataclass(frozen=True)
class AddNote:
    """An internal note: the customer never sees it."""

    body: str


@dataclass(frozen=True)
class SendReply:
    """A reply to the customer; body None sends the macro's own body."""

    body: str | None = None


# The section keys a macro file may fill: the note template's own keys, with the SOP's
# "root_cause_hypothesis" accepted for Section.ROOT_CAUSE. The SLA deadline is not here: the
# SLA engine fills it in whenever a note is written.
NOTE_SECTION_KEYS: dict[str, Section] = {
    "issue_summary": Section.ISSUE_SUMMARY,
    "steps_taken": Section.STEPS_TAKEN,
    "root_cause_hypothesis": Section.ROOT_CAUSE,
    "root_cause": Section.ROOT_CAUSE,
    "next_steps": Section.NEXT_STEPS,
}

# set_status's waiting_on values (a pend must say what the ticket waits on).
WAITING_ON: dict[str, PendingReason] = {
    "customer": PendingReason.CUSTOMER,
    "internal_team": PendingReason.INTERNAL_TEAM,
}


@dataclass(frozen=True)
class FillNote:
    """Set one section of the ticket's structured note."""

    section: Section
    text: str


Action: TypeAlias = (
    SetStatus
    | SetPriority
    | AddTags
    | RemoveTags
    | Assign
    | Escalate
    | AddNote
    | SendReply
    | FillNote
)

# The `type` an [[actions]] table names, and the keys it takes (beyond `type`).
ACTION_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (required keys, optional keys)
    "set_status": (("status",), ("waiting_on",)),
    "set_priority": (("priority", "reason"), ()),
    "add_tags": (("tags",), ()),
    "remove_tags": (("tags",), ()),
    "assign": (("to",), ()),
    "escalate": (("tier", "reason"), ()),
    "add_note": (("body",), ()),
    "send_reply": ((), ("body",)),
    "fill_note": (("section", "text"), ()),
}


@dataclass(frozen=True)
class Macro:
    """A canned response (no actions: its body is inserted into the reply) or a macro."""

    id: str
    title: str
    category: Category
    body: str
    tags: tuple[str, ...] = ()
    language: str = "en"
    actions: tuple[Action, ...] = ()
    path: str = ""
    source: str = "shipped"

    @property
    def is_macro(self) -> bool:
        return bool(self.actions)

    def texts(self) -> list[str]:
        """Every text that may hold placeholders, body first."""
        found = [self.body]
        for action in self.actions:
            match action:
                case SetPriority(reason=text) | Escalate(reason=text) | AddNote(body=text):
                    found.append(text)
                case FillNote(text=text):
                    found.append(text)
                case SendReply(body=str() as text):
                    found.append(text)
        return found


def describe_action(action: Action) -> str:
    """One line for the picker's preview: what the action will do to the ticket."""
    match action:
        case SetStatus(status, waiting_on):
            if waiting_on is not None:
                return f"Set status to {status.label} ({waiting_on.label})"
            return f"Set status to {status.label}"
        case SetPriority(priority, reason):
            return f"Set priority to {priority.value} (reason: {reason})"
        case AddTags(tags):
            return "Add labels: " + ", ".join(tags)
        case RemoveTags(tags):
            return "Remove labels: " + ", ".join(tags)
        case Assign(to):
            who = {"me": "you", "nobody": "nobody (unassign)"}.get(to, to)
            return f"Assign to {who}"
        case Escalate(tier, reason):
            return f"Escalate to {tier.value} (reason: {reason})"
        case AddNote(body):
            return f"Add internal note: {_first_line(body)}"
        case SendReply(body):
            return "Send the reply above" if body is None else f"Send reply: {_first_line(body)}"
        case FillNote(section, text):
            return f"Note · {section.label}: {_first_line(text)}"
    raise AssertionError(action)  # pragma: no cover


def _first_line(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"
