"""A loopback TCP proxy in front of the real RT that can drop or stall chosen requests.

RT's standalone server closes the connection after each answer, so one TCP connection is one
request: the proxy reads the request line and asks `decide` what to do with it:
  "pass"  forward both ways;
  "drop"  forward the request, let RT apply it, then close on the client without an answer
          (a reset after sending: the client cannot know whether it landed);
  "stall" never forward, never answer (the client's read timeout fires; nothing landed);
  "reset_early"  forward the request and reset the client at once, while RT is still working
          (a dropped mobile link: RT finishes and commits; the client heard nothing);
  "drip"  forward, then send RT's answer one byte every `drip_seconds` (no read timeout
          fires, the answer takes for ever);
  "cut"   forward, then send the first half of RT's answer and close normally (a body cut
          short: the headers promise more than arrives).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable


class TcpProxy:
    def __init__(
        self,
        target_port: int,
        decide: Callable[[str], str],
        upstream_timeout: float = 60.0,
        drip_seconds: float = 5.0,
    ) -> None:
        self.target_port = target_port
        self.drip_seconds = drip_seconds
        self.upstream_timeout = upstream_timeout
        self.decide = decide
        self.seen: list[tuple[str, str]] = []
        # Bytes on the wire each way (the bench compares clients with these).
        self.bytes_up = 0
        self.bytes_down = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    @staticmethod
    def _reset(client: socket.socket) -> None:
        # Linger 0: close with a reset, as a dying middlebox would.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _answer_in_background(self, request: bytes) -> None:
        """Send the request to RT and read its whole answer, for nobody: RT finishes its work."""

        def run() -> None:
            with socket.create_connection(
                ("127.0.0.1", self.target_port), timeout=self.upstream_timeout
            ) as upstream:
                upstream.sendall(request)
                while upstream.recv(65536):
                    pass

        threading.Thread(target=run, daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = self._read_request(client)
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            action = self.decide(line)
            self.seen.append((line, action))
            self.bytes_up += len(request)
            if action == "stall":
                self._stop.wait(60)
                return
            if action == "reset_early":
                self._answer_in_background(request)
                self._reset(client)
                return
            with socket.create_connection(
                ("127.0.0.1", self.target_port), timeout=self.upstream_timeout
            ) as upstream:
                upstream.sendall(request)
                answer = b""
                while True:
                    chunk = upstream.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            if action == "drop":
                self._reset(client)
                return
            if action == "cut":
                answer = answer[: len(answer) // 2]
            if action == "drip":
                try:
                    for index in range(len(answer)):
                        if self._stop.wait(self.drip_seconds):
                            return
                        client.sendall(answer[index : index + 1])
                        self.bytes_down += 1
                except OSError:
                    return  # the client gave up
                return
            client.sendall(answer)
            self.bytes_down += len(answer)
