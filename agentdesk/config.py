"""Settings (TOML) and the paths of a profile, from platformdirs.

A profile is one agent's workspace: its config file, its SQLite store and its cache.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentdesk.config_keys import unknown_keys
from agentdesk.core.errors import BadInput
from agentdesk.core.quality import OnResolve
from agentdesk.core.ticket import Channel

APP_NAME = "agentdesk"
DEFAULT_PROFILE = "default"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# A string.Template ($profile, $handle): the {{company}} placeholders below stay as written.
CONFIG_TEMPLATE = """\
# agentdesk profile "$profile". Edit and restart agentdesk.
[agent]
# Your handle in the helpdesk; the "Mine" view shows tickets assigned to it.
handle = "$handle"
# "agent" (default); "supervisor": monitoring mode, read-only (the same as --supervisor);
# "qa": records the QA reviews of the monthly sample.
role = "agent"

[sync]
# "local": this computer's SQLite file is the helpdesk (no remote).
backend = "local"

[verification]
# Failed identity checks before the ticket goes to Level 2 and locks; minutes a pass holds.
max_attempts = 3
valid_minutes = 30
# Channels on which no public reply goes out before the customer passed verification in
# this interaction (internal notes always may). Default: every channel. A team that lets
# email replies go first leaves "email" out.
before_reply = ["phone", "chat", "email", "social", "in_app"]

[quality]
# Resolve when the 48-hour quality check would fail (e.g. no public reply after the
# structured note): "refuse" (default) or "ask" (the agent may resolve anyway; audited).
on_resolve = "refuse"

[shift]
# The shift checklists come first; tickets are taken once the required start items are done.
enabled = true
# Your team's folder of shift files (checklists.toml, roster.toml, announcements.toml): a
# file there replaces the shipped one of the same name. Relative to this file.
folder = ""
# The helpdesk queue holding one ticket per shift: the shift record teammates and the
# supervisor read (create it in RT; see the README's shift section).
queue = "Shifts"
# Checklist items (by id) this team treats as advisory: shown, never blocking.
advisory = []

[ui]
# Any Textual theme name, e.g. "textual-dark", "textual-light", "nord", "gruvbox".
theme = "textual-dark"

[alerts]
# Ring the terminal bell with each alert (new tickets, SLA at risk or breached, handovers).
bell = false

[supervisor]
# Monitoring mode: seconds between the dashboard's reads of the team.
refresh_seconds = 15

[security]
# Ask for the code of your authenticator app at every start (enrolled on the first one).
sign_in = true
# Minutes without a key press before the screen locks (at most 15: PCI DSS 8.2.8).
idle_lock_minutes = 15

