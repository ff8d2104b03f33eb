"""Probing Request Tracker for the start-of-shift checks: reachable, token accepted, its clock.

One GET of the first synced queue: a 200 means reachable and the token accepted; the answer's
Date header is the helpdesk's clock. Raises the sync errors (Offline, Unreachable,
Unauthorized, Rejected...) and CredentialError / SyncSettingsError, each written for the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentdesk.config import Settings


@dataclass(frozen=True)
class HelpdeskProbe:
    line: str
    server_date: datetime | None
    """The helpdesk's Date header; None for the local backend or when it sent none."""
    local: bool = False


def probe_rt(settings: Settings, **client_args: Any) -> HelpdeskProbe:
    from agentdesk.sync.credentials import get_token
    from agentdesk.sync.rt.client import RtClient
    from agentdesk.sync.runner import rt_settings_for

    rt = rt_settings_for(settings)
    client = RtClient(rt.url, get_token(settings.profile, rt.url), attempts=1, **client_args)
    try:
        response = client.call("GET", f"/queue/{rt.queues[0]}", params={"fields": "Name"})
    finally:
        client.close()
    date = None
    header = response.headers.get("date")
    if header:
        try:
            date = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            date = None
    return HelpdeskProbe(f"{rt.url} answered; token accepted (queue {rt.queues[0]})", date)
