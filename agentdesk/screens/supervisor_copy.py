"""Copying in monitoring and QA mode is an export (issue 15, issue 16's "data export is an
audited event").

Textual copies a mouse selection (ctrl+c on any screen), an Input's or a TextArea's text,
all through App.copy_to_clipboard; app_security.py hands every copy here first. A supervisor or a
QA reviewer reads other agents' customers: what they copy leaves agentdesk, so it is audited
as an `export` event (which screen or ticket, how many characters; never the text) before
it reaches the clipboard, in a thread worker (the audit is a write). When the event cannot
be recorded, nothing is copied and the notice says why: an export nobody can account for
does not happen. An agent's own desk copies as Textual does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentdesk.core.errors import agent_message

if TYPE_CHECKING:
    from textual.app import App

    from agentdesk.desk.base import Desk

TITLE = "Copy"


def copy_is_export(app: App[Any]) -> bool:
    """Monitoring mode, or the QA role."""
    settings = getattr(app, "settings", None)
    return settings is not None and (
        bool(settings.supervisor) or settings.extra.get("role") == "qa"
    )


def copied_from(app: App[Any]) -> str:
    """What the audit names: the ticket on screen, else the screen."""
    screen = app.screen
    ticket_id = getattr(screen, "ticket_id", None)
    if isinstance(ticket_id, int):
        return f"clipboard: ticket {ticket_id}"
    return f"clipboard: {type(screen).__name__}"


def audited_copy(app: App[Any], text: str, copy: Callable[[str], None]) -> bool:
    """Take charge of a copy in monitoring/QA mode (True); False: copy as usual."""
    if not copy_is_export(app):
        return False
    desk: Desk | None = getattr(app, "desk", None)
    if desk is None:
        app.notify("Not copied: the store is not open yet.", title=TITLE, severity="warning")
        return True
    resource = copied_from(app)

    def audit() -> None:
        from agentdesk.desk.audit_trail import Event, record_event

        try:
            record_event(
                desk, Event.EXPORT, resource=resource, detail=f"{len(text)} characters copied"
            )
        except Exception as error:
            app.call_from_thread(
                app.notify,
                f"Not copied: copying is an export here and it could not be audited: "
                f"{agent_message(error)}",
                title=TITLE,
                severity="error",
                markup=False,
            )
            return
        app.call_from_thread(copy, text)
        app.call_from_thread(
            app.notify,
            f"Copied {len(text)} characters; audited as an export.",
            title=TITLE,
            markup=False,
        )

    app.run_worker(audit, thread=True, group="audited-copy", exit_on_error=False)
    return True
