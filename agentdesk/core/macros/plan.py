"""A macro's actions as the TicketChanges a manual edit would make, in the macro's order.

plan_macro() only translates: every change still goes through core.changes.plan_change when the
store writes it, so a macro meets exactly the SOP rules the same edits made by hand meet (a
resolve without the note the SOP asks for is refused the same way, and refuses the whole macro).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agentdesk.core.changes import NewMessage, TicketChange, TicketSnapshot
from agentdesk.core.errors import Refused
from agentdesk.core.macros.model import (
    Action,
    AddNote,
    AddTags,
    Assign,
    Escalate,
    FillNote,
    Macro,
    RemoveTags,
    SendReply,
    SetPriority,
    SetStatus,
)
from agentdesk.core.macros.placeholders import (
    MissingPlaceholders,
    render,
    render_for_customer,
)
from agentdesk.core.ticket import MessageKind


class MacroRefused(Refused, ValueError):
    """A macro that cannot be applied as it stands; the message says why."""


@dataclass(frozen=True)
class MacroContext:
    """Who applies the macro, and the placeholder values for the ticket at hand."""

    values: Mapping[str, str]
    agent_handle: str
    agent_id: int | None = None
    agent_name: str = ""
    agents: Mapping[str, int] = field(default_factory=dict)  # handle -> agent id


def missing_values(macro: Macro, values: Mapping[str, str]) -> tuple[str, ...]:
    """Placeholders without a value anywhere in the macro (body and actions), in order."""
    missing: list[str] = []
    for text in _used_texts(macro):
        for name in render(text, values).missing:
            if name not in missing:
                missing.append(name)
    return tuple(missing)


def plan_macro(macro: Macro, context: MacroContext) -> list[TicketChange]:
    """The changes to write, or MacroRefused/MissingPlaceholders before anything is written."""
    if not macro.actions:
        raise MacroRefused(f"{macro.title!r} is a canned response: insert it, do not apply it")
    missing = missing_values(macro, context.values)
    if missing:
        raise MissingPlaceholders(missing)
    return [_change(macro, action, context) for action in macro.actions]


def changes_nothing(change: TicketChange, ticket: TicketSnapshot) -> bool:
    """An action the ticket already reflects (assign to me when it is mine, set Pending when it
    is pending, remove a label it does not have, fill a note section with the text it has): a
    macro skips it, where the same edit made by hand is refused as "nothing to change".
    Messages are never skipped."""
    if change.message is not None:
        return False
    moved = (
        (change.status is not None and change.status != ticket.status)
        or (change.priority is not None and change.priority != ticket.priority)
        or (change.tier is not None and change.tier != ticket.tier)
        or (change.unassign and ticket.assignee_id is not None)
        or (change.assignee_id is not None and change.assignee_id != ticket.assignee_id)
    )
    if moved:
        return False
    tags = (ticket.tags | change.add_tags) - change.remove_tags
    note = ticket.note
    return tags == ticket.tags and all(
        (note.text(section) if note else "") == text.strip() for section, text in change.note_patch
    )


def _used_texts(macro: Macro) -> list[str]:
    """The texts a macro sends or writes: the body only counts when an action sends it."""
    texts = [] if macro.is_macro and not _sends_body(macro) else [macro.body]
    return texts + macro.texts()[1:]


def _sends_body(macro: Macro) -> bool:
    return any(isinstance(action, SendReply) and action.body is None for action in macro.actions)


def _change(macro: Macro, action: Action, context: MacroContext) -> TicketChange:
    name = f"macro.{_kind(action)}"
    values = context.values
    author = context.agent_name or context.agent_handle
    match action:
        case SetStatus(status, waiting_on):
            return TicketChange(name, status=status, pending_reason=waiting_on)
        case SetPriority(priority, reason):
            return TicketChange(
                name, priority=priority, reason=_reason(render_for_customer(reason, values), macro)
            )
        case AddTags(tags):
            return TicketChange(name, add_tags=frozenset(tags))
        case RemoveTags(tags):
            return TicketChange(name, remove_tags=frozenset(tags))
        case Assign(to="nobody"):
            return TicketChange(name, unassign=True)
        case Assign(to="me"):
            if context.agent_id is None:
                raise MacroRefused(
                    f"{macro.title!r} assigns the ticket to you, but no agent is set: "
                    "check [agent] handle in the profile's config file"
                )
            return TicketChange(name, assignee_id=context.agent_id)
        case Assign(to=handle):
            if handle not in context.agents:
                raise MacroRefused(f"{macro.title!r} assigns to {handle!r}: no such agent")
            return TicketChange(name, assignee_id=context.agents[handle])
        case Escalate(tier, reason):
            return TicketChange(
                name, tier=tier, reason=_reason(render_for_customer(reason, values), macro)
            )
        case AddNote(body):
            text = render_for_customer(body, values)
            note = NewMessage(MessageKind.INTERNAL_NOTE, text, author, context.agent_id)
            return TicketChange(name, message=note)
        case SendReply(body):
            text = render_for_customer(macro.body if body is None else body, values)
            reply = NewMessage(MessageKind.REPLY, text, author, context.agent_id)
            return TicketChange(name, message=reply)
        case FillNote(section, text):
            return TicketChange(
                name,
                note_patch=((section, render_for_customer(text, values)),),
                note_author=author,
                note_agent_id=context.agent_id,
            )
    raise AssertionError(action)  # pragma: no cover


def _reason(reason: str, macro: Macro) -> str:
    return f"{reason} (macro {macro.id})"


def _kind(action: Action) -> str:
    return {
        SetStatus: "set_status",
        SetPriority: "set_priority",
        AddTags: "add_tags",
        RemoveTags: "remove_tags",
        Assign: "assign",
        Escalate: "escalate",
        AddNote: "add_note",
        SendReply: "send_reply",
        FillNote: "fill_note",
    }[type(action)]
