"""The 48-hour auto-close: resolved tickets whose quality window is over close through the
quality check; those that fail it stay resolved and are flagged for a person to look at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text

from agentdesk.core.changes import TicketChange
from agentdesk.core.lifecycle import QUALITY_WINDOW
from agentdesk.core.note_template import Taxonomy
from agentdesk.core.quality import QualityFacts, auto_close_due, quality_problems
from agentdesk.core.ticket import MessageKind, Status
from agentdesk.store.audit import AuditRecord, write_audit
from agentdesk.store.engine import Store
from agentdesk.store.notes import load_note
from agentdesk.store.types import from_db, to_db
from agentdesk.store.writes import apply_change

SYSTEM = "system"


@dataclass
class AutoCloseResult:
    closed: list[int] = field(default_factory=list)
    flagged: dict[int, str] = field(default_factory=dict)


def run_auto_close(
    store: Store, now: datetime, taxonomy: Taxonomy | None = None
) -> AutoCloseResult:
    """Close every resolved ticket past its quality window that passes the quality check."""
    if taxonomy is None:
        from agentdesk.shipped import load_taxonomy

        taxonomy = load_taxonomy()
    result = AutoCloseResult()
    with store.read() as connection:
        rows = connection.execute(
            text(
                "SELECT id, resolved_at, quality_flag FROM tickets "
                "WHERE status = 'resolved' AND resolved_at <= :cutoff ORDER BY id"
            ),
            {"cutoff": to_db(now - QUALITY_WINDOW)},
        ).all()
        candidates = []
        for row in rows:
            found = load_note(connection, row.id)
            last_reply = connection.execute(
                text("SELECT max(created_at) FROM messages WHERE ticket_id = :t AND kind = :k"),
                {"t": row.id, "k": MessageKind.REPLY.value},
            ).scalar_one()
            facts = QualityFacts(
                ticket_id=row.id,
                status=Status.RESOLVED,
                resolved_at=from_db(row.resolved_at),
                note=None if found is None else found[0],
                note_at=None if found is None else found[1],
                last_reply_at=None if last_reply is None else from_db(last_reply),
            )
            candidates.append((facts, row.quality_flag))
    for facts, old_flag in candidates:
        if not auto_close_due(facts, now):
            continue
        problems = quality_problems(facts, taxonomy)
        if problems:
            flag = "; ".join(problems)
            result.flagged[facts.ticket_id] = flag
            if flag != old_flag:
                _flag(store, facts.ticket_id, old_flag, flag, now)
            continue
        apply_change(
            store,
            facts.ticket_id,
            TicketChange("auto_close", status=Status.CLOSED),
            actor=SYSTEM,
            now=now,
            taxonomy=taxonomy,
        )
        if old_flag is not None:
            _flag(store, facts.ticket_id, old_flag, None, now)
        result.closed.append(facts.ticket_id)
    return result


def _flag(store: Store, ticket_id: int, old: str | None, new: str | None, now: datetime) -> None:
    with store.write() as connection:
        connection.execute(
            text("UPDATE tickets SET quality_flag = :f WHERE id = :t"), {"f": new, "t": ticket_id}
        )
        write_audit(
            connection,
            [AuditRecord(ticket_id, SYSTEM, "quality_check", "quality_flag", old, new, now)],
        )
