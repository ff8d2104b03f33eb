"""Full-text search from the queue: the words of conversations and notes (core/text_search)."""

from __future__ import annotations

from agentdesk.core.text_search import match_expression
from agentdesk.desk.base import Desk
from agentdesk.store.rows import QueueFilter, QueueRow


def search_text(desk: Desk, queue: QueueFilter, words: str, limit: int) -> list[QueueRow]:
    """The tickets whose subject, messages or notes hold these words (each word a phrase),
    best match first, that pass the queue's filter. Nothing searchable typed yet: none."""
    from agentdesk.desk.foreground import FOREGROUND
    from agentdesk.store.queries import rows_by_id
    from agentdesk.store.text_search import matching_tickets

    match = match_expression(words)
    if match is None:
        return []
    with FOREGROUND.reading(), desk.reading(), desk.store.read() as connection:
        return rows_by_id(connection, queue, matching_tickets(connection, match, limit))
