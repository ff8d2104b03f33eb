"""Fixtures for sync tests: one real Request Tracker per session, a fresh queue per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync.rt_server import RtServer, make_rt, rt_installed

_queue_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def rt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtServer]:
    reason = rt_installed()
    if reason is not None:
        pytest.skip(reason)
    server = make_rt(tmp_path_factory.mktemp("rt"))
    yield server
    server.stop()


class RtApi:
    """Direct REST2 calls for the test side: what a colleague does in RT's web UI."""

    def __init__(self, server: RtServer, token: str) -> None:
        import httpx

        self.http = httpx.Client(
            base_url=f"{server.url}/REST/2.0",
            headers={"Authorization": f"token {token}"},
            timeout=30,
        )

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code < 400, (method, path, response.status_code, response.text)
        return response

    def ticket(self, remote_id: str) -> dict[str, Any]:
        return dict(self("GET", f"/ticket/{remote_id}").json())

    def create(self, queue: str, subject: str, **fields: Any) -> str:
        body = {"Queue": queue, "Subject": subject, "Content": f"{subject}.", **fields}
        return str(self("POST", "/ticket", json=body).json()["id"])

    def _all(self, path: str, fields: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self(
                "GET", path, params={"fields": fields, "per_page": 100, "page": page}
            ).json()
            out.extend(body["items"])
            if page >= (body.get("pages") or 1):
                return out
            page += 1

    def contents(self, remote_id: str) -> list[str]:
        """The bodies of the ticket's create, comments and replies, oldest first.

        RT also records each outgoing notification mail (EmailRecord transactions) with the
        reply's text in it: those are RT's copies, not separate messages, so they are left out.
        """
        kinds = {
            str(item["id"])
            for item in self._all(f"/ticket/{remote_id}/history", "Type")
            if item.get("Type") in ("Create", "Comment", "Correspond")
        }
        return [
            str(item.get("Content", "")).strip()
            for item in self._all(f"/ticket/{remote_id}/attachments", "Content,TransactionId")
            if str(item.get("TransactionId")) in kinds and str(item.get("Content", "")).strip()
        ]


@pytest.fixture(scope="session")
def rt_root(rt_server: RtServer) -> RtApi:
    return RtApi(rt_server, rt_server.token)


@pytest.fixture(scope="session")
def colleague(rt_server: RtServer) -> RtApi:
    """li.wei, working in RT's web UI while the agent works offline."""
    return RtApi(rt_server, rt_server.tokens["li.wei"])


@pytest.fixture
def rt_queue(rt_root: RtApi, request: pytest.FixtureRequest) -> str:
    """A fresh queue per test: tests on one server never see each other's tickets."""
    name = f"q{next(_queue_numbers)}-{request.node.name[:40]}"
    rt_root("POST", "/queue", json={"Name": name})
    return name


@pytest.fixture
def other_queue(rt_root: RtApi, rt_queue: str) -> str:
    """A second fresh queue beside the test's: where a colleague moves a ticket to or from."""
    name = f"{rt_queue}-other"
    rt_root("POST", "/queue", json={"Name": name})
    return name


@pytest.fixture
def fast_sleep() -> list[float]:
    """Backoff sleeps are recorded, not slept: tests stay fast and deterministic."""
    return []


def make_backend(server: RtServer, queue: str, sleeps: list[float], **client: Any) -> Any:
    from agentdesk.sync.rt.backend import RtBackend
    from agentdesk.sync.rt.client import RtClient
    from agentdesk.sync.rt.settings import RtSettings

    url = client.pop("url", server.url)
    settings = RtSettings(
        url=url,
        queues=(queue,),
        overlap_seconds=client.pop("overlap", 120),
        page_size=client.pop("page_size", 100),
        # Short: in these tests no request is still in flight at RT when push looks for it,
        # except where a test says so and passes a bound of its own.
        settle_seconds=client.pop("settle", 2.0),
    )
    # The profile's default: reads on an RT web session (session_seconds=0 for the token alone).
    client.setdefault("session_seconds", settings.session_seconds)
    rt_client = RtClient(url, client.pop("token", server.token), sleep=sleeps.append, **client)
    return RtBackend(settings=settings, client=rt_client)


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "agentdesk.db"


@pytest.fixture(scope="session")
def rt_nginx(rt_server: RtServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's nginx in front of the test RT, gzip on for JSON (tests/sync/nginx.py)."""
    from tests.sync.nginx import make_nginx, nginx_installed

    reason = nginx_installed()
    if reason is not None:
        pytest.skip(reason)
    proxy = make_nginx(tmp_path_factory.mktemp("nginx"), rt_server.port)
    yield proxy
    proxy.stop()
