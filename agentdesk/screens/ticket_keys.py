"""The ticket screen's actions, once: its key bindings, its key bar (which keys stay when
room is short), its command palette entries and its help screen (?) are all made from
TICKET_KEYS, so a label is written in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.actions import parse
from textual.binding import Binding, BindingType

from agentdesk.screens.help import HelpRow


@dataclass(frozen=True)
class TicketKey:
    """One action of the ticket screen: its key, the key bar's label, and the palette's
    words for it. key None: palette only (a key of a widget runs it)."""

    key: str | None
    action: str
    """The Textual action it runs, with its parameters: "compose('reply')"."""
    label: str
    """In the key bar: short."""
    title: str
    """In the command palette."""
    help: str
    """Beside the title in the palette (the key is put in front)."""
    id: str
    show: bool = True
    priority: bool = False
    key_display: str | None = None
    palette_key: str | None = None
    """How the palette names the key when not as the key itself ("Esc")."""
    rank: int = 2
    """The key bar's priority: 0 stays longest when the terminal is narrow (the SOP's own
    actions: verify, confirm, clear the lock), higher ranks are left off first."""

    @property
    def parsed(self) -> tuple[str, tuple[object, ...]]:
        """(the action's name, its parameters), as check_action gets them."""
        _, name, parameters = parse(self.action)
        return name, parameters

    @property
    def palette_help(self) -> str:
        key = self.palette_key or self.key_display or self.key or ""
        return f"{key} · {self.help}" if self.help else key

    def binding(self) -> Binding:
        assert self.key is not None
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            id=self.id,
        )


