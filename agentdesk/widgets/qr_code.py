"""A QR code drawn with half blocks: two modules a character cell, dark on light, so a phone
scans it off any terminal theme (the light quiet zone is part of the drawing)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

_CELLS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_lines(data: str, border: int = 1) -> list[str]:
    """The QR of data as text lines; '█' is two dark modules, ' ' two light ones."""
    import segno

    # Error level L keeps an otpauth URI at version 5 (37 modules): it fits 24 rows.
    code = segno.make(data, error="l", micro=False, boost_error=False)
    matrix = [[bool(module) for module in row] for row in code.matrix_iter(border=border)]
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return [
        "".join(_CELLS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(matrix[::2], matrix[1::2], strict=True)
    ]


class QrCode(Static):
    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
        color: black;
        background: white;
    }
    """

    def __init__(self, data: str, *, id: str | None = None) -> None:
        super().__init__(Content("\n".join(qr_lines(data))), id=id)
