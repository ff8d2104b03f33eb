"""The text sanitiser: what may enter agentdesk and what may leave it.

Every text typed, pasted, edited in $EDITOR, read from a macro file or pulled from a helpdesk,
and every text written to the store or sent to a customer, passes through clean_text(). It
keeps what a person writes (letters, tabs, newlines) and removes what a terminal obeys: C0
and C1 control characters, DEL, and whole escape sequences (CSI `ESC [ ... m`, OSC
`ESC ] ... BEL`, DCS/SOS/PM/APC strings, two-byte `ESC X`), so `\\x1b[31mBBB\\x1b[0m` becomes
`BBB`, not `[31mBBB[0m`. CRLF and CR become LF. The bidirectional overrides and isolates
(U+202A-202E, U+2066-2069) go too: they make text read differently from what it says
("Trojan Source"); right-to-left writing itself needs none of them.

Pure (core): the security package re-exports it, the store, the composer, the macro parser
and the helpdesk adapter call it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_ST = "(?:\x07|\x1b\\\\|\x9c)"  # BEL, ESC \, or the C1 string terminator
# Order matters: the string sequences and CSI before a bare two-byte ESC X.
_SEQUENCE = re.compile(
    # OSC, DCS, SOS, PM, APC (7-bit and C1): up to their terminator; unterminated, only
    # the introducer goes (the rest is plain text once the ESC is gone).
    "(?:\x1b[\\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x1b\x9c]*" + _ST + ")?"
    # CSI: parameters, intermediates, final byte.
    "|(?:\x1b\\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    # nF / Fp / Fe / Fs: ESC, intermediates, one final byte; or a lone ESC.
    "|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_NAMES = {
    "\x1b": "ESC",
    "\x07": "BEL",
    "\x08": "BS",
    "\x0b": "VT",
    "\x0c": "FF",
    "\x0d": "CR",
    "\x7f": "DEL",
    "\x9b": "CSI",
    "\x9d": "OSC",
}


def clean_text(text: str) -> str:
    """text without control characters or escape sequences; tabs and newlines kept, CRLF
    and CR as LF. Text that needs nothing comes back as it is (the common case is cheap)."""
    if not _UNSAFE.search(text):
        return text
    text = _SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


def clean_strings(value: T) -> T:
    """value with clean_text() applied to every string inside it: dataclasses (a change
    and its message, note, confirmation), tuples, lists, frozensets, dicts. Enums, numbers,
    bytes and datetimes are kept as they are; a value with nothing to clean is returned
    itself."""
    return _clean(value)  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value if type(value) is not str else clean_text(value)  # StrEnum: kept
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for item in dataclasses.fields(value):
            if not item.init:
                continue
            old = getattr(value, item.name)
            new = _clean(old)
            if new is not old:
                changes[item.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, tuple | list | frozenset):
        items = [_clean(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # NamedTuple
            return type(value)(*items)
        return type(value)(items)
    if isinstance(value, dict):
        pairs = [(key, item, _clean(key), _clean(item)) for key, item in value.items()]
        if all(nk is k and ni is i for k, i, nk, ni in pairs):
            return value
        return type(value)({nk: ni for _, _, nk, ni in pairs})
    return value


def is_clean(text: str) -> bool:
    return not _UNSAFE.search(text)


@dataclass(frozen=True)
class Unsafe:
    """The first thing clean_text() would remove: where (0-based offset) and what."""

    offset: int
    shown: str  # printable: 'ESC ]0;HACKED BEL', 'U+202E'

    def describe(self) -> str:
        if self.shown.startswith(("ESC", "CSI", "OSC")):
            return f"a terminal escape sequence ({self.shown})"
        if self.shown.startswith("U+20"):
            return f"a bidirectional override ({self.shown}), which makes text read differently"
        return f"a control character ({self.shown})"


def first_unsafe(text: str) -> Unsafe | None:
    """Where text holds a control character or escape sequence (CR of CRLF is fine)."""
    control = next((m for m in _UNSAFE.finditer(text) if m.group() != "\r"), None)
    if control is None:
        return None  # a CR is a line ending: normalised, never an error
    sequence = _SEQUENCE.search(text, control.start())
    if sequence is not None and sequence.start() == control.start():
        return Unsafe(sequence.start(), _show(sequence.group()))
    return Unsafe(control.start(), _show(control.group()))


def _show(sequence: str) -> str:
    parts: list[str] = []
    for char in sequence:
        if char in _NAMES:
            parts.append(f" {_NAMES[char]} " if char != "\x1b" else "ESC ")
        elif _UNSAFE.match(char):
            parts.append(f" U+{ord(char):04X} ")
        else:
            parts.append(char)
    return re.sub(r"\s+", " ", "".join(parts)).strip()
