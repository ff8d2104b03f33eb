"""Monitoring mode's export audit (issue 15, issue 16's "data export is an audited event").

The supervisor's desk is read-only, so an export's security_audit event cannot go through
it: it goes through the one narrow security writer (desk/security_desk.py) into the
supervisor profile's own store, the same place as the supervisor's sign-in and views. A
store watched with --db is another agentdesk's and is never written.
"""

from __future__ import annotations

from agentdesk.desk.base import Desk


def record_report_export(desk: Desk, what: str, detail: str) -> None:
    """Audit an export of the report (event "export") on any desk, before the export."""
    if not desk.read_only:
        from agentdesk.desk.kpis import record_export

        record_export(desk, what, detail)
        return
    from agentdesk.desk.audit_trail import Event, record_event

    record_event(desk, Event.EXPORT, resource=what, detail=detail)
