"""A failure on the wire in the agent's words: what the client's Unreachable and Ambiguous
say (sync/rt/client.py).

httpx is imported when a failure is put into words, never at import time.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def _causes(error: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def network_words(
    error: Exception, base_url: str, timeouts: tuple[float, float, float, float]
) -> str:
    """What went wrong on the wire, in plain words: "nothing answers at 127.0.0.1:9"."""
    import socket
    import ssl

    import httpx

    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or base_url
    where = f"{host}:{port}"
    causes = _causes(error)
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            return f"the name {host!r} cannot be found (DNS: {cause.strerror or cause})"
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or cause.reason or str(cause)
            return f"{where} presented a TLS certificate that is not trusted ({reason})"
        if isinstance(cause, ssl.SSLError):
            reason = cause.reason or str(cause)
            return f"the secure connection (TLS) to {where} failed ({reason}: does it speak https?)"
        if isinstance(cause, ConnectionRefusedError):
            return f"nothing answers at {where} (is the helpdesk running, and is the port right?)"
    if isinstance(error, httpx.ConnectTimeout):
        return f"{where} did not answer within {timeouts[0]:g} s"
    if isinstance(error, httpx.ReadTimeout):
        return f"{where} took the request but sent no answer within {timeouts[1]:g} s"
    if isinstance(error, httpx.WriteTimeout):
        return f"{where} stopped taking the request for {timeouts[2]:g} s"
    if isinstance(error, httpx.PoolTimeout):
        return f"no connection to {where} came free within {timeouts[3]:g} s"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"{where} closed the connection before it answered"
    for cause in causes:
        if isinstance(cause, OSError) and cause.strerror:
            return f"{where} cannot be reached ({cause.strerror.lower()})"
    detail = str(error) or type(error).__name__
    return f"the connection to {where} failed ({detail})"
