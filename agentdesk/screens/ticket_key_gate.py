"""Which of the ticket screen's keys are open now and why not (core.actions, through the
desk): the key bar and the palette offer only the open ones, a closed key says why instead
of doing nothing, and ? lists every key, the closed ones dimmed with their reason. A part of
TicketScreen (its base), kept in a file of its own."""

from __future__ import annotations

from textual import events
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Input, TextArea

from agentdesk.core.actions import Action
from agentdesk.desk import Desk
from agentdesk.desk import ticket_work as work_on
from agentdesk.screens.ticket_keys import TICKET_KEY_OF
from agentdesk.store.workspace_rows import TicketWorkspace


class TicketKeyGate(Screen[None]):
    desk: Desk
    ticket_id: int
    workspace: TicketWorkspace
    _allowed: tuple[TicketWorkspace, dict[Action, str | None]] | None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "compose":
            action = str(parameters[0]) if parameters else Action.REPLY.value
        if action not in Action.__members__.values():
            return True  # tabs, back: always
        if self.desk.read_only:
            return False  # monitoring mode: no write is offered at all (key bar, palette)
        return self._why_not(Action(action)) is None

    def _forget_allowed(self) -> None:
        self._allowed = None

    def _why_not(self, action: Action) -> str | None:
        workspace = self.workspace
        if self._allowed is None or self._allowed[0] is not workspace:
            self._allowed = (
                workspace,
                work_on.actions_now(self.desk, workspace.snapshot, workspace.escalation),
            )
        return self._allowed[1][action]

    def on_key(self, event: events.Key) -> None:
        """A ticket key that is not open now says why, instead of doing nothing."""
        entry = TICKET_KEY_OF.get(event.key)
        if entry is None or isinstance(self.focused, (TextArea, Input)):
            return
        node: DOMNode | None = self.focused
        while node is not None and node is not self:
            if event.key in node._bindings.key_to_bindings:
                return  # the focused widget's own key
            node = node.parent
        name, parameters = entry.parsed
        if name == "compose" and parameters:
            name = str(parameters[0])
        if name not in Action.__members__.values():
            return
        reason = self._why_not(Action(name))
        if reason is not None:
            event.stop()
            self.notify(
                f"{entry.title}: {reason}.",
                title=f"#{self.ticket_id}",
                severity="warning",
                markup=False,
            )

    def action_help(self) -> None:
        from agentdesk.screens.help import HelpScreen
        from agentdesk.screens.ticket_keys import TicketKey, ticket_help_rows

        allowed = work_on.actions_now(self.desk, self.workspace.snapshot, self.workspace.escalation)

        def why_not(entry: TicketKey) -> str | None:
            name, parameters = entry.parsed
            if name == "compose":
                name = str(parameters[0])
            return allowed.get(Action(name)) if name in Action.__members__.values() else None

        title = f"Keys on ticket #{self.ticket_id} (dimmed: not open now, and why)"
        self.app.push_screen(HelpScreen(title, ticket_help_rows(why_not)))
