"""Full-text search over messages and subjects: the ticket_search FTS5 index (V_H14C).

The index is kept in step by triggers on messages and tickets, so this module only reads.
Its rowids are search_documents' doc_id: ticket id * 2^32 + message id * 2 (+ 1 for the
subject), so the ticket of a match is its rowid's high half, with no lookup. Only rowids are
read, never the indexed text (an external-content read of a column would scan the view).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

TICKET_SHIFT = 32

# Newest ticket first: FTS5 walks its doclists in rowid order and the loop below stops at the
# limit, where ORDER BY rank (bm25) would score every match first (a common word matches
# tens of thousands of messages).
_MATCHING = text(
    "SELECT rowid FROM ticket_search WHERE ticket_search MATCH :match ORDER BY rowid DESC"
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
