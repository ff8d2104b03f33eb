"""Per-keystroke cost over a 50,000-ticket store: a filter change and a search keystroke.

A filter change costs what the queue does then: count the matches and load the first page,
in SQL. A search keystroke ranks the in-memory corpus with rapidfuzz and loads the matches
that pass the filter. Target: under 50 ms each. Prints medians and p95; asserts nothing.
"""

from __future__ import annotations

import time

from _common import BENCH_KEY, NOW, big_store, encrypted_big_store, median_ms, p95_ms
from agentdesk.core.ticket import Channel, Priority, Region, Status
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.queries import (
    QueuePager,
    count_queue,
    page_queue,
    rows_by_id,
    search_corpus,
)
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


def filter_changes(store: Store, cpu: list[float] | None = None) -> list[float]:
    """The queue's filter change, as the queue does it: the count, then the first page.
    cpu, when given, gets the CPU time of each (what the machine's load does not add)."""
    times: list[float] = []
    for _ in range(5):
        for queue in FILTERS:
            started = time.perf_counter()
            cpu_started = time.process_time()
            with store.read() as connection:
                total = count_queue(connection, queue)
                QueuePager(queue, total).page(connection, 0, PAGE)
            times.append(time.perf_counter() - started)
            if cpu is not None:
                cpu.append(time.process_time() - cpu_started)
    return times


def main() -> None:
    store = open_store(big_store(), load_sla_policy())
    # Issue 16: the same store SQLCipher-encrypted, measured in the same run.
    sealed = open_store(encrypted_big_store(), load_sla_policy(), key=BENCH_KEY)
    filter_changes(sealed)  # warm its page cache as the plain store's is below
    filter_times: list[float] = []
    offset_times: list[float] = []
    for _ in range(5):
        for queue in FILTERS:
            # As the queue does it now: the count, then the first page by the order key.
            started = time.perf_counter()
            with store.read() as connection:
                total = count_queue(connection, queue)
                QueuePager(queue, total).page(connection, 0, PAGE)
            filter_times.append(time.perf_counter() - started)
            # The reference in the same run: the count and the first page by OFFSET.
            started = time.perf_counter()
            with store.read() as connection:
                count_queue(connection, queue)
                page_queue(connection, queue, NOW, 0, PAGE)
            offset_times.append(time.perf_counter() - started)
    plain_cpu: list[float] = []
    plain_again = filter_changes(store, plain_cpu)
    sealed_times = filter_changes(sealed)
    sealed.close()
    everything = QueueFilter(statuses=frozenset())
    deep: list[float] = []
    deep_offset: list[float] = []
    back: list[float] = []
    middle: list[float] = []
    with store.read() as connection:
        total = count_queue(connection, everything)
    for _ in range(5):
        with store.read() as connection:
            pager = QueuePager(everything, total)  # a fresh showing: no page edges known
            started = time.perf_counter()
            pager.page(connection, 49_000, PAGE)
            deep.append(time.perf_counter() - started)
            started = time.perf_counter()
            pager.page(connection, 49_000 - PAGE, PAGE)  # scrolling up: before a known key
            back.append(time.perf_counter() - started)
            started = time.perf_counter()
            QueuePager(everything, total).page(connection, 25_000, PAGE)
            middle.append(time.perf_counter() - started)
            started = time.perf_counter()
            page_queue(connection, everything, NOW, 49_000, PAGE)
            deep_offset.append(time.perf_counter() - started)
    print("queue over 50,000 tickets")
    print(
        f"  (c) filter change (count + first page of {PAGE}): median "
        f"{median_ms(filter_times)}, p95 {p95_ms(filter_times)}  (target p95 <= 50 ms)"
    )
    print(
        f"      the same by OFFSET (reference): median {median_ms(offset_times)}, "
        f"p95 {p95_ms(offset_times)}"
    )
    print(
        f"      CPU time of the same keyset filter changes (what load on a shared machine"
        f" does not add): median {median_ms(plain_cpu)}, p95 {p95_ms(plain_cpu)}"
    )
    print(
        f"      encrypted (SQLCipher), same run: median {median_ms(sealed_times)}, p95 "
        f"{p95_ms(sealed_times)}; plain, measured just before: median {median_ms(plain_again)}, "
        f"p95 {p95_ms(plain_again)}"
    )
    print(
        f"      page at offset 49,000 of all tickets: median {median_ms(deep)}"
        f"  (target <= 20 ms; by OFFSET, reference: {median_ms(deep_offset)})"
    )
    print(
        f"      then the page before it: {median_ms(back)}; a fresh page at 25,000 (the"
        f" farthest from both ends): {median_ms(middle)}"
    )

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
