"""Headless sync (`agentdesk sync`) and `agentdesk connect rt`: the glue between a profile and
a backend. The TUI's background worker uses make_backend() and Backend.sync() the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agentdesk.sync.credentials import get_token
from agentdesk.sync.local import LocalBackend
from agentdesk.sync.protocol import Backend, SyncSummary
from agentdesk.sync.rt.settings import RtSettings, rt_settings

if TYPE_CHECKING:
    from agentdesk.config import Settings
    from agentdesk.store.engine import Store
    from agentdesk.sync.rt.probe import HelpdeskProbe


def rt_settings_for(settings: Settings) -> RtSettings:
    from dataclasses import replace

    source = str(settings.config_path or "the profile's config")
    # The shift queue is the [shift] table's (issue 13): where the shift record goes.
    return replace(
        rt_settings(settings.extra.get("sync", {}), source),
        shift_queue=settings.shift_queue if settings.shift else None,
    )


def make_backend(settings: Settings, **client_args: Any) -> Backend:
    """The profile's backend. Raises SyncSettingsError / CredentialError with clear messages."""
    if settings.backend != "rt":
        return LocalBackend()
    from agentdesk.sync.rt.backend import RtBackend

    rt = rt_settings_for(settings)
    return RtBackend.connect(rt, get_token(settings.profile, rt.url), **client_args)


def probe_helpdesk(settings: Settings) -> HelpdeskProbe:
    """Reachable, token accepted, the helpdesk's clock (the start-of-shift checks)."""
    from agentdesk.sync.rt.probe import HelpdeskProbe, probe_rt

    if settings.backend != "rt":
        return HelpdeskProbe("local backend: this computer's store is the helpdesk", None, True)
    return probe_rt(settings)


def run_sync(
    store: Store,
    backend: Backend,
    *,
    once: bool,
    interval: float,
    report: Callable[[SyncSummary], None],
    sleep: Callable[[float], None] = time.sleep,
) -> SyncSummary:
    """Sync once, or every `interval` seconds until interrupted. Returns the last summary.

    Each run starts by lifting a 401 pause: someone who runs `agentdesk sync` wants it to try.
    """
    while True:
        backend.resume()
        summary = backend.sync(store, datetime.now(UTC))
        report(summary)
        if once:
            return summary
        sleep(interval)


def check_connection(url: str, token: str, queues: tuple[str, ...]) -> str:
    """Ask RT who we are and whether each queue is visible; returns a line for the agent."""
    from agentdesk.sync.errors import Rejected
    from agentdesk.sync.rt.client import RtClient
    from agentdesk.sync.rt.ticketsql import EVERY_QUEUE, queue_clause

    client = RtClient(url, token, attempts=2)
    try:
        for queue in queues:
            if queue == EVERY_QUEUE:
                continue
            try:
                client.call("GET", f"/queue/{queue}", params={"fields": "Name"})
            except Rejected as error:
                raise Rejected(
                    error.status, f"queue {queue!r} is not visible with this token"
                ) from None
        response = client.call(
            "GET", "/tickets", params={"query": queue_clause(queues[:1]), "per_page": 1}
        )
        total = response.json().get("total")
    finally:
        client.close()
    return (
        f"connected to {url}: queues {', '.join(queues)} visible ({total} tickets in {queues[0]})"
    )
