"""Macro files on disk: the shipped library, a team folder over it, and cheap reloads.

The id of a macro is its file name without .toml; a team file with the same id replaces the
shipped one. MacroCatalog.refresh() is cheap enough to call whenever the picker opens or a key
is typed: it stats the folders (no reads) and re-parses only the files whose modification time
or size changed, so edits on disk show up without a restart. Blocking IO: call it in a worker.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agentdesk.core.macros import Macro, MacroFileError, MacroIndex, MacroProblem, parse_macro

SUFFIX = ".toml"
SHIPPED = "shipped"
TEAM = "team"


@dataclass(frozen=True)
class MacroFolder:
    path: Path
    source: str  # "shipped" or "team"; later folders override earlier ones


@dataclass(frozen=True)
class MacroLibrary:
    """One consistent view of the folders: what loaded, what did not, what was overridden."""

    macros: tuple[Macro, ...]
    problems: tuple[MacroProblem, ...]
    overridden: tuple[str, ...] = ()
    generation: int = 0

    def get(self, macro_id: str) -> Macro | None:
        return next((macro for macro in self.macros if macro.id == macro_id), None)


def macro_folders(team_folder: Path | None = None) -> list[MacroFolder]:
    """The shipped library, then the team's folder (from [macros] folder in the profile)."""
    from agentdesk.shipped import shipped_dir

    folders = [MacroFolder(shipped_dir("macros"), SHIPPED)]
    if team_folder is not None:
        folders.append(MacroFolder(team_folder, TEAM))
    return folders


def load_file(path: Path, source: str = SHIPPED) -> Macro:
    """One file as a Macro, or MacroFileError naming file, line and problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise MacroFileError([MacroProblem(str(path), 0, f"not UTF-8 text: {error}")]) from None
    except OSError as error:
        raise MacroFileError(
            [MacroProblem(str(path), 0, f"cannot be read: {error.strerror}")]
        ) from None
    return parse_macro(text, macro_id=path.stem, path=str(path), source=source)


def check_folder(folder: Path) -> tuple[list[Macro], list[MacroProblem]]:
    """Every file in folder, checked: (the good ones, every problem of the bad ones)."""
    if not folder.is_dir():
        return [], [MacroProblem(str(folder), 0, "is not a folder")]
    macros: list[Macro] = []
    problems: list[MacroProblem] = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            macros.append(load_file(path))
        except MacroFileError as error:
            problems.extend(error.problems)
    return macros, problems


HARD_WRAPPED = (
    "warning: this paragraph is broken into lines (hard-wrapped), so the customer gets it "
    "broken mid-sentence: write each paragraph on one line"
)


def wrap_warnings(macros: Sequence[Macro]) -> list[MacroProblem]:
    """path:line: warning for each hard-wrapped paragraph of a macro's texts (not an error:
    the file loads; `agentdesk macros check` prints them)."""
    from agentdesk.core.macros.wrapping import hard_wrapped_lines

    warnings: list[MacroProblem] = []
    for macro in macros:
        try:
            file_lines = Path(macro.path).read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError):
            file_lines = []
        for text in macro.texts():
            lines = text.split("\n")
            wrapped = hard_wrapped_lines(text)
            for index in wrapped:
                if index - 1 in wrapped:
                    continue  # one warning per paragraph, at its first break
                found = [n for n, line in enumerate(file_lines, 1) if line == lines[index]]
                warnings.append(MacroProblem(macro.path, found[0] if found else 0, HARD_WRAPPED))
    return warnings


_Stamp = tuple[int, int]  # (mtime_ns, size)
_Entry = tuple[str, str, _Stamp]  # (path, source, stamp)


class MacroCatalog:
    """The folders' macros, reloaded when a file changes. Safe to refresh from any thread."""

    def __init__(self, folders: Sequence[MacroFolder]) -> None:
        self.folders = tuple(folders)
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[_Stamp, Macro | MacroFileError]] = {}
        self._listing: tuple[list[_Entry], list[MacroProblem]] | None = None
        self._library = MacroLibrary((), ())
        self._index: tuple[int, MacroIndex] | None = None

    def index(self, library: MacroLibrary) -> MacroIndex:
        """The search index of a library, built once per generation (~0.2 s at 5,000)."""
        with self._lock:
            if self._index is None or self._index[0] != library.generation:
                self._index = (library.generation, MacroIndex(library.macros))
            return self._index[1]

    @property
    def library(self) -> MacroLibrary:
        """The library as of the last refresh (empty before the first)."""
        return self._library

    def refresh(self) -> MacroLibrary:
        """Stat the folders; re-read changed files. Returns the (maybe unchanged) library."""
        with self._lock:
            listing, folder_problems = self._scan()
            if (listing, folder_problems) == self._listing:
                return self._library
            by_id: dict[str, Macro] = {}
            problems = list(folder_problems)
            overridden: list[str] = []
            seen: set[str] = set()
            for path, source, stamp in listing:
                seen.add(path)
                cached = self._cache.get(path)
                if cached is None or cached[0] != stamp:
                    try:
                        loaded: Macro | MacroFileError = load_file(Path(path), source)
                    except MacroFileError as error:
                        loaded = error
                    cached = (stamp, loaded)
                    self._cache[path] = cached
                result = cached[1]
                if isinstance(result, MacroFileError):
                    problems.extend(result.problems)
                    continue
                if result.id in by_id and by_id[result.id].source != source:
                    overridden.append(result.id)
                by_id[result.id] = result
            for stale in set(self._cache) - seen:
                del self._cache[stale]
            self._listing = (listing, folder_problems)
            self._library = MacroLibrary(
                macros=tuple(sorted(by_id.values(), key=lambda macro: macro.id)),
                problems=tuple(problems),
                overridden=tuple(sorted(set(overridden))),
                generation=self._library.generation + 1,
            )
            return self._library

    def _scan(self) -> tuple[list[_Entry], list[MacroProblem]]:
        listing: list[_Entry] = []
        problems: list[MacroProblem] = []
        for folder in self.folders:
            try:
                with os.scandir(folder.path) as entries:
                    found = []
                    for entry in entries:
                        if entry.name.endswith(SUFFIX) and entry.is_file():
                            info = entry.stat()
                            found.append(
                                (entry.path, folder.source, (info.st_mtime_ns, info.st_size))
                            )
            except OSError as error:
                problems.append(
                    MacroProblem(
                        str(folder.path), 0, f"macro folder cannot be read: {error.strerror}"
                    )
                )
                continue
            found.sort()  # by path: str comparison, cheap at 5,000 files
            listing.extend(found)
        return listing, problems
