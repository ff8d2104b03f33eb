"""Ticket text from customers and remote helpdesks, made safe to show exactly as written.

Subjects and bodies are never markup. Control characters would move the cursor or recolour
the terminal, so they are shown as their Unicode pictures (ESC as ␛) instead of being
dropped: the agent sees what the customer actually sent.
"""

from __future__ import annotations

from textual.content import Content

# C0 controls as U+2400 pictures, DEL as ␡, C1 controls (some terminals act on 0x9b) as �.
_PICTURES = {code: 0x2400 + code for code in range(32)} | {0x7F: 0x2421}
_PICTURES |= {code: 0xFFFD for code in range(0x80, 0xA0)}
_MULTILINE = {code: picture for code, picture in _PICTURES.items() if code != 0x0A}


def literal(text: str) -> str:
    """One line: newlines and tabs become spaces, other controls their pictures."""
    return text.replace("\r\n", " ").translate(_PICTURES | {0x09: 0x20, 0x0A: 0x20, 0x0D: 0x20})


def literal_lines(text: str) -> str:
    """Several lines (a message body): newlines kept, tabs expanded."""
    return text.replace("\r\n", "\n").expandtabs(4).translate(_MULTILINE)


def literal_content(text: str, *, multiline: bool = False) -> Content:
    """Content that is never parsed as markup."""
    return Content(literal_lines(text) if multiline else literal(text))
