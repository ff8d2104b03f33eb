"""The RT client as httpx would be: several threads share it without losing a byte of the
count, and the environment's proxies (HTTP_PROXY, NO_PROXY) are honoured although the client
brings its own transport (for the total deadline)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from agentdesk.sync.rt.client import RtClient
from tests.sync.http_proxy import HttpProxy
from tests.sync.rt_server import RtServer

_BODY = b'{"id": "1", "Name": "General"}'


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        content=_BODY,
        headers={"Content-Type": "application/json", "Date": "Wed, 02 Dec 2026 03:00:00 GMT"},
    )


@pytest.fixture
def busy_switching() -> Iterator[None]:
    # Threads switch every microsecond: a += that is not under the lock loses counts.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_byte_counts_stay_exact_under_concurrent_requests(busy_switching: None) -> None:
    client = RtClient("http://rt.invalid", "token", transport=httpx.MockTransport(_answer))
    client.call("GET", "/queue/1")
    one_in, one_out = client.traffic.bytes_in, client.traffic.bytes_out
    assert one_in > len(_BODY) and one_out > 0
    threads, each = 8, 250
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait()
        for _ in range(each):
            client.call("GET", "/queue/1")

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    calls = 1 + threads * each
    assert client.traffic.requests == calls
    assert client.traffic.bytes_in == calls * one_in
    assert client.traffic.bytes_out == calls * one_out


_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpProxy]:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    running = HttpProxy()
    yield running
    running.close()


@pytest.mark.rt
def test_requests_go_through_the_environments_proxy(
    rt_server: RtServer, proxy: HttpProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = RtClient(rt_server.url, rt_server.token)
    try:
        assert client.call("GET", "/queue/1").json()["id"] == 1
    finally:
        client.close()
    assert proxy.seen == [f"GET {rt_server.url}/REST/2.0/queue/1 HTTP/1.1"]


@pytest.mark.rt
def test_no_proxy_and_trust_env_off_go_straight_to_rt(
    rt_server: RtServer, proxy: HttpProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    bypass = RtClient(rt_server.url, rt_server.token)
    untrusting = RtClient(rt_server.url, rt_server.token, trust_env=False)
    try:
        assert bypass.call("GET", "/queue/1").status_code == 200
        monkeypatch.delenv("NO_PROXY")
        assert untrusting.call("GET", "/queue/1").status_code == 200
    finally:
        bypass.close()
        untrusting.close()
    assert proxy.seen == []
