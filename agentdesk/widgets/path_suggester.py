"""Completes a file path as it is typed: the first entry of the folder that starts so."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.suggester import Suggester


def complete_path(value: str) -> str | None:
    """'~/Doc' -> '~/Documents/' (folders get a slash); None when nothing matches."""
    if not value:
        return None
    expanded = os.path.expanduser(value)
    folder, _, prefix = expanded.rpartition(os.sep)
    folder = folder or (os.sep if expanded.startswith(os.sep) else ".")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    # Hidden files only when asked for.
    names = [n for n in names if n.startswith(prefix) and (prefix.startswith(".") or n[0] != ".")]
    if not names:
        return None
    name = names[0]
    suffix = name[len(prefix) :]
    if Path(folder, name).is_dir():
        suffix += os.sep
    return value + suffix


class PathSuggester(Suggester):
    def __init__(self) -> None:
        # No cache: files come and go while the dialog is open.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        # listdir can be slow on a network folder: not on the event loop.
        return await asyncio.to_thread(complete_path, value)
