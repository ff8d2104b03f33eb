"""HTTP to Request Tracker's REST2: timeouts, auth, byte counts, and what each failure means
(in the words of sync/errors.py, shared by every backend).

httpx is imported when a client is made, never at import time (the TUI's first frame must not
wait for it). The token goes in the Authorization header and nowhere else: not in URLs, not in
exceptions, not in logs.

One client may serve several threads at once (a pull reads one page's history while it fetches
the next): httpx's pool is thread-safe, the deadline is per thread, and the byte counters, the
server clock offset and the circuit breaker change only under the client's lock.

Proxies: httpx reads HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY only when it makes its
own transport; this client makes one (for the total deadline), so it mounts one per proxy the
environment names, exactly as httpx would (httpx's own reading of the variables), each on the
same deadline backend. trust_env=False, or a transport passed in (tests), leaves them out.

Reads on an RT web session made with the token (session_seconds > 0): sync/rt/session.py.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from agentdesk.security.sanitize import clean_text
from agentdesk.sync.deadline import Deadline, deadline_transport
from agentdesk.sync.errors import (
    Ambiguous,
    BadAnswer,
    Offline,
    RateLimited,
    Rejected,
    SyncError,
    Unauthorized,
    Unreachable,
)
from agentdesk.sync.retry import Backoff, CircuitBreaker, retry_after_seconds
from agentdesk.sync.rt.network_words import network_words
from agentdesk.sync.rt.session import WebSession

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("agentdesk.sync")

# Explicit, per phase: a stalled link fails in seconds instead of hanging the worker.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
WRITE_TIMEOUT = 20.0
POOL_TIMEOUT = 5.0
# The whole request, connect to last byte: a server dripping one byte every few seconds never
# trips the read timeout, but it cannot hold a run longer than this.
TOTAL_TIMEOUT = 60.0


@dataclass
class Traffic:
    bytes_in: int = 0
    bytes_out: int = 0
    requests: int = 0


def _server_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    if isinstance(body, list):
        return "; ".join(str(line) for line in body)[:300]
    return str(body)[:300]


# What each REST2 answer must be, by path (relative to /REST/2.0): a search is an object with
# an items list; one record is an object; anything else (a POST's or PUT's messages) is an
# object or a list. Checked here, once, for every call: no call site believes a bad answer.
_SEARCH = re.compile(
    r"^/(tickets|transactions|attachments|queues(/all)?|users|groups|"
    r"ticket/\d+/(history|attachments)|transaction/\d+/attachments)$"
)
_RECORD = re.compile(r"^/(ticket|transaction|attachment|queue|user|group)/[^/]+$")
_SHOWN = 80
_SPACES = re.compile(r"\s+")


def shown(raw: bytes) -> str:
    """The start of an answer, fit for a one-line message: no control characters or escape
    sequences (a captive portal's page must not paint the terminal), whitespace collapsed."""
    text = clean_text(raw[: _SHOWN * 4].decode("utf-8", "replace"))
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return "(an empty body)"
    return repr(text[:_SHOWN] + ("..." if len(text) > _SHOWN else ""))


def answer_problem(method: str, path: str, raw: bytes) -> str | None:
    """What is wrong with a 2xx answer's body, in words for the agent; None if it is sound."""
    try:
        body = jsonlib.loads(raw)
    except ValueError:
        return f"something that is not JSON: {shown(raw)}"
    if method == "GET" and _SEARCH.match(path):
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            return None
        expected = "a search result (an object with an items list)"
    elif method == "GET" and _RECORD.match(path):
        if isinstance(body, dict):
            return None
        expected = "a record (an object)"
    elif isinstance(body, dict | list):
        return None
    else:
        expected = "an object or a list"
    return f"JSON that is not {expected} to {method} {path}: {shown(raw)}"


@dataclass
class RtClient:
    """One REST2 endpoint. Idempotent calls retry here; the push engine decides for the rest."""

    base_url: str
    token: str = field(repr=False)  # never in a repr, a log line or an error message
    transport: Any = None  # an httpx transport (tests: respx or a loopback proxy)
    sleep: Callable[[float], None] = time.sleep
    backoff: Backoff = field(default_factory=Backoff)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    attempts: int = 4
    # connect, read, write, pool (seconds)
    timeouts: tuple[float, float, float, float] = (
        CONNECT_TIMEOUT,
        READ_TIMEOUT,
        WRITE_TIMEOUT,
        POOL_TIMEOUT,
    )
    total_timeout: float = TOTAL_TIMEOUT
    traffic: Traffic = field(default_factory=Traffic)
    # Server time minus local time, from the Date header: pulls speak in server time.
    clock_offset: float = 0.0
    event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None
    helpdesk: str = "RT"
    # Honour HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY as httpx does (module docstring).
    trust_env: bool = True
    # Reads on a web session made with the token, renewed this often; 0: the token alone on
    # every request (sync/rt/session.py).
    session_seconds: float = 0.0
    monotonic: Callable[[], float] = time.monotonic  # when a session is due (tests move it)
    _http: Any = field(default=None, repr=False)
    _deadline: Deadline = field(default_factory=Deadline, repr=False)
    # Guards traffic, clock_offset, the breaker and making _http (module docstring).
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # The reads' web session: its cookie, when it is renewed (sync/rt/session.py).
    _session: WebSession = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._session = WebSession(self)

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = self._make_client()
            return self._http  # type: ignore[no-any-return]

    def _mounts(self) -> dict[str, Any] | None:
        """One deadline transport per proxy the environment names; None: a direct connection
        (NO_PROXY), which httpx then sends through the client's own transport."""
        if self.transport is not None or not self.trust_env:
            return None
        from httpx._utils import get_environment_proxies  # what httpx itself reads

        return {
            pattern: None if url is None else deadline_transport(self._deadline, proxy=url)
            for pattern, url in get_environment_proxies().items()
        }

    def _make_client(self) -> httpx.Client:
        from http.cookiejar import CookieJar, DefaultCookiePolicy

        import httpx

        return httpx.Client(
            base_url=self.base_url.rstrip("/") + "/REST/2.0",
            headers={
                "Authorization": f"token {self.token}",
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": "agentdesk-sync",
            },
            timeout=httpx.Timeout(
                connect=self.timeouts[0],
                read=self.timeouts[1],
                write=self.timeouts[2],
                pool=self.timeouts[3],
            ),
            transport=self.transport or deadline_transport(self._deadline),
            mounts=self._mounts(),
            trust_env=self.trust_env,
            event_hooks=dict(self.event_hooks or {}),
            # Nothing is kept from Set-Cookie: the session cookie goes only where the session
            # puts it (GETs to this URL).
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )

    def close(self) -> None:
        # The session is not logged out here (close may run on the UI thread: no network);
        # RT's rt-clean-sessions removes it with the other idle ones.
        with self._lock:
            http, self._http = self._http, None
            self._session.forget()
        if http is not None:
            http.close()

    def server_now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.clock_offset, UTC)

    def learn_clock(self) -> None:
        """Know the server's clock (its Date header) before speaking in "seconds ago": from
        any answer already had, or the session's login, else one small read."""
        if self.traffic.requests == 0:
            self._session.read_cookie()
        if self.traffic.requests == 0:
            self.call("GET", "/queues/all", params={"per_page": 1, "fields": "id"})

    def _count(self, response: httpx.Response) -> None:
        request = response.request
        head = sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
        out = len(request.method) + len(str(request.url.raw_path)) + 12 + head
        out += len(request.content)
        into = sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 17
        into += response.num_bytes_downloaded
        offset: float | None = None
        date = response.headers.get("date")
        if date:
            with contextlib.suppress(TypeError, ValueError):
                offset = parsedate_to_datetime(date).timestamp() - time.time()
        with self._lock:  # += on a shared int is a read and a write: two threads lose counts
            self.traffic.bytes_out += out
            self.traffic.bytes_in += into
            self.traffic.requests += 1
            if offset is not None:
                self.clock_offset = offset

    def _breaker_allows(self, when: datetime) -> bool:
        with self._lock:
            return self.breaker.allows(when)

    def _failed(self, now: datetime) -> None:
        with self._lock:
            self.breaker.record_failure(now)

    def _succeeded(self) -> None:
        with self._lock:
            self.breaker.record_success()

    def _once(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        import httpx

        now = datetime.now(UTC)
        if not self._breaker_allows(now):
            raise Offline("the helpdesk failed several times in a row; asking again later")
        cookie = self._session.read_cookie() if method == "GET" else ""
        if cookie:
            headers = {**(headers or {}), "Cookie": cookie}
        try:
            with self._deadline.within(self.total_timeout):
                try:
                    response = self._client().request(
                        method, path, params=params, json=json, headers=headers
                    )
                    response.read()
                finally:
                    late = self._deadline.passed()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            self._failed(now)
            raise Unreachable(network_words(error, self.base_url, self.timeouts)) from None
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as error:
            self._failed(now)
            if late:  # the drip case: every read was in time, the answer as a whole was not
                raise Ambiguous(
                    f"{self.base_url} did not finish answering {method} {path} "
                    f"within {self.total_timeout:g} s"
                ) from None
            raise Ambiguous(network_words(error, self.base_url, self.timeouts)) from None
        self._count(response)
        status = response.status_code
        if status == 401:
            raise Unauthorized(
                "the helpdesk refused the token (HTTP 401): sync is paused; "
                "run `agentdesk connect rt URL` with a valid token"
            )
        if status in (429, 503):
            self._failed(now)
            delay = retry_after_seconds(response.headers.get("retry-after"), now)
            raise RateLimited(status, delay)
        if status in (500, 502, 504):
            self._failed(now)
            raise Ambiguous(f"{method} {path}: HTTP {status}")
        if 200 <= status < 300:
            problem = answer_problem(method, path, response.content)
            if problem is not None:
                self._failed(now)
                log.info("%s %s: %s", method, path, problem)
                raise BadAnswer(f"{self.helpdesk} at {self.base_url} answered with {problem}")
        self._succeeded()
        if 400 <= status < 500 and status != 412:
            raise Rejected(status, _server_message(response))
        return response

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send with retries: any transient failure for GET/PUT; for POST only what never landed.

        A PUT of absolute field values is idempotent; a POST (comment, create) is not, so an
        Ambiguous POST goes back to the caller, who looks in RT's history before sending again.
        """
        if idempotent is None:
            idempotent = method in ("GET", "PUT", "HEAD")
        attempt = 0
        while True:
            failure: SyncError
            try:
                return self._once(method, path, params=params, json=json, headers=headers)
            except RateLimited as error:
                failure = error
                wait = error.delay if error.delay is not None else self.backoff.delay(attempt)
            except Unreachable as error:
                failure = error
                wait = self.backoff.delay(attempt)
            except Ambiguous as error:
                if not idempotent:
                    raise
                failure = error
                wait = self.backoff.delay(attempt)
            attempt += 1
            if attempt >= self.attempts:
                raise failure
            if not self._breaker_allows(datetime.now(UTC) + timedelta(seconds=wait)):
                raise Offline(f"{failure}; the helpdesk failed several times in a row")
            log.info("retrying %s %s in %.1f s after %s", method, path, wait, failure)
            self.sleep(wait)
