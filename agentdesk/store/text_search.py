"""Full-text search over messages and subjects: the ticket_search FTS5 index (V_H14C).

The index is kept in step by triggers on messages and tickets, so this module only reads.
Its rowids are search_documents' doc_id: message id * 2, or ticket id * 2 + 1 for a subject.
Only rowids are read, never the indexed text (an external-content read of a column would
scan the view).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# Documents ranked before they are folded into tickets: a ticket has ~5 messages.
DOCUMENTS_PER_TICKET = 4

# Newest first: FTS5 walks its doclists backwards and stops at the limit, where ORDER BY rank
# (bm25) would score every match first (a common word matches tens of thousands of messages).
_MATCHING = text(
    "SELECT rowid FROM ticket_search WHERE ticket_search MATCH :match "
    "ORDER BY rowid DESC LIMIT :docs"
)
_MESSAGE_TICKETS = "SELECT id, ticket_id FROM messages WHERE id IN ({ids})"


def matching_tickets(connection: Connection, match: str, limit: int) -> list[int]:
    """Ticket ids whose subject or conversation matches, the newest message first (a
    subject counts as older than the conversation: the fuzzy search is the subject's)."""
    docs = [
        int(row[0])
        for row in connection.execute(
            _MATCHING, {"match": match, "docs": limit * DOCUMENTS_PER_TICKET}
        )
    ]
    message_ids = [doc // 2 for doc in docs if doc % 2 == 0]
    owner: dict[int, int] = {}
    if message_ids:
        sql = _MESSAGE_TICKETS.format(ids=", ".join(str(i) for i in message_ids))
        owner = {int(m): int(t) for m, t in connection.execute(text(sql))}
    found: dict[int, None] = {}
    for doc in docs:
        ticket_id = doc // 2 if doc % 2 else owner.get(doc // 2)
        if ticket_id is not None:
            found.setdefault(ticket_id)
            if len(found) >= limit:
                break
    return list(found)
