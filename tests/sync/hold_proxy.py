"""A TcpProxy with two more rules, for the tests of the lookup after an ambiguous failure:
  "reset" close on the client with a reset and never forward (the request is lost on the way);
  "hold"  close on the client with a reset at once, keep the request, and forward it to RT only
          once `release` is set (RT is still working on it when the client looks for it);
and "pass" and "drop" as TcpProxy has them. `after(line, action)` is called when a connection
is done (its answer sent, or the client reset), so a test orders events on the wire by events,
not by sleeping.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable

from tests.sync.tcp_proxy import TcpProxy


def _reset(client: socket.socket) -> None:
    # Linger 0: close with a reset, as a dying middlebox would.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class HoldingProxy(TcpProxy):
    def __init__(
        self,
        target_port: int,
        decide: Callable[[str], str],
        after: Callable[[str, str], None] | None = None,
    ) -> None:
        self.after = after
        self.release = threading.Event()
        self.held_answered = threading.Event()  # RT has answered a held request
        super().__init__(target_port, decide)

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(
            ("127.0.0.1", self.target_port), timeout=self.upstream_timeout
        ) as upstream:
            upstream.sendall(request)
            answer = b""
            while chunk := upstream.recv(65536):
                answer += chunk
        return answer

    def _handle(self, client: socket.socket) -> None:
        request = self._read_request(client)
        line = request.split(b"\r\n", 1)[0].decode("latin-1")
        action = self.decide(line)
        self.seen.append((line, action))
        if action in ("reset", "hold"):
            _reset(client)
            client.close()
            if self.after is not None:
                self.after(line, action)
            if action == "hold" and self.release.wait(120):
                self._forward(request)
                self.held_answered.set()
            return
        with client:
            answer = self._forward(request)
            if action == "drop":
                _reset(client)
            else:
                client.sendall(answer)
        if self.after is not None:
            self.after(line, action)
