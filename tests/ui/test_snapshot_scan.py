"""Every screen's snapshot shows personal data masked (issue 16): no demo customer's full
email or phone in any SVG under tests/ui/__snapshots__ (the snapshots use this demo data)."""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "__snapshots__"


def _screen_text(svg: Path) -> str:
    """The terminal text of a snapshot, one line per row (a value split over spans joins)."""
    rows: dict[str, list[tuple[float, str]]] = {}
    for match in re.finditer(
        r'<text [^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg.read_text()
    ):
        rows.setdefault(match[2], []).append((float(match[1]), html.unescape(match[3])))
    return "\n".join(
        "".join(text for _, text in sorted(parts)).replace("\xa0", " ") for _, parts in rows.items()
    )


def test_no_snapshot_shows_a_full_email_or_phone(demo_template: Path) -> None:
    connection = sqlite3.connect(demo_template)
    try:
        people = [
            value
            for row in connection.execute("SELECT email, phone FROM customers")
            for value in row
            if value
        ]
    finally:
        connection.close()
    svgs = sorted(SNAPSHOTS.rglob("*.svg"))
    assert len(svgs) > 10
    shown = {svg.name: _screen_text(svg) for svg in svgs}
    leaks = [(name, value) for name, text in shown.items() for value in people if value in text]
    assert leaks == []