[macros]
# Your team's macro folder: its files override shipped ones with the same name (see
# macros/README.md). A relative path is relative to this file. Empty: shipped macros only.
folder = ""
# Values for the {{company}} and {{department}} placeholders.
company = ""
department = ""
"""


class ConfigError(BadInput, ValueError):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    profile: str
    config_path: Path | None
    db_path: Path
    cache_dir: Path
    agent_handle: str = ""
    backend: str = "local"
    theme: str = "textual-dark"
    demo: bool = False
    # Demo profiles fill themselves with this many tickets on first open.
    demo_tickets: int = 0
    demo_seed: int = 1
    # [macros]: the team's folder over the shipped library, and placeholder values.
    macro_folder: Path | None = None
    company: str = ""
    department: str = ""
    # [verification]: failed attempts before the lock, and how long a pass holds.
    verify_max_attempts: int = 3
    verify_valid_minutes: int = 30
    # [shift]: the start/end checklists gate taking tickets; the team's shift files.
    shift: bool = False
    shift_folder: Path | None = None
    shift_queue: str = "Shifts"
    shift_advisory: frozenset[str] = frozenset()
    verify_before_reply: frozenset[Channel] = frozenset(Channel)
    # [quality]: resolve when the 48-hour quality check would fail: refuse or ask.
    quality_on_resolve: OnResolve = OnResolve.REFUSE
    # [alerts]: a terminal bell with each alert.
    alert_bell: bool = False
    # [security] (issue 16): off for demo profiles and for a test's Settings(); a real
    # profile's config turns it on (load_settings' default).
    sign_in: bool = False
    idle_lock_minutes: int = 15
    # [security] encrypt: "auto" (load_settings' default: SQLCipher when a usable keyring can
    # hold the key), "on" (required: refused without a keyring), "off" (demo, tests).
    encrypt: str = "off"
    extra: dict[str, Any] = field(default_factory=dict)
    # Issue 15: [agent] role = "supervisor" (or --supervisor) opens monitoring mode, read-only.
    supervisor: bool = False
    # [supervisor] refresh_seconds: how often the dashboard reads the team again.
    supervisor_refresh_seconds: int = 15
    # --supervisor --db FILE: another agentdesk's store, read while it writes; never written,
    # so nothing is pulled into it (the profile's own store is the supervisor's pull cache).
    watching_other_store: bool = False


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise ConfigError(
            f"profile name {name!r} is not allowed: use letters, digits, '.', '_' or '-'"
        )
    return name


def profile_paths(profile: str) -> tuple[Path, Path, Path]:
    """(config file, database file, cache dir) for a profile under platformdirs."""
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    config = Path(dirs.user_config_dir) / "profiles" / f"{profile}.toml"
    database = Path(dirs.user_data_dir) / "profiles" / profile / "agentdesk.db"
    cache = Path(dirs.user_cache_dir) / "profiles" / profile
    return config, database, cache


def _get(doc: dict[str, Any], path: Path, section: str, key: str, default: str) -> str:
    table = doc.get(section, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{section}] must be a table")
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{path}: [{section}] {key} must be a string, not {value!r}")
    return value


def _get_count(doc: dict[str, Any], path: Path, section: str, key: str, default: int) -> int:
    table = doc.get(section, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{section}] must be a table")
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{path}: [{section}] {key} must be a whole number of 1 or more")
    return value


def _get_channels(doc: dict[str, Any], path: Path) -> frozenset[Channel]:
    """[verification] before_reply: a list of channel names (default: every channel)."""
    table = doc.get("verification", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [verification] must be a table")
    value = table.get("before_reply", [c.value for c in Channel])
    names = ", ".join(f'"{c.value}"' for c in Channel)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"{path}: [verification] before_reply must be a list of channels ({names})"
        )
    unknown = [v for v in value if v not in Channel.__members__.values()]
    if unknown:
        raise ConfigError(
            f"{path}: [verification] before_reply: {unknown[0]!r} is not a channel (use {names})"
        )
    return frozenset(Channel(v) for v in value)


def _on_resolve(value: str, path: Path) -> OnResolve:
    if value not in OnResolve.__members__.values():
        raise ConfigError(
            f'{path}: [quality] on_resolve = {value!r} is not supported; use "refuse" or "ask"'
        )
    return OnResolve(value)


MAX_IDLE_LOCK_MINUTES = 15
"""PCI DSS 8.2.8: a session idle for more than 15 minutes asks for the factor again."""


def _security_sign_in(doc: dict[str, Any], path: Path) -> bool:
    table = doc.get("security", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [security] must be a table")
    value = table.get("sign_in", True)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [security] sign_in must be true or false")
    return value


def _security_encrypt(doc: dict[str, Any], path: Path) -> str:
    value = doc.get("security", {}).get("encrypt")
    if value is None:
        return "auto"
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [security] encrypt must be true or false")
    return "on" if value else "off"


def _idle_lock_minutes(doc: dict[str, Any], path: Path) -> int:
    minutes = _get_count(doc, path, "security", "idle_lock_minutes", MAX_IDLE_LOCK_MINUTES)
    if minutes > MAX_IDLE_LOCK_MINUTES:
        raise ConfigError(
            f"{path}: [security] idle_lock_minutes = {minutes} is longer than the "
            f"{MAX_IDLE_LOCK_MINUTES} minutes PCI DSS 8.2.8 allows; use 1 to "
            f"{MAX_IDLE_LOCK_MINUTES}"
        )
    return minutes


def load_settings(profile: str = DEFAULT_PROFILE, db_path: Path | None = None) -> Settings:
    """Read the profile's config, writing the default one on first run."""
    check_profile_name(profile)
    config_path, default_db, cache = profile_paths(profile)
    from agentdesk.security.owner_only import owner_only_umask

    owner_only_umask()  # issue 16: every file agentdesk writes is the owner's only
    if not config_path.exists():
        config_path.parent.mkdir(parents=True, exist_ok=True)
        template = string.Template(CONFIG_TEMPLATE)
        config_path.write_text(template.substitute(profile=profile, handle=""))
    try:
        text = config_path.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path}: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{config_path}: cannot be read: {error}") from error
    from agentdesk.security.owner_only import make_owner_only

    for own in (config_path, default_db.parent, cache):
        make_owner_only(own, folder_levels=0)
    unknown = unknown_keys(doc, text, config_path)
    if unknown:
        # An error, not a warning: see agentdesk/config_keys.py for why.
        raise ConfigError(
            "\n".join([*unknown, f"{config_path}: fix or remove these, then start again"])
        )
    backend = _get(doc, config_path, "sync", "backend", "local")
    if backend not in ("local", "rt"):
        raise ConfigError(
            f'{config_path}: [sync] backend = {backend!r} is not supported; use "local" or "rt"'
        )
    folder = _get(doc, config_path, "macros", "folder", "").strip()
    shift_folder = _get(doc, config_path, "shift", "folder", "").strip()
    role = _get(doc, config_path, "agent", "role", "agent")
    if role not in ("agent", "supervisor", "qa"):
        raise ConfigError(
            f"{config_path}: [agent] role = {role!r} is not supported; "
            'use "agent", "supervisor" or "qa"'
        )
    shift_enabled = doc.get("shift", {}).get("enabled", True)
    if not isinstance(shift_enabled, bool):
        raise ConfigError(f"{config_path}: [shift] enabled must be true or false")
    shift_queue = _get(doc, config_path, "shift", "queue", "Shifts").strip()
    if not shift_queue:
        raise ConfigError(f"{config_path}: [shift] queue must name a helpdesk queue")
    advisory = doc.get("shift", {}).get("advisory", [])
    if not isinstance(advisory, list) or not all(isinstance(i, str) for i in advisory):
        raise ConfigError(
            f'{config_path}: [shift] advisory must be a list of checklist item ids, e.g. ["vpn"]'
        )
    alert_bell = doc.get("alerts", {}).get("bell", False)
    if not isinstance(alert_bell, bool):
        raise ConfigError(f"{config_path}: [alerts] bell must be true or false")
    return Settings(
        profile=profile,
        config_path=config_path,
        db_path=db_path or default_db,
        cache_dir=cache,
        agent_handle=_get(doc, config_path, "agent", "handle", ""),
        backend=backend,
        theme=_get(doc, config_path, "ui", "theme", "textual-dark"),
        macro_folder=(config_path.parent / Path(folder).expanduser()) if folder else None,
        company=_get(doc, config_path, "macros", "company", ""),
        department=_get(doc, config_path, "macros", "department", ""),
        verify_max_attempts=_get_count(doc, config_path, "verification", "max_attempts", 3),
        verify_valid_minutes=_get_count(doc, config_path, "verification", "valid_minutes", 30),
        shift=shift_enabled,
        shift_folder=(config_path.parent / Path(shift_folder).expanduser())
        if shift_folder
        else None,
        shift_queue=shift_queue,
        shift_advisory=frozenset(i.strip() for i in advisory),
        verify_before_reply=_get_channels(doc, config_path),
        quality_on_resolve=_on_resolve(
            _get(doc, config_path, "quality", "on_resolve", "refuse"), config_path
        ),
        alert_bell=alert_bell,
        sign_in=_security_sign_in(doc, config_path),
        idle_lock_minutes=_idle_lock_minutes(doc, config_path),
        encrypt=_security_encrypt(doc, config_path),
        supervisor=role == "supervisor",
        supervisor_refresh_seconds=_get_count(
            doc, config_path, "supervisor", "refresh_seconds", 15
        ),
        extra={
            # agentdesk.sync.rt.settings checks the rest of [sync] (url, queues) when it starts.
            "sync": dict(doc.get("sync", {})),
            # Issue 15: the weekly report's SMTP settings (agentdesk.report_mail checks them)
            # and the profile's role ("agent", "qa": QA reviews are written by the QA role).
            "mail": dict(doc.get("mail", {})),
            "role": role,
        },
    )


def demo_settings(folder: Path, *, tickets: int = 2_000, seed: int = 1) -> Settings:
    """A throwaway profile in folder, filled with demo data on first open."""
    from agentdesk.demo import DEMO_AGENT_HANDLE

    return Settings(
        profile="demo",
        config_path=None,
        db_path=folder / "agentdesk.db",
        cache_dir=folder / "cache",
        agent_handle=DEMO_AGENT_HANDLE,
        # As a team's profile sets it: the openers say which team writes ({{department}}).
        department="Customer Support",
        demo=True,
        demo_tickets=tickets,
        demo_seed=seed,
    )
