"""Which keys a profile's config may hold, and where in the file an unknown one is.

tomllib gives no line numbers, so the file text is scanned for the table headers and the
`key =` lines; a typo is reported as `file:line: unknown key 'handel' (did you mean 'handle'?)`.

An unknown key is an error, not a warning: a misspelt `[verificaton] max_attempts = 5` would
otherwise run the shift on the default policy without anyone noticing, and a warning printed
before the TUI takes the screen is gone the moment it starts. The file is never changed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Every table and key agentdesk reads from a profile's config. [sync] is read by
# agentdesk.sync.rt.settings when sync starts; its keys are listed here all the same.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "agent": frozenset({"handle", "role"}),
    "sync": frozenset(
        {
            "backend",
            "url",
            "queues",
            "default_region",
            "default_channel",
            "overlap_seconds",
            "settle_seconds",
            "request_deadline_seconds",
            "session_seconds",
        }
    ),
    "verification": frozenset({"max_attempts", "valid_minutes", "before_reply"}),
    "quality": frozenset({"on_resolve"}),
    "shift": frozenset({"enabled", "folder", "queue", "advisory"}),
    "ui": frozenset({"theme"}),
    "alerts": frozenset({"bell"}),
    "macros": frozenset({"folder", "company", "department"}),
    # Issue 15: monitoring mode's dashboard.
    "supervisor": frozenset({"refresh_seconds"}),
    # Issue 15: `agentdesk report --mail-to` (password: keyring or $AGENTDESK_SMTP_PASSWORD).
    "mail": frozenset({"host", "port", "from", "starttls", "user"}),
    # Issue 16: the second factor at start and unlock; minutes without input before the lock;
    # encrypt: the database encrypted at rest (absent: when a usable keyring holds the key).
    "security": frozenset({"sign_in", "idle_lock_minutes", "encrypt"}),
}

_HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?P<key>[A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*(?:\.|=)""")


def _suggest(word: str, choices: set[str] | frozenset[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else ""


def _locations(text: str) -> dict[tuple[str, str], int]:
    """(table, key) -> first line number; the table's own header is (table, "")."""
    found: dict[tuple[str, str], int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = header["name"].split(".")[0].strip().strip("\"'")
            found.setdefault((table, ""), number)
            continue
        key = _KEY.match(line)
        if key:
            found.setdefault((table, key["key"].strip("\"'")), number)
    return found


def unknown_keys(doc: Mapping[str, Any], text: str, path: Path) -> list[str]:
    """One line per unknown table or key, in file order, each with its line number."""
    where = _locations(text)
    problems: list[tuple[int, str]] = []
    for name, value in doc.items():
        if name not in KNOWN_KEYS:
            line = where.get((name, ""), where.get(("", name), 0))
            if isinstance(value, dict):
                guess = _suggest(name, set(KNOWN_KEYS))
                hint = f" (did you mean [{guess}]?)" if guess else ""
                known = ", ".join(f"[{table}]" for table in KNOWN_KEYS)
                problems.append(
                    (line, f"unknown section [{name}]{hint or f'; the sections are {known}'}")
                )
            else:
                tables = [table for table, keys in KNOWN_KEYS.items() if name in keys]
                if not tables:
                    every = {key for keys in KNOWN_KEYS.values() for key in keys}
                    guess = _suggest(name, every)
                    tables = [table for table, keys in KNOWN_KEYS.items() if guess in keys]
                    name_hint = f"'{guess}' " if guess else ""
                else:
                    name_hint = f"'{name}' "
                hint = f" (did you mean {name_hint}under [{tables[0]}]?)" if tables else ""
                problems.append((line, f"unknown key '{name}' outside any section{hint}"))
            continue
        if not isinstance(value, dict):
            continue  # "[x] must be a table" is reported where the value is read
        for key in value:
            if key in KNOWN_KEYS[name]:
                continue
            guess = _suggest(key, KNOWN_KEYS[name])
            if guess:
                hint = f" (did you mean '{guess}'?)"
            else:
                hint = f"; [{name}] knows {', '.join(sorted(KNOWN_KEYS[name]))}"
            line = where.get((name, key), where.get((name, ""), 0))
            problems.append((line, f"unknown key '{key}'{hint}"))
    problems.sort(key=lambda problem: problem[0])
    return [
        f"{path}:{line}: {message}" if line else f"{path}: {message}" for line, message in problems
    ]
