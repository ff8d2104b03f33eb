"""A web session for an RT client's reads (RtClient.session_seconds > 0).

RT 5 checks an auth token with bcrypt (cost 12) on every REST2 request, about 1 s of RT's CPU
here, five to ten times what the read itself costs. REST2 takes RT's web session cookie before
the token (RT::REST2::Middleware::Auth, login_from_cookie), and RT's web UI logs a token in and
answers with that cookie (RT::Interface::Web::AttemptTokenAuthentication). So the client logs
in once, with the token, on REST 1.0's smallest page, and sends the cookie with its GETs, the
token beside it: a session RT has dropped falls back to the token, slower but the same answer.
Writes carry the token alone (RT checks it on each). The session is renewed after
session_seconds, the old one logged out: a token revoked in RT stops the reads within that
time, the writes at once. No cookie, or an answer that is not RT's "200 Ok": no session, the
token on every request, as before; the next try after session_seconds. The cookie is a
credential: kept in memory only, never logged, sent to the client's URL only (httpx's own
cookie jar takes nothing).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from agentdesk.sync.rt.client import RtClient

log = logging.getLogger("agentdesk.sync")

# RT's web session cookie (RT_SID_<rtname>.<port>) and REST 1.0's answer to a logged-in GET.
_SESSION_COOKIE = re.compile(r"^RT_SID_[\w.-]+$")
_SESSION_VALUE = re.compile(r"^[0-9A-Za-z]{16,128}$")
_REST1_OK = re.compile(rb"^RT/\S+ 200 Ok")
_LOGIN_RETRY = 30.0


def _session_cookie(answer: httpx.Response) -> str:
    """RT's session cookie from a login answer, "name=value"; "" unless the answer is REST 1.0's
    "200 Ok" (a logged-in user) with exactly one sound RT_SID_ cookie."""
    if answer.status_code != 200 or not _REST1_OK.match(answer.content):
        return ""
    found = []
    for line in answer.headers.get_list("set-cookie"):
        name, _, rest = line.partition("=")
        value = rest.split(";", 1)[0].strip()
        if _SESSION_COOKIE.match(name.strip()) and _SESSION_VALUE.match(value):
            found.append(f"{name.strip()}={value}")
    return found[0] if len(found) == 1 else ""


class WebSession:
    """One client's session (module docstring): the cookie, "name=value" for the Cookie
    header, or "" (none), renewed after its renewal time (client.monotonic()). One thread
    logs in; the others wait for its cookie."""

    def __init__(self, client: RtClient) -> None:
        # The client's settings (session_seconds, monotonic) are read as they are at each use.
        self.client = client
        self._cookie = ""
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def forget(self) -> None:
        """No session: the next read logs in again (the client is closed)."""
        self._cookie, self._renew_at = "", 0.0

    def read_cookie(self) -> str:
        """The session cookie for a GET ("name=value"), logging in when there is none or it is
        due for renewal; "" when RT gave none (the token alone then)."""
        client = self.client
        if client.session_seconds <= 0:
            return ""
        with self._lock:
            if client.monotonic() < self._renew_at:
                return self._cookie
            old, self._cookie = self._cookie, ""
            if old:
                self._request("GET", "/REST/1.0/logout", old)
            answer = self._request("GET", "/REST/1.0/", "")
            self._cookie = "" if answer is None else _session_cookie(answer)
            # Not reached (a blip): soon again; reached without a session: not for a while.
            wait = min(_LOGIN_RETRY, client.session_seconds) if answer is None else None
            self._renew_at = client.monotonic() + (wait or client.session_seconds)
            if not self._cookie:
                log.info("no RT web session (%s): the token on every request", client.base_url)
            return self._cookie

    def _request(self, method: str, rest1_path: str, cookie: str) -> httpx.Response | None:
        """A login (the token, no cookie) or a logout (the cookie, no token) on REST 1.0; None
        when it failed: the requests that follow carry the token, and fail as they would."""
        import httpx

        client = self.client
        http = client._client()
        url = client.base_url.rstrip("/") + rest1_path
        request = http.build_request(method, url, headers={"Accept": "text/plain"})
        if cookie:
            del request.headers["Authorization"]
            request.headers["Cookie"] = cookie
        try:
            with client._deadline.within(min(client.total_timeout, client.timeouts[1])):
                response = http.send(request)
                response.read()
        except httpx.HTTPError as error:
            log.info("RT web session %s: %s", rest1_path, type(error).__name__)
            return None
        client._count(response)
        return response
