"""The text of an RT message: which attachment parts are its body, and HTML mail as text.

Files (a part with a name, or Content-Disposition: attachment) are never the body; a
customer's photo stays in RT.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any

from agentdesk.security.sanitize import clean_text
from agentdesk.sync.errors import BadRecord


class _TextOfHtml(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(self._skip - 1, 0)
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail: tags dropped, blocks on their own lines."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_file(part: Mapping[str, Any]) -> bool:
    if part.get("Filename"):
        return True
    headers = str(part.get("Headers", ""))
    return bool(re.search(r"^Content-Disposition:\s*attachment", headers, re.I | re.M))


def message_body(parts: Iterable[Mapping[str, Any]]) -> str | None:
    """The text of a transaction from its attachment records: its text/plain parts, else its
    HTML as text, else None. Raises BadRecord when a text part's content is unreadable."""
    plain: list[str] = []
    html: list[str] = []
    for part in sorted(parts, key=lambda p: int(str(p.get("id", 0)) or 0)):
        if _is_file(part):
            continue
        kind = str(part.get("ContentType", "")).split(";")[0].strip().lower()
        if kind not in ("text/plain", "text/html"):
            continue
        content = part.get("Content")
        if not isinstance(content, str):
            raise BadRecord(f"attachment {part.get('id')} ({kind}) has no readable text")
        if "\x00" in content:
            raise BadRecord(f"attachment {part.get('id')} ({kind}) is binary, not text")
        (plain if kind == "text/plain" else html).append(content)
    # The reader's sanitiser: a customer's mail can carry escape sequences; none reach the
    # store, the agent's terminal or a quoted reply.
    if any(p.strip() for p in plain):
        return clean_text("\n\n".join(p.replace("\r\n", "\n").strip() for p in plain if p.strip()))
    if html:
        try:
            converted = "\n\n".join(html_to_text(h) for h in html)
        except Exception as error:  # html.parser is lenient; a bug there must not stop sync
            raise BadRecord(f"HTML body unreadable: {error}") from error
        if converted.strip():
            return clean_text(converted)
    return None
