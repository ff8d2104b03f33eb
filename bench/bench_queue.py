"""Per-keystroke cost over a 50,000-ticket store: a filter change and a search keystroke.

A filter change costs what the queue does then: count the matches and load the first page,
in SQL. A search keystroke ranks the in-memory corpus with rapidfuzz and loads the matches
that pass the filter. Target: under 50 ms each. Prints medians and p95; asserts nothing.
"""

from __future__ import annotations

import time

from _common import NOW, big_store, median_ms, p95_ms
from agentdesk.core.ticket import Channel, Priority, Region, Status
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.queries import count_queue, page_queue, rows_by_id, search_corpus
from agentdesk.store.rows import QueueFilter, View

PAGE = 200
FILTERS = [
    QueueFilter(),
    QueueFilter(view=View.UNASSIGNED),
    QueueFilter(priorities=frozenset({Priority.P1})),
    QueueFilter(channels=frozenset({Channel.CHAT, Channel.PHONE})),
    QueueFilter(regions=frozenset({Region.EMEA}), statuses=frozenset({Status.PENDING})),
    QueueFilter(statuses=frozenset()),  # every ticket, 50,000 rows to order
    QueueFilter(view=View.MINE, agent_id=3),
]
TYPED = "refund not received"


def main() -> None:
    store = open_store(big_store(), load_sla_policy())
    filter_times: list[float] = []
    for _ in range(5):
        for queue in FILTERS:
            started = time.perf_counter()
            with store.read() as connection:
                count_queue(connection, queue)
                page_queue(connection, queue, NOW, 0, PAGE)
            filter_times.append(time.perf_counter() - started)
    deep: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        with store.read() as connection:
            page_queue(connection, QueueFilter(statuses=frozenset()), NOW, 49_000, PAGE)
        deep.append(time.perf_counter() - started)
    print("queue over 50,000 tickets")
    print(
        f"  (c) filter change (count + first page of {PAGE}): median "
        f"{median_ms(filter_times)}, p95 {p95_ms(filter_times)}  (target < 50 ms)"
    )
    print(f"      page at offset 49,000 of all tickets: median {median_ms(deep)}")

    try:
        from agentdesk.core.search import SearchIndex
    except ImportError:
        print("  (c) search: agentdesk.core.search not available")
        return
    started = time.perf_counter()
    with store.read() as connection:
        ids, texts = search_corpus(connection)
    index = SearchIndex(ids, texts)
    load = time.perf_counter() - started
    search_times: list[float] = []
    for _ in range(3):
        for end in range(1, len(TYPED) + 1):
            started = time.perf_counter()
            ranked = index.search(TYPED[:end])
            with store.read() as connection:
                rows_by_id(connection, QueueFilter(), ranked)
            search_times.append(time.perf_counter() - started)
    print(f"      search index load ({len(ids)} tickets): {load * 1000:.0f} ms")
    print(
        f"  (c) search keystroke (rank + rows): median {median_ms(search_times)}, "
        f"p95 {p95_ms(search_times)}  (target < 50 ms)"
    )
    store.close()


if __name__ == "__main__":
    main()
