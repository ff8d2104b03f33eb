"""A tiny forward HTTP proxy on loopback (what HTTP_PROXY points at in an office): it takes
absolute-form requests ("GET http://host:port/path HTTP/1.1"), records each request line and
sends the request on to host:port in origin form, one connection per request."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from tests.sync.proxy_base import LoopbackProxy


class HttpProxy(LoopbackProxy):
    def __init__(self) -> None:
        self.seen: list[str] = []
        super().__init__()

    def _handle(self, client: socket.socket) -> None:
        with client:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            self.seen.append(lines[0])
            headers = [line for line in lines[1:] if not line.lower().startswith("connection:")]
            length = 0
            for line in headers:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            while len(body) < length:
                chunk = client.recv(65536)
                if not chunk:
                    break
                body += chunk
            parts = urlsplit(target)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            request = "\r\n".join([f"{method} {path} {version}", *headers, "Connection: close"])
            with socket.create_connection((parts.hostname, parts.port or 80), timeout=60) as up:
                up.sendall(request.encode("latin-1") + b"\r\n\r\n" + body)
                while chunk := up.recv(65536):
                    client.sendall(chunk)
