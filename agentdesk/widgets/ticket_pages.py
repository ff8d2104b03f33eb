"""How the ticket table is fed: pages of PAGE_SIZE rows, each read by a PageLoader. The
screens that give the table a queue read their first page at this size."""

from __future__ import annotations

from collections.abc import Callable

from agentdesk.store.rows import QueueRow

PAGE_SIZE = 200

PageLoader = Callable[[int, int], list[QueueRow]]
"""(offset, limit) -> rows. Blocking IO: the table calls it in a thread worker."""
