"""Reads on an RT web session made with the token (sync/rt/client.py): RT 5 checks a token
with bcrypt on every request, a session cookie it only looks up.

Against the live test RT: the reads of a client with a session keep working after its token
is revoked (so RT answered them on the session, not the token), its writes do not (RT checks
the token on each), and once the session is due for renewal the revoked token stops the
reads too. A token RT refuses gets no session (RT sets a cookie for an anonymous visitor,
which must not be taken), and the cookie never goes with a write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from agentdesk.sync.errors import Unauthorized
from agentdesk.sync.rt.client import RtClient
from tests.sync.rt_server import _MAKE_TOKEN, RtServer

pytestmark = pytest.mark.rt

USER = "amara.okafor"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fresh_token(rt_server: RtServer) -> Iterator[tuple[str, sqlite3.Connection]]:
    """A token of its own for a colleague, deleted at the end (the others' tokens stay)."""
    db = sqlite3.connect(rt_server.folder / "rtdb", timeout=60)
    before = db.execute("SELECT coalesce(max(id), 0) FROM AuthTokens").fetchone()[0]
    token = rt_server.perl(_MAKE_TOKEN, USER).strip()
    try:
        yield token, db
    finally:
        db.execute("DELETE FROM AuthTokens WHERE id > ?", (before,))
        db.commit()
        db.close()


def _revoke(db: sqlite3.Connection) -> None:
    # The fresh token's row: the colleague's newest.
    db.execute(
        "DELETE FROM AuthTokens WHERE id = (SELECT max(id) FROM AuthTokens WHERE Owner = "
        "(SELECT id FROM Users WHERE Name = ?))",
        (USER,),
    )
    db.commit()


def test_reads_ride_the_session_and_writes_the_token(
    rt_server: RtServer, fresh_token: tuple[str, sqlite3.Connection]
) -> None:
    token, db = fresh_token
    sent: list[tuple[str, str, bool, bool]] = []

    def seen(request: httpx.Request) -> None:
        sent.append(
            (
                request.method,
                request.url.path,
                "cookie" in request.headers,
                "authorization" in request.headers,
            )
        )

    clock = Clock()
    client = RtClient(
        rt_server.url,
        token,
        session_seconds=300,
        monotonic=clock,
        sleep=lambda _s: None,
        event_hooks={"request": [seen]},
    )
    try:
        assert client.call("GET", "/queue/1").json()["id"] == 1
        _revoke(db)
        # The session answers: RT never looked at the (now revoked) token.
        assert client.call("GET", "/queue/1").json()["id"] == 1
        with pytest.raises(Unauthorized):  # a write is the token's alone
            client.call("PUT", "/queue/1", json={"Description": "x"})
        clock.now += 301  # the session is due: renewing it needs the token
        with pytest.raises(Unauthorized):
            client.call("GET", "/queue/1")
    finally:
        client.close()
    # Login (token, no cookie), a read with both, the second read with both, the write with
    # the token only, then the logout (cookie only), the failed login, the read (token only).
    assert sent == [
        ("GET", "/REST/1.0/", False, True),
        ("GET", "/REST/2.0/queue/1", True, True),
        ("GET", "/REST/2.0/queue/1", True, True),
        ("PUT", "/REST/2.0/queue/1", False, True),
        ("GET", "/REST/1.0/logout", True, False),
        ("GET", "/REST/1.0/", False, True),
        ("GET", "/REST/2.0/queue/1", False, True),
    ]


def test_a_refused_token_gets_no_session(rt_server: RtServer) -> None:
    cookies: list[bool] = []
    client = RtClient(
        rt_server.url,
        "1-14-0123456789abcdef0123456789abcdef",
        session_seconds=300,
        sleep=lambda _s: None,
        event_hooks={"request": [lambda r: cookies.append("cookie" in r.headers)]},
    )
    try:
        # RT's login page answers a refused token with a cookie (an anonymous visitor's):
        # it is not taken, and the read goes with the token alone, which RT refuses.
        with pytest.raises(Unauthorized):
            client.call("GET", "/queue/1")
    finally:
        client.close()
    assert cookies == [False, False]
