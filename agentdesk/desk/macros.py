"""Macros on a ticket: what the picker shows, applying a macro, undoing it, counting uses.

A macro is planned by the core (core.macros.plan_macro: one TicketChange per action) and
written by the store in one transaction (store.macros.apply_macro): all or nothing. Undo
follows store.macros' rule (the newest macro, by the agent who applied it, not yet synced).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentdesk.desk.base import Desk

if TYPE_CHECKING:
    from agentdesk.core.macros import Macro, MacroIndex
    from agentdesk.macro_files import MacroLibrary
    from agentdesk.store.macros import AppliedMacro, UndoneMacro


@dataclass(frozen=True)
class MacroView:
    """The library for one ticket: the macros, their index, usage counts and the values the
    ticket fills placeholders with."""

    library: MacroLibrary
    index: MacroIndex
    usage: dict[str, int]
    values: dict[str, str]
    why_missing: dict[str, str] = field(default_factory=dict)
    """Placeholder -> why the ticket gives it no value (an SLA deadline already past)."""


def macro_view(
    desk: Desk, ticket_id: int, *, unless: MacroLibrary | None = None
) -> MacroView | None:
    """The macro folders (only changed files re-read) for the ticket; None when `unless` is
    given and no file changed since it was read."""
    from agentdesk.core.macros.placeholders import deadline_to_promise, ticket_values
    from agentdesk.core.quality import confirmation_recorded
    from agentdesk.store.macros import macro_ticket, usage_counts
    from agentdesk.store.writes import load_snapshot

    catalog = desk.session.macros
    library = catalog.refresh()
    if unless is not None and library.generation == unless.generation:
        return None
    index = catalog.index(library)
    with desk.reading(), desk.store.read() as connection:
        usage = usage_counts(connection)
        ticket = macro_ticket(connection, ticket_id)
        snapshot = load_snapshot(connection, ticket_id)
    settings = desk.settings
    actor = desk.actor
    why_missing: dict[str, str] = {}
    deadline = deadline_to_promise(snapshot.sla_ticket(), desk.store.policy, desk.now())
    if isinstance(deadline, str):
        why_missing["sla.deadline"] = deadline
    # The ETR the customer agreed to in this interaction's three-step confirmation.
    confirmation = snapshot.confirmation
    agreed = confirmation_recorded(confirmation, since=snapshot.interaction_started_at)
    values = ticket_values(
        ticket_id=ticket.id,
        customer_name=ticket.customer_name,
        # No agent row: {{agent.name}} stays missing and is asked for, not the handle.
        agent_name=actor.name if actor.agent_id is not None else "",
        company=settings.company,
        department=settings.department,
        sla_due_at=None if isinstance(deadline, str) else deadline,
        etr=confirmation.etr if agreed and confirmation is not None else "",
    )
    return MacroView(library, index, usage, values, why_missing)


def find_macros(desk: Desk, query: str, limit: int) -> list[Macro]:
    """The macros best matching the query (the command palette's jump to a macro)."""
    catalog = desk.session.macros
    index = catalog.index(catalog.refresh())
    return [hit.macro for hit in index.search(query, limit=limit)]


def apply_macro(desk: Desk, ticket_id: int, macro: Macro, values: dict[str, str]) -> AppliedMacro:
    """Plan every action of the macro and write them all in one transaction, or refuse
    (MacroRefused, MissingPlaceholders, or the SOP's refusal of one of its changes)."""
    from agentdesk.core.macros import MacroContext, plan_macro
    from agentdesk.store.macros import agent_ids
    from agentdesk.store.macros import apply_macro as write

    actor = desk.actor
    with desk.writing(f"apply the macro {macro.id}"):
        with desk.store.read() as connection:
            agents = agent_ids(connection)
        context = MacroContext(
            values=values,
            agent_handle=actor.handle,
            agent_id=actor.agent_id,
            agent_name=actor.name if actor.agent_id is not None else "",
            agents=agents,
        )
        changes = plan_macro(macro, context)
        from agentdesk.desk.shift import shift_gate

        # A macro that takes the ticket waits for the shift like the assign key (core.actions).
        takes = any(c.action in ("macro.assign", "macro.set_status") for c in changes)
        return write(
            desk.store,
            ticket_id,
            macro.id,
            changes,
            actor=actor.handle,
            now=desk.now(),
            shift=shift_gate(desk) if takes else None,
        )


def undo_last_macro(desk: Desk, ticket_id: int) -> UndoneMacro:
    """Undo the newest macro on the ticket, or raise UndoRefused saying why not."""
    from agentdesk.store.macros import undo_last_macro as undo

    with desk.writing("undo the macro"):
        return undo(
            desk.store,
            ticket_id,
            actor=desk.actor.handle,
            now=desk.now(),
            local_backend=desk.settings.backend == "local",
        )


def macro_title(desk: Desk, macro_id: str) -> str:
    """The macro's title as the picker shows it; its file id when it is no longer there."""
    found = desk.session.macros.refresh().get(macro_id)
    return found.title if found is not None else macro_id


def record_use(desk: Desk, macro_id: str) -> None:
    """Count a use that writes nothing else (a canned reply put into a draft)."""
    from agentdesk.store.macros import record_use as count

    with desk.writing("count the macro's use"):
        count(desk.store, macro_id, desk.now())
