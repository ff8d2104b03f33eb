"""Names that moved to a module which imports the one they left: the old module keeps them
importable through this, on first use (a top-level import either way round is a cycle)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def moved_to(old: str, new: str, names: tuple[str, ...]) -> Callable[[str], Any]:
    """A module-level __getattr__ for `old` that finds `names` in `new`."""

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(new), name)
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    return __getattr__
