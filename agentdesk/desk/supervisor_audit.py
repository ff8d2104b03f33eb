"""Monitoring mode's own audit writes (issue 15, issue 16's "data export is an audited
event"): the supervisor's desk is read-only and its store is opened mode=ro, so an export's
security_audit event cannot go through it. It goes where the supervisor's agentdesk already
writes: the profile's own store (the pull cache TeamPull writes; desk/supervisor.py), through
a store of its own opened for this one event. A store watched with --db is another
agentdesk's and is never written: the event then goes to the append-only log, and the front
end is told so (the return value), so it is never lost silently.
"""

from __future__ import annotations

import logging

from agentdesk.desk.base import Desk

log = logging.getLogger("agentdesk.audit")

IN_THE_LOG = (
    "the export is audited in agentdesk's log only (the database here is another "
    "agentdesk's, which monitoring mode never writes)"
)


def record_report_export(desk: Desk, what: str, detail: str) -> str:
    """Audit an export of the report (event "export") on any desk; returns "" when it is in
    the database, else the words that say where it went instead."""
    from agentdesk.desk.kpis import record_export

    if not desk.read_only:
        record_export(desk, what, detail)
        return ""
    from agentdesk.security.masking import log_safe
    from agentdesk.security.origin import event_origin
    from agentdesk.store.audit import SecurityEvent, write_security_event

    entry = SecurityEvent(
        actor=desk.actor.handle,
        event="export",
        success=True,
        origin=event_origin(),
        resource=what,
        at=desk.now(),
        detail=detail,
    )
    line = f"audit export ok by {entry.actor} {what}"
    if desk.settings.watching_other_store:
        log.warning("%s (NOT in the database: %s) %s", line, IN_THE_LOG, log_safe(detail))
        return IN_THE_LOG
    from agentdesk.security.db_key import database_key
    from agentdesk.shipped import load_sla_policy
    from agentdesk.store.engine import open_store

    own = open_store(
        desk.settings.db_path,
        load_sla_policy(),
        quick_check=False,
        key=database_key(desk.settings),
    )
    try:
        with desk.reading(), own.write() as connection:
            write_security_event(connection, entry)
    finally:
        own.close()
    log.info("%s %s (the supervisor profile's own store)", line, log_safe(detail))
    return ""
