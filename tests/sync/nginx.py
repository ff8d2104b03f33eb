"""Debian's nginx in front of a test rt-server, as production RT is deployed (README,
"Deploying with Request Tracker"): a reverse proxy with gzip on for JSON.

Started by the tests as a subprocess (`-g 'daemon off;'`) with its own prefix folder, on a
free loopback port. The access log records each answer's status, the bytes nginx sent and
the gzip ratio ("-" when it sent the body as it was).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.sync.rt_server import free_port

NGINX = Path("/usr/sbin/nginx")

CONFIG = """
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    log_format wire '$request_method $status $body_bytes_sent $gzip_ratio $request_uri';
    access_log {prefix}/access.log wire;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 20m;

    # What the README asks of a production deployment: RT's JSON compressed.
    gzip on;
    gzip_proxied any;
    gzip_types application/json;
    gzip_min_length 256;
    gzip_comp_level 5;
    gzip_vary on;

    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def nginx_installed() -> str | None:
    """None when nginx can run here, else why not (the test tier then skips)."""
    if not NGINX.exists():
        return f"{NGINX} not installed (CI=true installs nginx-light: .ci/run)"
    return None


@dataclass
class Nginx:
    folder: Path
    upstream: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "nginx.conf"
        config.write_text(CONFIG.format(prefix=self.folder, port=self.port, upstream=self.upstream))
        self.process = subprocess.Popen(
            [str(NGINX), "-p", str(self.folder), "-c", str(config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "stderr.log").open("ab"),
            start_new_session=True,
        )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                errors = (self.folder / "stderr.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {errors}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen on {self.port} within {timeout} s")

    def answers(self) -> list[tuple[str, str, int, int, str]]:
        """(method, path, status, bytes sent, gzip ratio) per request, from the access log."""
        log = self.folder / "access.log"
        if not log.exists():
            return []
        rows = []
        for line in log.read_text().splitlines():
            method, status, sent, ratio, path = line.split(" ", 4)
            rows.append((method, path, int(status), int(sent), ratio))
        return rows

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def make_nginx(folder: Path, upstream: int) -> Nginx:
    if folder.exists():
        shutil.rmtree(folder)
    proxy = Nginx(folder=folder, upstream=upstream)
    proxy.start()
    return proxy
