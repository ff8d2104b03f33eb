"""A colleague's change between two pages of one search (the keyset tests): a loopback proxy
in front of the test RT counts the searches that ask for these fields, and answers each as
`decide` says by its number (1: the first page's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.sync.rt_server import RtServer
from tests.sync.tcp_proxy import TcpProxy

# The fields each search asks for, as they stand in its request line.
SHIFT_SEARCH = "fields=Subject%2CStatus%2CLastUpdated"  # the shift pull (sync/rt/shifts.py)
LINK_SEARCH = "fields=_hyperlinks"  # the links of a page (sync/rt/links.py)


@contextmanager
def counted_searches(
    server: RtServer, fields: str, decide: Callable[[int], str]
) -> Iterator[tuple[str, list[str]]]:
    """The proxy's URL and the request lines of the searches seen so far; every other request
    passes. `decide` gives the proxy's word (tests/sync/tcp_proxy.py) for the nth search."""
    searches: list[str] = []

    def on_request(line: str) -> str:
        if "/tickets?" in line and fields in line:
            searches.append(line)
            return decide(len(searches))
        return "pass"

    proxy = TcpProxy(server.port, on_request)
    try:
        yield proxy.url, searches
    finally:
        proxy.close()


def change_at(number: int, change: Callable[[], None]) -> Callable[[int], str]:
    """Every search passes; the change is made as search `number` comes in, before it is
    forwarded (so after the one before it was answered)."""

    def decide(nth: int) -> str:
        if nth == number:
            change()
        return "pass"

    return decide
