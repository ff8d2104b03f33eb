"""The [sync] table of a profile's config for Request Tracker, checked, and how
`agentdesk connect` rewrites it.

The token is never here: it lives in the keyring (or AGENTDESK_RT_TOKEN for headless use).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agentdesk.core.ticket import Channel, Region
from agentdesk.sync.errors import SyncSettingsError

# RT's REST2 caps a search page at 100 items, whatever per_page asks for.
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class RtSettings:
    url: str
    queues: tuple[str, ...] = ("General",)
    default_region: Region = Region.EMEA
    default_channel: Channel = Channel.EMAIL
    # Pulls re-read this much before the cursor: RT's LastUpdated has one-second resolution
    # and a transaction may commit after a later one was already visible.
    overlap_seconds: int = 120
    # Tickets a pull asks for a page: 1..MAX_PAGE_SIZE (over it, RT's full page would read as
    # short, the last, and end the pull early).
    page_size: int = 100
    # After an ambiguous failure of a POST (a reset, a timeout, a 502), RT may still be working
    # on it: push looks for it in the ticket's history until this long after it was sent, and
    # sends it again only when it is still not there. Longer than RT's own request time (a
    # reply with its notification scrips takes seconds; a front proxy gives up after 60 s).
    settle_seconds: float = 60.0
    # Every request as a whole, connect to last byte (a slow drip must not hold a run).
    request_deadline_seconds: float = 60.0
    # Reads on an RT web session made with the token, renewed this often (sync/rt/session.py:
    # RT checks a token with bcrypt on each request, a session cookie it only looks up).
    # 0: the token on every request.
    session_seconds: float = 300.0
    # Issue 13: the queue holding one ticket per shift (the profile's [shift] queue); None:
    # shifts are off, the shift record is neither pushed nor pulled.
    shift_queue: str | None = None

    def __post_init__(self) -> None:
        size = self.page_size
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(
                f"page_size must be a whole number 1..{MAX_PAGE_SIZE}, not {size!r}: RT answers "
                f"at most {MAX_PAGE_SIZE} tickets a page, and a pull takes a shorter page than "
                "page_size for the last"
            )

    @property
    def scope(self) -> str:
        return f"{self.url}|{','.join(self.queues)}"


def check_url(url: str, where: str = "the URL") -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SyncSettingsError(
            f"{where}: {url!r} is not an http(s) URL such as https://rt.example"
        )
    if parts.username or parts.password:
        raise SyncSettingsError(f"{where}: put no user or password in the URL; use a token")
    return url.rstrip("/")


def rt_settings(table: Mapping[str, Any], source: str) -> RtSettings:
    """RtSettings from a config's [sync] table; source names the file in errors."""

    def text(key: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise SyncSettingsError(f"{source}: [sync] {key} must be a non-empty string")
        return value.strip()

    url = check_url(text("url"), f"{source}: [sync] url")
    queues = table.get("queues", ["General"])
    if (
        not isinstance(queues, list)
        or not queues
        or not all(isinstance(q, str) and q.strip() for q in queues)
    ):
        raise SyncSettingsError(f"{source}: [sync] queues must be a list of queue names")
    try:
        region = Region(text("default_region", "EMEA"))
        channel = Channel(text("default_channel", "email"))
    except ValueError as error:
        raise SyncSettingsError(f"{source}: [sync] {error}") from None
    overlap = table.get("overlap_seconds", 120)
    if not isinstance(overlap, int) or not 1 <= overlap <= 86_400:
        raise SyncSettingsError(f"{source}: [sync] overlap_seconds must be 1..86400 seconds")
    settle = table.get("settle_seconds", 60)
    if isinstance(settle, bool) or not isinstance(settle, int | float) or not 1 <= settle <= 3600:
        raise SyncSettingsError(
            f"{source}: [sync] settle_seconds must be 1..3600 seconds (how long a request "
            "that failed on the way may still be at work in RT)"
        )
    deadline = table.get("request_deadline_seconds", 60)
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, int | float)
        or not 1 <= deadline <= 3600
    ):
        raise SyncSettingsError(
            f"{source}: [sync] request_deadline_seconds must be 1..3600 seconds"
        )
    session = table.get("session_seconds", 300)
    if (
        isinstance(session, bool)
        or not isinstance(session, int | float)
        or not (session == 0 or 60 <= session <= 86_400)
    ):
        raise SyncSettingsError(
            f"{source}: [sync] session_seconds must be 0 (the token on every request) or "
            "60..86400 seconds (how long one RT web session serves the reads)"
        )
    return RtSettings(
        url=url,
        queues=tuple(q.strip() for q in queues),
        default_region=region,
        default_channel=channel,
        overlap_seconds=overlap,
        settle_seconds=float(settle),
        request_deadline_seconds=float(deadline),
        session_seconds=float(session),
    )


_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")


_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_-]+)\s*=")
# What write_rt_section writes itself; every other key of [sync] is the team's own tuning.
_WRITTEN_KEYS = frozenset({"backend", "url", "queues", "default_region", "default_channel"})


def _team_sync_lines(lines: list[str]) -> list[str]:
    """The lines of the old [sync] table that set keys connect does not write (settle_seconds,
    overlap_seconds, ...): kept, so connecting again does not reset a team's tuning. A value
    that spans lines (an array) goes or stays whole."""
    kept: list[str] = []
    in_sync = False
    keeping = False
    for line in lines:
        match = _SECTION.match(line.strip())
        if match:
            in_sync = match["name"].strip() == "sync"
            keeping = False
            continue
        if not in_sync:
            continue
        key = _KEY.match(line)
        if key:
            keeping = key["key"] not in _WRITTEN_KEYS
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        if keeping:
            kept.append(line)
    return kept


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_rt_section(
    config_path: Path, settings: RtSettings, *, token_from: str = "keyring"
) -> None:
    """Replace the [sync] table of the profile's config, keeping every other line as it was.

    token_from says where the token is: "keyring", or the environment variable it came from
    (then it is stored nowhere, and the comment says so)."""
    lines = config_path.read_text(encoding="utf-8").splitlines() if config_path.exists() else []
    if token_from == "keyring":
        where = "The token is in the OS keyring, not here."
    else:
        where = f"The token comes from {token_from}; it is stored nowhere."
    section = [
        "[sync]",
        f'# "rt": Request Tracker 5 over REST2. {where}',
        'backend = "rt"',
        f"url = {_toml_string(settings.url)}",
        f"queues = [{', '.join(_toml_string(q) for q in settings.queues)}]",
        f"default_region = {_toml_string(settings.default_region.value)}",
        f"default_channel = {_toml_string(settings.default_channel.value)}",
        "",
    ]
    kept = _team_sync_lines(lines)
    if kept:
        section = [*section[:-1], *kept, ""]
    out: list[str] = []
    in_sync = False
    replaced = False
    for line in lines:
        match = _SECTION.match(line.strip())
        if match:
            in_sync = match["name"].strip() == "sync"
            if in_sync and not replaced:
                out.extend(section)
                replaced = True
        if not in_sync:
            out.append(line)
    if not replaced:
        out.extend(["", *section])
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("\n".join(out).rstrip("\n") + "\n", encoding="utf-8")
