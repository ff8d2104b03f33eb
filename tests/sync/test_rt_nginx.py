"""RT as production runs it: behind nginx with gzip on for JSON (README, "Deploying with
Request Tracker"). Debian's nginx in front of the test rt-server, both on loopback.

A sync through the proxy works, every JSON answer it sent was compressed, and fewer bytes
crossed the wire than for the same sync straight to RT (which never compresses); the reads
ride one web session, logged in once through the proxy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from agentdesk.shipped import load_sla_policy
from agentdesk.store.engine import open_store
from tests.sync.conftest import RtApi, make_backend
from tests.sync.nginx import Nginx
from tests.sync.rt_server import RtServer

pytestmark = pytest.mark.rt

BODY = (
    "My order arrived damaged: the box was crushed and the lid of the kettle is cracked. "
    "I would like a replacement or a refund, whichever is quicker. "
) * 6


def test_rt_answers_through_nginx_are_gzip(rt_nginx: Nginx, rt_server: RtServer) -> None:
    answer = httpx.get(
        f"{rt_nginx.url}/REST/2.0/queue/1",
        headers={"Authorization": f"token {rt_server.token}", "Accept-Encoding": "gzip"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    straight = httpx.get(
        f"{rt_server.url}/REST/2.0/queue/1",
        headers={"Authorization": f"token {rt_server.token}", "Accept-Encoding": "gzip"},
        timeout=30,
    )
    # RT itself sends the body as it is: the proxy is what compresses.
    assert "content-encoding" not in straight.headers
    assert answer.json() == straight.json()


def test_a_sync_through_nginx_pulls_everything_with_fewer_bytes(
    rt_nginx: Nginx,
    rt_server: RtServer,
    rt_root: RtApi,
    rt_queue: str,
    fast_sleep: list[float],
    tmp_path: Path,
) -> None:
    for n in range(6):
        rt_root.create(rt_queue, f"Damaged kettle {n}", Requestor=f"c{n}@example.com", Content=BODY)
    now = datetime.now(UTC)
    runs = {}
    for name, url in (("straight", rt_server.url), ("nginx", rt_nginx.url)):
        store = open_store(tmp_path / f"{name}.db", load_sla_policy())
        before = len(rt_nginx.answers())
        backend = make_backend(rt_server, rt_queue, fast_sleep, url=url, session_seconds=300)
        summary = backend.sync(store, now)
        with store.read() as connection:
            bodies = connection.execute(text("SELECT count(*) FROM messages")).scalar_one()
        store.close()
        runs[name] = (summary.pulled, bodies, summary.bytes_in, rt_nginx.answers()[before:])
    assert runs["nginx"][:2] == runs["straight"][:2] == (6, 6)
    proxied = runs["nginx"][3]
    assert runs["straight"][3] == []  # straight to RT: nothing went through the proxy
    assert proxied and all(status == 200 for _, _, status, _, _ in proxied)
    # Every answer went out gzip ("-": sent as it was), but for bodies under nginx's
    # gzip_min_length, too small to gain.
    assert any(ratio != "-" for *_, ratio in proxied)
    assert all(ratio != "-" or sent < 256 for _, _, _, sent, ratio in proxied), proxied
    assert runs["nginx"][2] < runs["straight"][2] / 2
    # One login for the run's reads (sync/rt/client.py's web session), through the proxy too.
    assert [path for _, path, *_ in proxied].count("/REST/1.0/") == 1
