"""What the sanitiser costs a ticket write: a reply through the one write path (store.writes),
timed with both of its places, with the engine's statement hook taken off, and the change's
own cleaning alone. The reply is clean text (the common case) or holds escape sequences.

Prints medians over WRITES replies each; the reference is the same run's write without the
hook. Asserts nothing (the behaviour is tests/store/test_sanitiser_layers.py).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event

from _common import NOW, median_ms
from agentdesk.core.changes import NewMessage, TicketChange
from agentdesk.core.text import clean_strings
from agentdesk.core.ticket import MessageKind, Priority
from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import Store, open_store
from agentdesk.store.engine_factory import _clean_parameters
from agentdesk.store.writes import apply_change
from tests.store.factory import add_people, add_ticket, verified

WRITES = 200
TEXTS = {
    "clean": "Thanks for waiting. " * 40,
    "dirty": "Thanks \x1b[31mfor\x1b[0m waiting.\x07 " * 40,
}


def _store(folder: Path, name: str) -> Store:
    store = open_store(folder / f"{name}.db", load_sla_policy())
    add_people(store, NOW)
    for ticket in range(1, WRITES + 1):
        add_ticket(store, ticket, created_at=NOW - timedelta(minutes=10), priority=Priority.P2)
        verified(store, ticket, NOW - timedelta(minutes=5))
    return store


def _reply(store: Store, ticket: int, body: str) -> float:
    change = TicketChange("reply", message=NewMessage(MessageKind.REPLY, body, "amara.okafor", 1))
    start = time.perf_counter()
    apply_change(store, ticket, change, actor="amara.okafor", now=NOW)
    return time.perf_counter() - start


def _replies(store: Store, body: str) -> list[float]:
    return [_reply(store, ticket, body) for ticket in range(1, WRITES + 1)]


def _side_by_side(one: Store, other: Store, body: str) -> tuple[list[float], list[float]]:
    """The same replies to both stores, alternately: drift (the disk, the other cores) falls
    on both alike."""
    ones, others = [], []
    for ticket in range(1, WRITES + 1):
        ones.append(_reply(one, ticket, body))
        others.append(_reply(other, ticket, body))
    return ones, others


def _hook_time(store: Store, body: str) -> float:
    """Seconds per write spent in the statement hook itself (it wrapped, timed)."""
    spent = [0.0]

    def timed(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return _clean_parameters(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            spent[0] += time.perf_counter() - start

    event.remove(store.engine, "before_cursor_execute", _clean_parameters)
    event.listen(store.engine, "before_cursor_execute", timed, retval=True)
    _replies(store, body)
    return spent[0] / WRITES


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(WRITES):
        call()
    return (time.perf_counter() - start) / WRITES


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for kind, body in TEXTS.items():
            both = _store(Path(folder), f"both-{kind}")
            hookless = _store(Path(folder), f"hookless-{kind}")
            event.remove(hookless.engine, "before_cursor_execute", _clean_parameters)
            samples, reference = _side_by_side(both, hookless, body)
            with_hook, without = median_ms(samples), median_ms(reference)
            change = TicketChange(
                "reply", message=NewMessage(MessageKind.REPLY, body, "amara.okafor", 1)
            )
            timed = _store(Path(folder), f"timed-{kind}")
            in_hook = _hook_time(timed, body) * 1e6
            timed.close()
            own = _timed(lambda change=change: clean_strings(change)) * 1e6  # type: ignore[misc]
            print(
                f"reply, {kind} text ({len(body)} chars): write {with_hook} with the hook, "
                f"{without} without it (reference); in the hook {in_hook:.1f} us a write, "
                f"the change's own cleaning {own:.1f} us"
            )
            both.close()
            hookless.close()


if __name__ == "__main__":
    main()