TICKET_KEYS: tuple[TicketKey, ...] = (
    TicketKey(
        "escape", "back", "Back", "Back to the queue", "", "ticket.back", palette_key="Esc", rank=4
    ),
    # Priority: run as the key arrives, so the keys typed right after it (a burst over a
    # slow link) already go to the composer, not to this screen's other keys.
    TicketKey(
        "r",
        "compose('reply')",
        "Reply",
        "Reply to the customer",
        "public",
        "ticket.reply",
        rank=1,
        priority=True,
    ),
    TicketKey(
        "n",
        "compose('internal_note')",
        "Int. note",
        "Write an internal note",
        "agents only",
        "ticket.internal_note",
        rank=2,
        priority=True,
    ),
    TicketKey("a", "assign_to_me", "Assign me", "Assign to me", "", "ticket.assign_to_me", rank=3),
    TicketKey("s", "start_work", "Start", "Start work", "In progress", "ticket.start_work", rank=1),
    TicketKey(
        "p",
        "pend",
        "Pend",
        "Pend: waiting on customer or team",
        "pauses the SLA",
        "ticket.pend",
        rank=2,
    ),
    TicketKey(
        "d",
        "resolve",
        "Resolve",
        "Resolve",
        "needs verification, the note, the confirmation, a reply after the note",
        "ticket.resolve",
        rank=1,
    ),
    TicketKey(
        "o", "reopen", "Reopen", "Reopen", "Resolved -> In progress", "ticket.reopen", rank=1
    ),
    TicketKey(
        "e", "escalate", "Escalate", "Escalate to L2/L3", "with a reason", "ticket.escalate", rank=2
    ),
    TicketKey(
        "P",
        "change_priority",
        "Priority",
        "Change priority",
        "with a reason",
        "ticket.priority",
        rank=3,
        key_display="P",
    ),
    TicketKey(
        "t",
        "tags",
        "Tags",
        "Add tags",
        "product area, issue type, priority, channel",
        "ticket.tags",
        rank=3,
    ),
    TicketKey(
        None,
        "save_note",
        "Save note",
        "Save the structured note",
        "",
        "ticket.save_note",
        palette_key="ctrl+s in the note",
    ),
    TicketKey("f", "attach", "Attach", "Attach a file", "up to 10 MB", "ticket.attach", rank=3),
    TicketKey(
        "m",
        "macros",
        "Macros",
        "Macros…",
        "canned responses and macros for this ticket",
        "ticket.macros",
        rank=3,
    ),
    TicketKey(
        "u",
        "undo_macro",
        "Undo macro",
        "Undo the last macro",
        "before it is synced",
        "ticket.undo_macro",
        show=False,
    ),
    TicketKey(
        "v",
        "verify",
        "Verify",
        "Verify the customer's identity",
        "the wizard",
        "ticket.verify",
        rank=0,
    ),
    TicketKey(
        "c",
        "confirm",
        "Confirm",
        "Three-step confirmation",
        "restate, propose with an ETR, agree",
        "ticket.confirm",
        rank=0,
    ),
    TicketKey(
        "L",
        "clear_lock",
        "Clear lock",
        "Clear the verification lock",
        "Level 2 or 3",
        "ticket.clear_lock",
        rank=0,
        key_display="L",
    ),
    # Issue 14: links between tickets and merging a duplicate (listed on the History tab).
    # K, not k: k scrolls the conversation up (its vi keys j/k/g/G).
    TicketKey(
        "K",
        "link",
        "Link",
        "Link to another ticket",
        "refers to, depends on, member of an incident",
        "ticket.link",
        rank=3,
        key_display="K",
    ),
    TicketKey(
        "M",
        "merge",
        "Merge",
        "Merge this duplicate into another ticket",
        "closes it; RT merges it too",
        "ticket.merge",
        rank=3,
        key_display="M",
    ),
    TicketKey(
        "X",
        "at_risk",
        "At risk",
        "SLA at risk: the emergency path",
        "notify the manager, P0 incident, tell the customer the ETR",
        "ticket.at_risk",
        rank=0,
        key_display="X",
    ),
    TicketKey(
        "W",
        "tier_why_not",
        "Why not",
        "Record why the ticket stays at its tier",
        "past the tier's time limit: escalate or record why not",
        "ticket.tier_why_not",
        rank=3,
        key_display="W",
    ),
    # Issue 15: after the resolve, the phone agent records the caller's survey answer.
    TicketKey(
        "S",
        "record_survey",
        "Survey",
        "Record the caller's survey answer",
        "CSAT 1-5 or NPS 0-10, after the resolve",
        "ticket.record_survey",
        rank=4,
        key_display="S",
    ),
    TicketKey(
        "1",
        "show_tab('tab-conversation')",
        "Conversation",
        "Show the conversation",
        "",
        "ticket.tab1",
        show=False,
    ),
    TicketKey("2", "show_tab('tab-note')", "Note", "Show the note", "", "ticket.tab2", show=False),
    TicketKey(
        "3",
        "show_tab('tab-attachments')",
        "Attachments",
        "Show attachments",
        "",
        "ticket.tab3",
        show=False,
    ),
    TicketKey(
        "4",
        "show_tab('tab-history')",
        "History",
        "Show history and links",
        "",
        "ticket.tab4",
        show=False,
    ),
    TicketKey(
        "5",
        "show_tab('tab-customer')",
        "Customer",
        "Show the customer's other tickets",
        "open first, then recent",
        "ticket.tab5",
        show=False,
    ),
    # Issue 14: a Closed ticket is never reopened; the customer's next contact is a new one.
    TicketKey(
        "F",
        "follow_up",
        "Follow-up",
        "Follow-up: a new ticket linked to this Closed one",
        "same customer",
        "ticket.follow_up",
        rank=1,
        key_display="F",
    ),
    TicketKey(
        "question_mark,f1",
        "help",
        "Help",
        "Help: every key of this screen",
        "and whether it is open now",
        "ticket.help",
        key_display="?",
        palette_key="? or F1",
        rank=4,
    ),
)


# Each key to its entry: a key whose action is not open now says why (TicketScreen.on_key).
TICKET_KEY_OF: dict[str, TicketKey] = {
    entry.key: entry for entry in TICKET_KEYS if entry.key is not None
}


def ticket_bindings() -> list[BindingType]:
    return [entry.binding() for entry in TICKET_KEYS if entry.key is not None]


def ticket_bar_ranks() -> dict[str, int]:
    """The key bar's ranks, by binding id (widgets/key_bar.py)."""
    return {entry.id: entry.rank for entry in TICKET_KEYS}


def ticket_help_rows(why_not: Callable[[TicketKey], str | None]) -> list[HelpRow]:
    """The help screen's rows: every key of the table (why_not(entry): why it is not open
    now, None when it is), then the composer's and the note form's own keys."""
    from agentdesk.widgets.composer import Composer
    from agentdesk.widgets.note_form import NoteForm

    # A palette-only entry (key None) is run by a widget's key: listed with that widget's.
    rows = [
        HelpRow(entry.key, entry.title, entry.help, why_not(entry))
        for entry in TICKET_KEYS
        if entry.key is not None
    ]
    for where, bindings in (
        ("in the composer", Composer.BINDINGS),
        ("in the note form", NoteForm.BINDINGS),
    ):
        for binding in bindings:
            if isinstance(binding, Binding):
                rows.append(HelpRow(binding.key, binding.description, where, None))
    return rows
