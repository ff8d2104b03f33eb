"""The fuzzy search's corpus read row by row: "#id subject customer", newest ticket first."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, text

# The order the index keeps (core/search.SearchIndex.newest_first), so it need not sort.
_CORPUS = text(
    "SELECT t.id, '#' || t.id || ' ' || t.subject || ' ' || c.name "
    "FROM tickets t JOIN customers c ON c.id = t.customer_id ORDER BY t.id DESC"
)


def corpus_newest_first(connection: Connection) -> Iterator[tuple[int, str]]:
    """Every ticket as (id, "#id subject customer"), the newest first, one row at a time."""
    for ticket_id, corpus_text in connection.execute(_CORPUS):
        yield int(ticket_id), str(corpus_text)
    # The scan filled this connection's page cache (~1.9 MiB at 50,000 tickets) with pages
    # of every ticket that no queue read wants: give them back (issue 17: memory).
    connection.exec_driver_sql("PRAGMA shrink_memory")
