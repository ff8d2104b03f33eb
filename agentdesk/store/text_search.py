"""Full-text search over messages and subjects: the ticket_search FTS5 index (V_H14C).

The index is kept in step by triggers on messages and tickets, so this module only reads.
Its rowids are search_documents' doc_id: ticket id * 2^32 + message id * 2 (+ 1 for the
subject), so the ticket of a match is its rowid's high half, with no lookup. Only rowids are
read, never the indexed text (an external-content read of a column would scan the view).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

TICKET_SHIFT = 32

# Newest ticket first: FTS5 walks its doclists in rowid order and the loop below stops at the
# limit, where ORDER BY rank (bm25) would score every match first (a common word matches
# tens of thousands of messages).
_MATCHING = text(
    "SELECT rowid FROM ticket_search WHERE ticket_search MATCH :match ORDER BY rowid DESC"
)

_TRIGGERS = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
    "AND tbl_name IN ('messages', 'tickets') AND sql LIKE '%ticket_search%'"
)


def matching_tickets(connection: Connection, match: str, limit: int) -> list[int]:
    """Ticket ids whose subject or conversation matches, newest ticket first."""
    found: list[int] = []
    for (doc,) in connection.execute(_MATCHING, {"match": match}):
        ticket_id = int(doc) >> TICKET_SHIFT
        if not found or found[-1] != ticket_id:  # a ticket's documents are adjacent
            found.append(ticket_id)
            if len(found) >= limit:
                break
    return found


@contextmanager
def search_index_after(connection: Connection) -> Iterator[None]:
    """A bulk import into an empty store (the demo generator): the index is built once at the
    end, FTS5's 'rebuild', instead of row by row through its triggers (which a pull, a few
    hundred rows a page, keeps). In the import's transaction: on an error the triggers are
    back with the rollback."""
    triggers = connection.execute(_TRIGGERS).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)
    connection.exec_driver_sql("INSERT INTO ticket_search (ticket_search) VALUES ('rebuild')")
