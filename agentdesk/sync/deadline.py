"""A total deadline for each HTTP request, on top of httpx's per-phase timeouts.

httpx's read timeout bounds each wait for bytes, not the answer as a whole: a server (or a
middlebox) that sends one byte every 5 s never trips a 20 s read timeout, and one request
can hold a sync run for as long as it likes. This network backend sits under httpcore's
connection pool and clamps every connect, read and write to what is left of the request's
deadline, so the request fails with an ordinary timeout when the deadline passes.

httpcore is imported when a transport is made, never at import time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any


class Deadline:
    """The current request's deadline, per thread (a client may be used from a worker)."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        self._local.until = time.monotonic() + seconds
        try:
            yield
        finally:
            self._local.until = None

    def passed(self) -> bool:
        until: float | None = getattr(self._local, "until", None)
        return until is not None and time.monotonic() >= until

    def clamp(self, timeout: float | None, error: type[Exception]) -> float | None:
        """The phase's timeout, cut to what is left of the deadline; raises error if none is."""
        until: float | None = getattr(self._local, "until", None)
        if until is None:
            return timeout
        left = until - time.monotonic()
        if left <= 0:
            raise error("the request's total deadline passed")
        return left if timeout is None else min(timeout, left)


class _Stream:
    def __init__(self, inner: Any, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        timeout = self._deadline.clamp(timeout, httpcore.ReadTimeout)
        data: bytes = self._inner.read(max_bytes, timeout)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore

        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _Stream:
        import httpcore

        inner = self._inner.start_tls(
            ssl_context, server_hostname, self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        )
        return _Stream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend:
    def __init__(self, deadline: Deadline) -> None:
        import httpcore

        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _Stream:
        import httpcore

        stream = self._inner.connect_tcp(
            host,
            port,
            self._deadline.clamp(timeout, httpcore.ConnectTimeout),
            local_address,
            socket_options,
        )
        return _Stream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> _Stream:
        import httpcore

        stream = self._inner.connect_unix_socket(
            path, self._deadline.clamp(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _Stream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(deadline: Deadline, proxy: str | None = None) -> Any:
    """An httpx transport whose every socket operation respects the deadline; through
    `proxy` (an http, https or socks5 URL, as httpx takes it) when one is given."""
    import httpx

    # httpx builds the pool it would build (a connection pool, or an HTTP or SOCKS proxy
    # pool with the proxy's auth and headers); only its sockets come from our backend.
    transport = httpx.HTTPTransport(proxy=proxy)
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):  # an httpcore that no longer works this way
        raise RuntimeError("httpcore's pool has no network backend to put a deadline on")
    pool._network_backend = _Backend(deadline)  # type: ignore[assignment]
    return transport
