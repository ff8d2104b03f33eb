"""The security audit trail (issue 16; PCI DSS 10.2.2): one desk function records an event,
one reads them back for `agentdesk audit`.

Written even on a read-only desk: what a supervisor views is audited too, and an audit row
is not a change to the helpdesk's data. It goes through the one audit writer (store/audit.py)
into the desk's security store (desk/security_desk.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from agentdesk.desk.base import Desk

log = logging.getLogger("agentdesk.audit")


class Event(StrEnum):
    SIGN_IN = "sign_in"
    ENROL = "enrol"
    LOCK = "lock"
    UNLOCK = "unlock"
    CUSTOMER_VIEW = "customer_view"
    VERIFICATION = "verification"
    CREDENTIAL_CHANGE = "credential_change"
    EXPORT = "export"
    PURGE = "purge"
    SUPERVISOR_VIEW = "supervisor_view"


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    event: str
    success: bool
    origin: str
    resource: str
    detail: str


def record_event(
    desk: Desk,
    event: Event,
    *,
    success: bool = True,
    resource: str = "",
    detail: str = "",
    required: bool = True,
) -> None:
    """required=False (a record view, an export): a busy or read-only database does not stop
    the work; the event then goes to the log alone, marked as not in the database."""
    from agentdesk.core.errors import Busy, DeskError
    from agentdesk.security.masking import log_safe
    from agentdesk.security.origin import event_origin
    from agentdesk.store.audit import SecurityEvent, write_security_event

    entry = SecurityEvent(
        actor=desk.actor.handle,
        event=event.value,
        success=success,
        origin=event_origin(),
        resource=resource,
        at=desk.now(),
        detail=detail,
    )
    line = f"audit {entry.event} {'ok' if success else 'failed'} by {entry.actor} {resource}"
    from agentdesk.desk.security_desk import security_store

    try:
        # A read-only desk (monitoring mode) writes it into the profile's own store through
        # the narrow security writer (desk/security_desk.py), never the watched one.
        with desk.reading(), security_store(desk).write() as connection:
            write_security_event(connection, entry)
    except (Busy, DeskError) as error:
        # Busy, or the profile's own store cannot be written: a view is still kept, in the log.
        if required:
            raise
        why = "it was busy" if isinstance(error, Busy) else "it cannot be written"
        log.warning("%s (NOT in the database: %s) %s", line, why, log_safe(detail))
        return
    log.info("%s %s", line, log_safe(detail))


def audit_lines(desk: Desk, since: datetime) -> list[AuditLine]:
    from agentdesk.store.audit import security_events

    with desk.reading(), desk.store.read() as connection:
        events = security_events(connection, since)
    return [
        AuditLine(e.at, e.actor, e.event, e.success, e.origin, e.resource, e.detail) for e in events
    ]
