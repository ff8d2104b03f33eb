"""Full-text search (issue 14) over 50,000 tickets and their ~260,000 messages, beside the
fuzzy search, and what the FTS5 index costs a 50,000-ticket import.

(a) A keystroke of the full-text search (a leading `"` in the queue's search box): the FTS5
    query, the matching tickets folded from their messages, and their rows through the
    queue's filter, as desk.text_search.search_text does. Typed as an agent types: order
    numbers pasted whole, and words letter by letter (the last word matched as a prefix).
    Beside it, in the same run, the fuzzy search's keystroke (rank + rows) on the same
    store. Target p95 < 50 ms.
(b) The index's cost on a first import of 50,000 tickets (agentdesk demo-data writes them
    row by row through the index's triggers, as a first sync writes each pulled page): time
    and file size with the index, and without it (the triggers dropped before the import),
    and the time to build it afterwards in one go (the migration's back-fill, 'rebuild').

Prints medians and p95; asserts nothing. `python bench/bench_search.py 5000` for a quick look.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from _common import NOW, big_store, median_ms, p95_ms
from agentdesk.core.search import SearchIndex
from agentdesk.core.text_search import match_expression
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from agentdesk.store.queries import rows_by_id, search_corpus
from agentdesk.store.rows import QueueFilter
from agentdesk.store.text_search import matching_tickets

LIMIT = 200  # the queue's TEXT_RESULTS; the fuzzy search beside it shows 500
FUZZY_LIMIT = 500
WORDS = ["refund not received", "courier lost parcel", "charged twice", "password reset link"]
FTS_TRIGGERS = (
    "ticket_search_message_added",
    "ticket_search_message_removed",
    "ticket_search_message_changed",
    "ticket_search_ticket_added",
    "ticket_search_ticket_removed",
    "ticket_search_subject_changed",
)


def _typed(words: str) -> list[str]:
    return [words[:end] for end in range(1, len(words) + 1) if not words[:end].endswith(" ")]


def keystrokes(path: Path) -> None:
    store = open_store(path, load_sla_policy())
    with sqlite3.connect(path) as raw:
        tickets, messages = raw.execute(
            "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages)"
        ).fetchone()
        orders = [
            row[0]
            for row in raw.execute(
                "SELECT substr(body, instr(body, 'ORD-'), 11) FROM messages "
                "WHERE body LIKE '%ORD-_______%' AND id % 97 = 0 LIMIT 20"
            )
        ]
    queries = [*orders, *(q for words in WORDS for q in _typed(words))]
    queue = QueueFilter()
    fts: list[float] = []
    for _ in range(3):
        for typed in queries:
            started = time.perf_counter()
            match = match_expression(typed)
            if match is not None:
                with store.read() as connection:
                    rows_by_id(connection, queue, matching_tickets(connection, match, LIMIT))
            fts.append(time.perf_counter() - started)
    order_hits: list[int] = []
    with store.read() as connection:
        for number in orders:
            order_hits.append(len(matching_tickets(connection, f'"{number}"', LIMIT)))
    started = time.perf_counter()
    with store.read() as connection:
        ids, texts = search_corpus(connection)
    index = SearchIndex(ids, texts)
    load = time.perf_counter() - started
    fuzzy: list[float] = []
    for _ in range(3):
        for typed in queries:
            started = time.perf_counter()
            ranked = index.search(typed, FUZZY_LIMIT)
            with store.read() as connection:
                rows_by_id(connection, queue, ranked)
            fuzzy.append(time.perf_counter() - started)
    fuzzy_orders = [len(index.search(number, FUZZY_LIMIT)) for number in orders]
    store.close()
    print(
        f"search over {tickets:,} tickets and {messages:,} messages, {len(queries)} keystrokes x3"
    )
    print(
        f"  (a) full-text keystroke (FTS5 + rows): median {median_ms(fts)}, p95 {p95_ms(fts)}"
        "  (target < 50 ms)"
    )
    print(
        f"      fuzzy keystroke, same run (rank + rows): median {median_ms(fuzzy)}, "
        f"p95 {p95_ms(fuzzy)}  (index built in {load * 1000:.0f} ms)"
    )
    print(
        f"      an order number from a message: full-text finds {min(order_hits)}-"
        f"{max(order_hits)} tickets; fuzzy lists {min(fuzzy_orders)}-{max(fuzzy_orders)}"
    )


def _import(folder: Path, name: str, tickets: int, *, index: bool) -> tuple[float, int]:
    from agentdesk.demo import generate_demo

    path = folder / name
    store = open_store(path, load_sla_policy())
    if not index:
        with store.write() as connection:
            for trigger in FTS_TRIGGERS:
                connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
    started = time.perf_counter()
    try:
        generate_demo(store, tickets=tickets, seed=1, now=NOW)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    with sqlite3.connect(path) as raw:
        raw.execute("VACUUM")
    return seconds, path.stat().st_size


def index_cost(tickets: int) -> None:
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-") as name:
        folder = Path(name)
        with_seconds, with_size = _import(folder, "with.db", tickets, index=True)
        without_seconds, without_size = _import(folder, "without.db", tickets, index=False)
        with sqlite3.connect(folder / "without.db") as raw:
            started = time.perf_counter()
            raw.execute("INSERT INTO ticket_search (ticket_search) VALUES ('rebuild')")
            raw.commit()
            rebuild = time.perf_counter() - started
    print(f"FTS5 index cost on a first import of {tickets:,} tickets (demo-data, one run each)")
    print(
        f"  (b) with the index: {with_seconds:.1f} s, {with_size / 2**20:.1f} MiB; "
        f"without: {without_seconds:.1f} s, {without_size / 2**20:.1f} MiB "
        f"(+{(with_seconds / without_seconds - 1) * 100:.0f}% time, "
        f"+{(with_size / without_size - 1) * 100:.0f}% size)"
    )
    print(f"      building it afterwards in one go (the migration's back-fill): {rebuild:.1f} s")


def main() -> None:
    # python bench/bench_search.py [tickets] [keystrokes|index]: one part only.
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    part = sys.argv[2] if len(sys.argv) > 2 else ""
    if part != "index":
        keystrokes(big_store(tickets))
    if part != "keystrokes":
        index_cost(tickets)


if __name__ == "__main__":
    main()
