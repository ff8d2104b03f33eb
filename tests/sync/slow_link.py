"""A slow link on loopback: a TCP proxy that carries bytes both ways at a fixed rate (one
budget shared by every connection, as one line is), with a fixed latency per request and a
latency spike on every Nth request. Deterministic (a schedule, no randomness), so a bench
compares two ways of syncing over the same link.

Unlike tcp_proxy.py it does not parse HTTP: it pumps bytes, so keep-alive connections (nginx
keeps them) work. A "request" here is a chunk the client sends after the link was quiet.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time

from tests.sync.proxy_base import LoopbackProxy


class _Budget:
    """One direction of the link: bytes leave no faster than `rate` per second."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._free_at = 0.0
        self._lock = threading.Lock()

    def take(self, size: int) -> None:
        with self._lock:
            start = max(time.monotonic(), self._free_at)
            self._free_at = start + size / self.rate
            until = self._free_at
        delay = until - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class SlowLink(LoopbackProxy):
    def __init__(
        self,
        target_port: int,
        *,
        bits_per_second: float = 256_000,
        latency: float = 0.05,
        spike: float = 1.0,
        spike_every: int = 10,
    ) -> None:
        self.target_port = target_port
        self.latency = latency
        self.spike = spike
        self.spike_every = spike_every
        self.bytes_up = 0
        self.bytes_down = 0
        self.requests = 0
        self._down = _Budget(bits_per_second / 8)
        self._up = _Budget(bits_per_second / 8)
        self._lock = threading.Lock()
        super().__init__()

    def _handle(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=600)
        except OSError:
            client.close()
            return
        threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()
        self._pump(client, upstream, True)

    def _delay_request(self) -> None:
        with self._lock:
            self.requests += 1
            spiking = self.spike_every and self.requests % self.spike_every == 0
        time.sleep(self.latency + (self.spike if spiking else 0.0))

    def _pump(self, source: socket.socket, sink: socket.socket, up: bool) -> None:
        budget = self._up if up else self._down
        quiet = True
        try:
            while True:
                if up and not select.select([source], [], [], 0.2)[0]:
                    quiet = True  # the client sent nothing for a while: its next send is new
                    continue
                chunk = source.recv(4096)
                if not chunk:
                    break
                if up and quiet:
                    self._delay_request()
                quiet = False
                budget.take(len(chunk))
                sink.sendall(chunk)
                with self._lock:
                    if up:
                        self.bytes_up += len(chunk)
                    else:
                        self.bytes_down += len(chunk)
        except (OSError, ValueError):
            pass  # the other direction closed both ends (select on a closed socket: ValueError)
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
